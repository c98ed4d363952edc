"""The interactive menu for the handheld's terminal: numbered choices, Chinese prompts
(English with ``--lang en``), scans from the keyboard wedge or the serial scanner."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pda_client import devices, status, term
from pda_client.pda import Pda, UserError, Weigher
from pda_client.scale import Reading, ScaleError, parse_kg


class Menu:
    """One operator session."""

    def __init__(self, pda: Pda, args: argparse.Namespace) -> None:
        self.pda = pda
        self.msg = pda.msg
        self.args = args
        self.actions: dict[str, Callable[[], Any]] = {
            "1": self.login,
            "2": self.register,
            "3": lambda: self.scan_flow("store"),
            "4": lambda: self.scan_flow("unstore"),
            "5": lambda: self.scan_flow("load"),
            "6": lambda: self.scan_flow("receive"),
            "7": lambda: self.scan_flow("void"),
            "8": lambda: self.pda.sync_now(progress=True),
            "9": lambda: status.report(self.pda),
            "10": self.pda.refresh,
            "11": self.reserve,
        }

    def ask(self, key: str, default: str | None = None) -> str:
        """One answer (the default on an empty line)."""
        answer = input(self.msg(key)).strip()
        return answer or (default or "")

    def ask_int(self, key: str, default: int | None = None) -> int:
        """A number."""
        text = self.ask(key, None if default is None else str(default))
        if not text.isdigit():
            raise UserError(self.msg("bad_choice"))
        return int(text)

    def run(self) -> int:
        """Show the menu until the operator quits."""
        term.info(self.msg("menu_title"), self.pda.out)
        while True:
            term.info(self.msg("menu"), self.pda.out)
            try:
                choice = input(self.msg("choose")).strip()
            except EOFError:
                return 0
            if choice in ("0", "q", ""):
                term.info(self.msg("bye"), self.pda.out)
                return 0
            action = self.actions.get(choice)
            if action is None:
                term.refuse(self.msg("bad_choice"), self.pda.err)
                continue
            try:
                action()
            except UserError as e:
                term.refuse(str(e), self.pda.err)
            except EOFError:
                return 0

    def login(self) -> None:
        """Log in (server, username, password)."""
        server = self.ask("ask_server", self.pda.server or self.pda.store.meta("server"))
        username = self.ask("ask_username")
        password = os.environ.get("HWTRACE_PDA_PASSWORD") or devices.ask_password(self.pda)
        self.pda.login(server, username, password)

    def _list(self, rows: list[dict[str, Any]], fmt: Callable[[dict[str, Any]], str]) -> None:
        for r in rows:
            term.info(f"  {r['id']:>4}  {fmt(r)}", self.pda.out)

    def register(self) -> None:
        """Register one batch and print its label."""
        profiles = self.pda.store.cache("profiles") or []
        self._list(profiles, lambda p: f"{p['waste_code']} {p['name']}")
        profile_id = self.pda.ref("profiles", self.ask("ask_profile"))
        kg = self.weight(lambda: self.scale_weigher())
        packages = self.ask_int("ask_packages", 1)
        volume = self.ask_int("ask_volume")  # the label size depends on it (HJ 1276)
        if not 1 <= volume <= 100000:
            raise UserError(self.msg("volume_required", code=profile_id))
        printing = devices.print_options(self.pda.store, self.args)
        self.pda.register(
            profile_id,
            lambda: kg,
            extra={"package_count": packages, "container_volume_l": volume},
            printing=printing if printing.url else None,
        )

    def weight(self, scale: Callable[[], Weigher | None]) -> Decimal:
        """A weight typed in, or read from the scale on an empty answer."""
        text = self.ask("ask_weight")
        try:
            if text:
                return parse_kg(text)
            weigh = scale()
            if weigh is None:
                return parse_kg(self.ask("ask_weight_plain"))
            return weigh("").weight_kg
        except ScaleError as e:
            raise UserError(
                self.msg("weight_invalid", message=self.msg.server(e.message_zh, e.message_en))
            ) from e

    def scale_weigher(self) -> Weigher | None:
        """The configured scale."""
        return devices.weigher(self.pda, self.args)

    def keyboard_weigher(self) -> Weigher:
        """Ask the weight of each code (Enter reads the scale when one is configured)."""
        scale = self.scale_weigher()

        def weigh(code: str) -> Reading:
            term.info(code, self.pda.out)
            kg = self.weight(lambda: scale)
            return Reading(weight_kg=kg, stable=True, raw=b"", fmt="keyboard")

        return weigh

    def scan_flow(self, action: str) -> None:
        """Ask what the action needs, then queue every scan until an empty line."""
        params: dict[str, Any] = {}
        ents = self.pda.store.cache("enterprises") or []
        if action == "store":
            self._list(self.pda.store.cache("rooms") or [], lambda r: r["name"])
            params["room_id"] = self.pda.ref("rooms", self.ask("ask_room"))
        elif action == "unstore":
            self._list([e for e in ents if e["kind"] == "transporter"], lambda e: e["name"])
            params["transporter_id"] = self.pda.ref(
                "enterprises", self.ask("ask_transporter"), "transporter"
            )
            self._list([e for e in ents if e["kind"] == "receiver"], lambda e: e["name"])
            params["receiver_id"] = self.pda.ref(
                "enterprises", self.ask("ask_receiver"), "receiver"
            )
        elif action == "void":
            params["reason"] = self.ask("ask_reason")
        weigh = self.keyboard_weigher() if action == "receive" else None
        self.pda.run_scans(
            devices.scans(self.pda, self.args, interactive=True), action, params, weigh=weigh
        )

    def reserve(self) -> None:
        """Reserve codes for offline registration."""
        profiles = self.pda.store.cache("profiles") or []
        self._list(profiles, lambda p: f"{p['waste_code']} {p['name']}")
        profile_id = self.pda.ref("profiles", self.ask("ask_profile"))
        self.pda.reserve(profile_id, self.ask_int("ask_count", 20))
