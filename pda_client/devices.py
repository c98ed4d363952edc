"""The handheld's devices as the subcommands and the menu configure them: a setting from the
command line or the stored configuration, the printer, the scale and the scanner, and the
password prompt."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pda_client.pda import Pda, PrintOptions, Weigher
    from pda_client.store import Store


def cfg(store: Store, args: argparse.Namespace, key: str) -> str | None:
    """A setting: the command-line option, else the stored device setting."""
    value = getattr(args, key, None)
    if value is not None:
        return str(value)
    return store.meta("cfg." + key)


def ask_password(pda: Pda) -> str:
    """The password: asked without echo on a terminal, else the next line of stdin."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(pda.msg("ask_password"))
    return sys.stdin.readline().rstrip("\r\n")


def ask_volume(pda: Pda, what: str) -> int:
    """The container volume in litres, asked on a terminal (it sets the label size).

    :raises VolumeRequired: not on a terminal, or not a volume.
    """
    import sys

    from pda_client.pda import VolumeRequired

    if not sys.stdin.isatty():
        raise VolumeRequired(pda.msg("volume_required", code=what))
    text = input(pda.msg("ask_volume")).strip()
    if not text.isdigit() or not 1 <= int(text) <= 100000:
        raise VolumeRequired(pda.msg("volume_required", code=what))
    return int(text)


def print_options(store: Store, args: argparse.Namespace, enabled: bool = True) -> PrintOptions:
    """Printer settings from the options and the stored configuration."""
    from pda_client.pda import PrintOptions

    return PrintOptions(
        url=cfg(store, args, "printer"),
        profile=cfg(store, args, "printer_profile"),
        fmt=cfg(store, args, "label_format"),
        enabled=enabled,
    )


def weigher(pda: Pda, args: argparse.Namespace) -> Weigher | None:
    """Read weights from the configured scale (None when there is no scale)."""
    from pda_client import term
    from pda_client.pda import UserError
    from pda_client.scale import Reading, ScaleError, SerialScale

    port = cfg(pda.store, args, "scale")
    if not port:
        return None
    try:
        scale = SerialScale(
            port,
            baudrate=int(cfg(pda.store, args, "scale_baud") or 9600),
            fmt=cfg(pda.store, args, "scale_format") or "auto",
            unit=pda.store.meta("cfg.scale_unit") or "kg",
        )
    except ScaleError as e:
        raise UserError(pda.msg.server(e.message_zh, e.message_en)) from e
    timeout = float(cfg(pda.store, args, "scale_timeout") or 30)

    def weigh(code: str) -> Reading:
        term.info(pda.msg("scale_wait", code=code), pda.err)
        r = scale.read_stable(timeout=timeout)
        term.info(pda.msg("scale_read", weight=r.api_kg(), fmt=r.fmt), pda.out)
        return r

    return weigh


def scans(pda: Pda, args: argparse.Namespace, interactive: bool = False) -> Any:
    """The scans: from the serial scanner if one is set, else lines on stdin."""
    from pda_client import scanner, term

    device = cfg(pda.store, args, "scanner")
    if device:
        return scanner.serial_scans(
            device,
            baudrate=int(cfg(pda.store, args, "scanner_baud") or 9600),
            idle_timeout=getattr(args, "idle_timeout", None),
            on_ready=lambda: term.info(pda.msg("scanner_ready", device=device), pda.err),
            stop_stream=sys.stdin if interactive else None,
        )
    prompt = (lambda: print(pda.msg("scan_prompt"), end="", flush=True)) if interactive else None
    return scanner.stdin_scans(sys.stdin, prompt, stop_on_empty=interactive)
