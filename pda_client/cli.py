"""``hwtrace-pda``: the interactive menu (no subcommand, on a terminal) and subcommands for
scripts and tests.

    hwtrace-pda login --server http://10.0.0.5:8000 --username p1op
    hwtrace-pda profiles | rooms | manifests              # what --profile, --room, ... name
    hwtrace-pda reserve --profile 废包装桶 --count 50       # codes for offline registration
    hwtrace-pda register --profile 900-041-49 --weight 25.5 --printer serial:///dev/rfcomm0
    hwtrace-pda scan --action store --room 1号危废暂存间 [--scanner /dev/ttyACM0]   # until EOF
    hwtrace-pda scan --action load --manifest 20263205000001
    hwtrace-pda scan --action receive --scale /dev/ttyUSB0
    hwtrace-pda verify-label ['HWT1|…']                   # a label's signature, offline
    hwtrace-pda sync | status | refused | print CODE | config | refresh | logout

Where an id is asked, a name does (a profile also by its waste code, an enterprise by its
USCC); where a code is asked, the label's QR payload does, its signature checked with the
park's key when the handheld knows it.

Exit status: 0 done; 1 something was refused (by the local checks or the server); 2 bad
usage; 3 the server could not be reached, or the user is not logged in (items stay queued).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from pda_client import __version__, devices
from pda_client.actions import ACTIONS

if TYPE_CHECKING:
    from pda_client.pda import Pda

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
S = argparse.SUPPRESS
CONFIG_KEYS = (
    "printer",
    "printer_profile",
    "label_format",
    "scanner",
    "scanner_baud",
    "scale",
    "scale_baud",
    "scale_format",
    "scale_unit",
    "scale_timeout",
    "label_key",
    "lang",
)


CONFIG_HELP = {
    "printer": "label printer: serial:///dev/rfcomm0?baudrate=9600, tcp://host:9100, file:///path",
    "printer_profile": "printer profile: escpos-4inch (default), tspl-4inch, ...",
    "label_format": "escpos, tspl, pdf or png (default: the printer profile's)",
    "scanner": "serial scanner port (default: keyboard wedge on stdin)",
    "scanner_baud": "serial scanner baud rate",
    "scale": "scale serial port, e.g. /dev/ttyUSB0",
    "scale_baud": "scale baud rate",
    "scale_format": "scale frames: auto, mt, text or a9",
    "scale_unit": "the unit the scale sends: kg or g",
    "scale_timeout": "seconds to wait for a stable weight",
    "label_key": "the park's label verifier key (default: fetched from the server at login)",
}


def _common(p: argparse.ArgumentParser, top: bool) -> None:
    d = None if top else S
    p.add_argument("--db", default=d, help="local database (default ~/.hwtrace-pda/pda.sqlite)")
    p.add_argument("--lang", default=d, choices=["zh", "en"], help="language (default zh)")
    p.add_argument("--server", default=d, help="server URL, e.g. http://10.0.0.5:8000")
    p.add_argument("--offline", action="store_true", default=False if top else S, help="queue only")


def _printing(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--printer", help="serial:///dev/rfcomm0?baudrate=9600, tcp://host:9100, file:///path"
    )
    p.add_argument("--printer-profile", help="escpos-4inch (default), tspl-4inch, ...")
    p.add_argument(
        "--label-format",
        choices=["escpos", "tspl", "pdf", "png"],
        help="what is sent to the printer (default: the printer profile's language)",
    )


def _scale(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", help="scale serial port, e.g. /dev/ttyUSB0")
    p.add_argument("--scale-baud", type=int, help="scale baud rate (default 9600)")
    p.add_argument(
        "--scale-format",
        choices=["auto", "mt", "text", "a9"],
        help="scale frames: Mettler-Toledo, plain text, Yaohua A9, or auto (default)",
    )
    p.add_argument("--scale-timeout", type=float, help="seconds to wait for a stable weight")


def _register_options(p: argparse.ArgumentParser) -> None:
    """The options of ``register``."""
    p.add_argument("--profile", required=True, help="waste profile: number, name or waste code")
    p.add_argument("--weight", help="kg; else read from --scale")
    p.add_argument("--packages", type=int, default=1, help="number of packages (default 1)")
    p.add_argument("--packaging", help="packaging as written on the label, e.g. 桶 (drum)")
    p.add_argument("--process", help="the process that produced the waste")
    p.add_argument("--volume", type=int, help="container volume in litres (label size)")
    p.add_argument("--remarks", help="free text printed on the label")
    p.add_argument("--count", type=int, default=1, help="how many batches alike (default 1)")
    p.add_argument("--no-print", action="store_true", help="register without printing labels")
    _printing(p)
    _scale(p)


def _scan_options(p: argparse.ArgumentParser) -> None:
    """The options of ``scan``."""
    p.add_argument("--action", required=True, choices=ACTIONS, help="what each scan records")
    p.add_argument("--room", help="storage room: number or name (store)")
    p.add_argument("--transporter", help="transporter: number or name (unstore, unbooked)")
    p.add_argument("--receiver", help="receiver: number or name (unstore, unbooked)")
    p.add_argument("--weight", help="kg for every code (receive); else read from --scale")
    p.add_argument("--reason", help="why (reject, void)")
    p.add_argument("--method", help="utilization/disposal method code, e.g. R2, D10")
    p.add_argument("--note", help="a note recorded with every scan")
    p.add_argument("--manifest", help="transfer manifest number (load, receive, reject)")
    p.add_argument("--rejected", help="kg rejected of a received batch (partial rejection)")
    p.add_argument("--scanner", help="serial scanner port; default: lines on stdin")
    p.add_argument("--scanner-baud", type=int, help="serial scanner baud rate (default 9600)")
    p.add_argument("--max-scans", type=int, help="stop after this many codes")
    p.add_argument("--idle-timeout", type=float, help="serial scanner: stop after S idle seconds")
    _scale(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    ap = argparse.ArgumentParser(prog="hwtrace-pda", description="hwtrace 危废扫码终端 / PDA")
    ap.add_argument("--version", action="version", version=f"hwtrace-pda {__version__}")
    _common(ap, True)
    sub = ap.add_subparsers(dest="command")

    def cmd(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        _common(p, False)
        return p

    p = cmd("login", "log in and store a device token")
    p.add_argument("--username", help="the user to log in as; else asked")
    p.add_argument("--password", help="else $HWTRACE_PDA_PASSWORD, else asked")
    p = cmd("logout", "revoke and forget the current user's device token")
    p.add_argument("--force", action="store_true", help="even with items queued")
    cmd("refresh", "cache waste profiles, rooms, enterprises, manifests and the park's key")
    for kind, what in (
        ("profiles", "the waste profiles (number, waste code, name)"),
        ("rooms", "the storage rooms (number, name, categories, fill)"),
        ("enterprises", "the enterprises (number, name, kind, USCC)"),
        ("manifests", "the manifests this user is a party to (number, state, parties)"),
    ):
        cmd(kind, "list " + what)
    p = cmd("verify-label", "check labels' QR payloads against the park's key, offline")
    p.add_argument("payload", nargs="*", help="QR payloads; default: one per line on stdin")
    p.add_argument("--key", help="the park's verifier key (default: the one stored)")
    cmd("menu", "the interactive menu")
    p = cmd("reserve", "reserve codes for offline registration")
    p.add_argument("--profile", required=True, help="waste profile: number, name or waste code")
    p.add_argument("--count", type=int, default=20, help="how many codes (default 20)")
    p.add_argument("--date", help="production date YYYY-MM-DD (default today)")

    _register_options(cmd("register", "register batches (reserved codes) and print their labels"))
    _scan_options(cmd("scan", "queue an action for every scanned code until the scanner ends"))

    p = cmd("print", "print (or reprint, with --reason) the label of CODE")
    p.add_argument("code", help="the batch's identification code or its label's QR payload")
    p.add_argument("--reason", help="why it is reprinted (a reprint is recorded in the ledger)")
    p.add_argument(
        "--volume", type=int, help="container volume in litres, if the batch has none (label size)"
    )
    _printing(p)

    p = cmd("sync", "send everything queued")
    p.add_argument("--workers", type=int, default=4, help="codes sent in parallel (default 4)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p = cmd("status", "what waits to sync, what was refused")
    p.add_argument("--json", action="store_true", help="as JSON, for scripts")
    p = cmd("refused", "retry or acknowledge refused actions")
    p.add_argument("--retry", type=int, metavar="ID", help="send refused action ID again")
    p.add_argument(
        "--dismiss", metavar="ID|all", help="acknowledge refused action ID (or all) and drop it"
    )
    p = cmd("config", "store device settings (printer, scanner, scale)")
    for key in CONFIG_KEYS:
        if key != "lang":  # --lang is a common option; with config it is stored
            p.add_argument("--" + key.replace("_", "-"), help=CONFIG_HELP[key])
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status."""
    args = build_parser().parse_args(argv)
    from pda_client.i18n import Messages
    from pda_client.pda import Pda, UserError
    from pda_client.store import Store, default_db_path

    store = Store(args.db or default_db_path())
    lang = args.lang or os.environ.get("HWTRACE_PDA_LANG") or store.meta("cfg.lang") or "zh"
    pda = Pda(store, Messages(lang), server=args.server, offline=args.offline)
    command = args.command or "menu"
    try:
        return int(COMMANDS[command](pda, args))
    except UserError as e:
        from pda_client import term

        term.refuse(str(e), pda.err)
        return EXIT_UNREACHABLE if _unreachable(e, pda) else EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        store.close()


def _unreachable(e: Exception, pda: Pda) -> bool:
    text = str(e)
    return text in (pda.msg("not_logged_in"), pda.msg("no_server")) or "connect" in text


def _login(pda: Pda, args: argparse.Namespace) -> int:
    server = args.server or pda.store.meta("server")
    if not server:
        server = input(pda.msg("ask_server")).strip()
    username = args.username or input(pda.msg("ask_username")).strip()
    password = args.password or os.environ.get("HWTRACE_PDA_PASSWORD") or devices.ask_password(pda)
    pda.login(server, username, password)
    return EXIT_OK


def _logout(pda: Pda, args: argparse.Namespace) -> int:
    pda.logout(force=args.force)
    return EXIT_OK


def _refresh(pda: Pda, args: argparse.Namespace) -> int:
    pda.refresh()
    return EXIT_OK


def _reserve(pda: Pda, args: argparse.Namespace) -> int:
    pda.reserve(pda.ref("profiles", args.profile), args.count, args.date)
    return EXIT_OK


def _lister(kind: str) -> Any:
    def run(pda: Pda, args: argparse.Namespace) -> int:
        pda.user  # noqa: B018 - refuse when nobody is logged in
        return pda.list_refs(kind)

    return run


def _verify_label(pda: Pda, args: argparse.Namespace) -> int:
    texts = args.payload or (line.rstrip("\r\n") for line in sys.stdin)
    return pda.verify_label(texts, key=args.key)


def _weight_arg(pda: Pda, text: str) -> Any:
    from pda_client.pda import UserError
    from pda_client.scale import ScaleError, parse_kg

    try:
        return parse_kg(text)
    except ScaleError as e:
        raise UserError(
            pda.msg("weight_invalid", message=pda.msg.server(e.message_zh, e.message_en))
        ) from e


def _register(pda: Pda, args: argparse.Namespace) -> int:
    from decimal import Decimal

    from pda_client.pda import UserError

    if args.weight is not None:
        kg = _weight_arg(pda, args.weight)

        def weight() -> Decimal:
            return Decimal(kg)
    else:
        weigh = devices.weigher(pda, args)
        if weigh is None:
            raise UserError(
                pda.msg(
                    "missing_param", action=pda.msg.action("register"), params="--weight / --scale"
                )
            )

        def weight() -> Decimal:
            return weigh(pda.msg("new_batch")).weight_kg

    extra = {
        "package_count": args.packages,
        "packaging": args.packaging,
        "process": args.process,
        "container_volume_l": args.volume,
        "remarks": args.remarks,
    }
    printing = devices.print_options(pda.store, args, enabled=not args.no_print)
    if printing.enabled and not printing.url:
        raise UserError(pda.msg("no_printer"))
    profile_id = pda.ref("profiles", args.profile)
    if printing.enabled and args.volume is None:  # the label size depends on it (HJ 1276)
        extra["container_volume_l"] = devices.ask_volume(pda, "--profile " + str(args.profile))
    return pda.register(profile_id, weight, extra=extra, count=args.count, printing=printing)


def _scan(pda: Pda, args: argparse.Namespace) -> int:
    pda.user  # noqa: B018 - refuse before anything else when nobody is logged in
    params: dict[str, Any] = {
        "room_id": _ref(pda, "rooms", args.room),
        "transporter_id": _ref(pda, "enterprises", args.transporter, "transporter"),
        "receiver_id": _ref(pda, "enterprises", args.receiver, "receiver"),
        "reason": args.reason,
        "method": args.method,
        "note": args.note,
        "manifest": pda.manifest(args.manifest) if args.manifest else None,
    }
    if args.rejected is not None:
        from pda_client.scale import format_kg

        params["rejected_kg"] = format_kg(_weight_arg(pda, args.rejected))
    weigh = None
    if args.action == "receive" or (args.action == "reject" and args.manifest):
        if args.weight is not None:
            from pda_client.scale import format_kg

            params["weight_kg"] = format_kg(_weight_arg(pda, args.weight))
        else:
            weigh = devices.weigher(pda, args)
    params = {k: v for k, v in params.items() if v is not None}
    pda.check_params(args.action, params, weigh=weigh is not None)
    if pda.offline:
        from pda_client import term

        term.warn(pda.msg("offline_mode"), pda.err)
    try:
        return pda.run_scans(
            devices.scans(pda, args), args.action, params, weigh=weigh, max_scans=args.max_scans
        )
    except OSError as e:  # the serial scanner could not be opened
        from pda_client.pda import UserError

        raise UserError(pda.msg("scanner_unavailable", error=e)) from e


def _ref(pda: Pda, kind: str, text: str | None, enterprise_kind: str | None = None) -> int | None:
    return None if text is None else pda.ref(kind, text, enterprise_kind)


def _print(pda: Pda, args: argparse.Namespace) -> int:
    from pda_client.pda import VolumeRequired

    opts = devices.print_options(pda.store, args)
    try:
        return pda.print_label(args.code, opts, reason=args.reason, volume=args.volume)
    except VolumeRequired:
        if args.volume is not None:
            raise
        volume = devices.ask_volume(pda, args.code)
        return pda.print_label(args.code, opts, reason=args.reason, volume=volume)


def _sync(pda: Pda, args: argparse.Namespace) -> int:
    from pda_client import term

    pda.user  # noqa: B018 - refuse when nobody is logged in
    if pda.offline:
        return EXIT_UNREACHABLE
    pda.workers = max(1, args.workers)
    report = pda.sync_now(progress=not args.no_progress)
    if report is None:
        term.info(pda.msg("sync_nothing"), pda.out)
        return EXIT_OK
    if report.stopped is not None or report.blocked_users:
        return EXIT_UNREACHABLE
    return EXIT_REFUSED if report.refused else EXIT_OK


def _status(pda: Pda, args: argparse.Namespace) -> int:
    from pda_client import status

    status.report(pda, as_json=args.json)
    return EXIT_OK


def _refused(pda: Pda, args: argparse.Namespace) -> int:
    from pda_client import term

    if args.retry is not None:
        if not pda.store.requeue(args.retry):
            term.refuse(pda.msg("nothing_found", id=args.retry), pda.err)
            return EXIT_REFUSED
        term.ok(pda.msg("requeued", id=args.retry), pda.out)
        return _sync(pda, argparse.Namespace(workers=1, no_progress=True))
    if args.dismiss is not None:
        n = pda.store.dismiss(None if args.dismiss == "all" else int(args.dismiss))
        term.ok(pda.msg("dismissed", n=n), pda.out)
        return EXIT_OK
    from pda_client import status

    status.report(pda)
    return EXIT_OK


def _config(pda: Pda, args: argparse.Namespace) -> int:
    for key in CONFIG_KEYS:
        value = getattr(args, key, None)
        if value is not None:
            pda.store.set_meta("cfg." + key, value or None)
    for key in CONFIG_KEYS:
        print(f"{key:16} {pda.store.meta('cfg.' + key) or '-'}", file=pda.out)
    return EXIT_OK


def _menu(pda: Pda, args: argparse.Namespace) -> int:
    from pda_client.menu import Menu

    return Menu(pda, args).run()


COMMANDS = {
    "login": _login,
    "logout": _logout,
    "refresh": _refresh,
    "profiles": _lister("profiles"),
    "rooms": _lister("rooms"),
    "enterprises": _lister("enterprises"),
    "manifests": _lister("manifests"),
    "verify-label": _verify_label,
    "reserve": _reserve,
    "register": _register,
    "scan": _scan,
    "print": _print,
    "sync": _sync,
    "status": _status,
    "refused": _refused,
    "config": _config,
    "menu": _menu,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
