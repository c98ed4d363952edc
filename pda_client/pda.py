"""What the handheld does, shared by the subcommands and the interactive menu: log in, cache
reference data, reserve codes, queue scans and registrations, print labels, sync, report.

Every action goes to the outbox first; "online" only means a sync is tried right after it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from pda_client import labels, refs, term
from pda_client.actions import REQUIRED, request_for
from pda_client.api import ApiError, Client, NetworkError
from pda_client.codes import Misread, is_payload, parse_scan
from pda_client.errors import UserError, VolumeRequired
from pda_client.i18n import Messages
from pda_client.printing import LabelPrinting, PrintOptions
from pda_client.scale import Reading, ScaleError, format_kg
from pda_client.store import Item, Store, utcnow
from pda_client.sync import SyncReport, sync

#: After a failed sync, scans are only queued for this long before the next try.
RETRY_AFTER = 15.0
RESERVE_BLOCK = 20

Weigher = Callable[[str], Reading]


@dataclass
class ScanResult:
    """What happened to one scan."""

    text: str
    code: str | None = None
    item: Item | None = None
    duplicate: bool = False
    misread: Misread | None = None
    scale_error: ScaleError | None = None


@dataclass
class Pda(LabelPrinting):
    """The handheld's state: local database, language, server, online or not."""

    store: Store
    msg: Messages
    server: str | None = None
    offline: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    workers: int = 4
    _retry_at: float = 0.0

    # -- connection -----------------------------------------------------------------------------

    @property
    def server_url(self) -> str:
        """The server (``--server`` or the one logged in to)."""
        url = self.server or self.store.meta("server")
        if not url:
            raise UserError(self.msg("no_server"))
        return url

    @property
    def user(self) -> str:
        """The current user."""
        user = self.store.current_user()
        if user is None or user not in self.store.tokens():
            raise UserError(self.msg("not_logged_in"))
        return user

    def client(self) -> Client:
        """A connection with the current user's device token."""
        return Client(self.server_url, self.store.tokens()[self.user])

    @property
    def online(self) -> bool:
        """Whether to try the server now (not ``--offline``, not just failed)."""
        return not self.offline and time.monotonic() >= self._retry_at

    # -- login and reference data ----------------------------------------------------------------

    def login(self, server: str, username: str, password: str) -> None:
        """Log in, get a device token for this handheld, cache reference data."""
        old = self.store.meta("server")
        if old and old.rstrip("/") != server.rstrip("/") and self.store.queued_count():
            raise UserError(self.msg("other_server", server=old, n=self.store.queued_count()))
        with Client(server) as c:
            try:
                session = c.call(
                    "POST", "/auth/login", {"username": username, "password": password}
                )
                name = f"pda-{socket.gethostname()}-{self.store.device_id}"[:100]
                # the login ends as the device token is issued (logging out of the login
                # would revoke the device tokens it issued)
                dev = c.call(
                    "POST",
                    "/auth/tokens",
                    {"name": name, "end_login": True},
                    token=session["token"],
                )
                me = c.call("GET", "/me", token=dev["token"])
                previous = self.store.token_id(me["username"])
                if previous and previous != dev.get("token_id"):  # this handheld's old token
                    with contextlib.suppress(ApiError):  # already revoked
                        c.call("DELETE", f"/auth/tokens/{previous}", token=dev["token"])
            except ApiError as e:
                raise UserError(
                    self.msg("login_failed", message=self.msg.server(e.message_zh, e.message_en))
                ) from e
            except NetworkError as e:
                raise UserError(self.msg("login_failed", message=str(e))) from e
        self.store.set_meta("server", server.rstrip("/"))
        self.store.save_account(me["username"], dev["token"], dev.get("token_id"), me)
        self.server = server
        term.ok(
            self.msg(
                "logged_in",
                username=me["username"],
                role=me["role"],
                enterprise=me["enterprise"]["name"],
            ),
            self.out,
        )
        self.refresh()

    def logout(self, force: bool = False) -> None:
        """Revoke this handheld's token of the current user (online) and forget it."""
        user = self.user
        waiting = self.store.queued_count([user])
        if waiting and not force:
            raise UserError(self.msg("logout_queued", n=waiting, username=user))
        me = self.store.me(user) or {}
        if not self.offline:
            try:
                with self.client() as c:
                    token_id = self.store.token_id(user)
                    if token_id:
                        c.call("DELETE", f"/auth/tokens/{token_id}")
            except (ApiError, NetworkError) as e:
                term.warn(str(e), self.err)
        self.store.remove_account(user)
        term.ok(self.msg("logged_out", username=me.get("username", user)), self.out)

    def refresh(self) -> None:
        """Fetch and cache the user, waste profiles, rooms and enterprises."""
        user = self.user
        with self.client() as c:
            try:
                me = c.call("GET", "/me")
                profiles = c.call("GET", "/waste-profiles")
                rooms = c.call("GET", "/storage-rooms")
                enterprises = c.call("GET", "/enterprises")
                manifests = c.call("GET", "/manifests")
                vkey = c.call("GET", "/ledger/checkpoint").get("vkey")
            except ApiError as e:
                raise UserError(self.msg.server(e.message_zh, e.message_en)) from e
        self.store.update_me(user, me)
        self.store.put_cache(user, "manifests", manifests)
        if vkey:  # the park's key: labels' signatures are checked with it, offline too
            self.store.set_meta("label_vkey", vkey)
        for name, value in (("profiles", profiles), ("rooms", rooms), ("enterprises", enterprises)):
            self.store.put_cache(user, name, value)
        term.info(
            self.msg(
                "refreshed",
                profiles=len(profiles),
                rooms=len(rooms),
                enterprises=len(enterprises),
            ),
            self.out,
        )

    def ref(self, kind: str, text: str | int, enterprise_kind: str | None = None) -> int:
        """The id of a waste profile, room or enterprise given by number or by name (a
        profile also by waste code, an enterprise by USCC), from the cached reference data."""
        items = list(self.store.cache(kind) or [])
        if enterprise_kind is not None:
            items = [e for e in items if e.get("kind") == enterprise_kind]
        if not items and str(text).strip().isdigit():
            return int(str(text).strip())  # nothing cached yet: the number as given
        try:
            return int(refs.resolve(kind, items, text)["id"])
        except refs.UnknownRef as e:
            raise self._unknown(kind, e) from None

    def manifest(self, text: str) -> str:
        """A manifest's number from its number or a unique part of it (the caller's manifests,
        fetched when online); a number not known here is passed on for the server to check."""
        items = self.manifests(quiet=True)
        try:
            return str(refs.resolve("manifests", items, text)["number"])
        except refs.UnknownRef as e:
            if e.matches:
                raise self._unknown("manifests", e) from None
            return text.strip()

    def _unknown(self, kind: str, e: refs.UnknownRef) -> UserError:
        what = self.msg("ref_" + kind)
        if not e.matches:
            return UserError(self.msg("unknown_ref", what=what, text=e.text))
        names = ", ".join(refs.label(kind, m) for m in e.matches[:8])
        return UserError(self.msg("ambiguous_ref", what=what, text=e.text, names=names))

    def manifests(self, quiet: bool = False) -> list[dict[str, Any]]:
        """The caller's manifests: from the server when online (and cached), else the cache."""
        user = self.user
        if self.online:
            try:
                with self.client() as c:
                    found = c.call("GET", "/manifests")
                self.store.put_cache(user, "manifests", found)
                return list(found)
            except (ApiError, NetworkError) as e:
                if not quiet:
                    term.warn(str(e), self.err)
        return list(self.store.cache("manifests") or [])

    def list_refs(self, kind: str) -> int:
        """Print the waste profiles, rooms, enterprises or manifests the operator may name."""
        items = self.manifests() if kind == "manifests" else list(self.store.cache(kind) or [])
        if not items:
            term.info(self.msg("nothing_cached", what=self.msg("ref_" + kind)), self.out)
            return 0
        names = {int(e["id"]): str(e["name"]) for e in self.store.cache("enterprises") or []}
        for line in refs.rows(kind, items, names):
            print(line, file=self.out)
        return 0

    def profile(self, profile_id: int) -> dict[str, Any]:
        """A cached waste profile."""
        for p in self.store.cache("profiles") or []:
            if p["id"] == profile_id:
                return dict(p)
        raise UserError(self.msg("unknown_profile", profile=profile_id))

    # -- codes ----------------------------------------------------------------------------------

    def reserve(self, profile_id: int, count: int, day: str | None = None) -> int:
        """Reserve ``count`` codes on the server for offline registration; return how many."""
        user = self.user
        day = day or labels.today()
        got = 0
        with self.client() as c:
            while got < count:
                n = min(500, count - got)
                try:
                    res = c.call(
                        "POST",
                        "/code-reservations",
                        {"profile_id": profile_id, "count": n, "produced_on": day},
                    )
                except ApiError as e:
                    raise UserError(self.msg.server(e.message_zh, e.message_en)) from e
                self.store.add_reserved(
                    user, profile_id, res["produced_on"], res["codes"], res.get("reservation_id")
                )
                got += len(res["codes"])
        term.info(self.msg("reserved", n=got, profile=profile_id, day=day), self.out)
        return got

    # -- scans ----------------------------------------------------------------------------------

    def check_params(self, action: str, params: dict[str, Any], weigh: bool = False) -> None:
        """Refuse an action whose parameters are missing or unknown here, before any scan."""
        needed = REQUIRED[action]
        if action == "reject" and params.get("manifest"):
            needed = (*needed, "weight_kg")  # a rejection at the receiver is weighed too
        missing = [p for p in needed if params.get(p) in (None, "")]
        if weigh and "weight_kg" in missing:
            missing.remove("weight_kg")
        if missing:
            raise UserError(
                self.msg("missing_param", action=self.msg.action(action), params=", ".join(missing))
            )
        rooms = self.store.cache("rooms")
        if action == "store" and rooms and params["room_id"] not in {r["id"] for r in rooms}:
            raise UserError(self.msg("unknown_room", room=params["room_id"]))
        ents = {e["id"]: e["kind"] for e in self.store.cache("enterprises") or []}
        for key, kind in (("transporter_id", "transporter"), ("receiver_id", "receiver")):
            value = params.get(key)
            if action == "unstore" and ents and value is not None and ents.get(value) != kind:
                raise UserError(self.msg("unknown_enterprise", id=value, kind=kind))

    def scan(
        self, text: str, action: str, params: dict[str, Any], weigh: Weigher | None = None
    ) -> ScanResult:
        """Check one scan locally and queue its action (weighing it first if asked)."""
        result = ScanResult(text)
        try:
            result.code = parse_scan(text, self.label_keys())
        except Misread as m:
            result.misread = m
            return result
        fields = dict(params)
        if action == "load" and is_payload(text):
            fields["label"] = text.strip()[:1000]
        if weigh is not None:
            try:
                reading = weigh(result.code)
            except ScaleError as e:
                result.scale_error = e
                return result
            fields["weight_kg"] = reading.api_kg()
            if reading.raw:
                fields["scale_frame"] = reading.raw_hex[:256]
                fields["note"] = f"{fields.get('note', '')} {reading.note()}".strip()[:500]
        path, body = request_for(action, result.code, fields)
        queued = self.store.enqueue(
            username=self.user,
            code=result.code,
            action=action,
            path=path,
            body=body,
        )
        result.item, result.duplicate = queued.item, queued.duplicate
        return result

    def show_scan(self, r: ScanResult, action: str) -> bool:
        """Tell the operator what happened to a scan; False if it was refused here."""
        if r.misread is not None:
            message = self.msg.server(r.misread.message_zh, r.misread.message_en)
            term.refuse(self.msg("misread", message=message, scanned=r.text[:60]), self.err)
            return False
        if r.scale_error is not None:
            message = self.msg.server(r.scale_error.message_zh, r.scale_error.message_en)
            term.refuse(self.msg("scale_error", code=r.code, message=message), self.err)
            return False
        assert r.item is not None
        name = self.msg.action(action)
        if r.duplicate:
            key = "duplicate_queued" if r.item.state == "queued" else "duplicate_done"
            term.warn(self.msg(key, action=name, code=r.code), self.err)
            return True
        term.info(self.msg("queued", action=name, code=r.code), self.out)
        return True

    def run_scans(
        self,
        scans: Iterable[str],
        action: str,
        params: dict[str, Any],
        *,
        weigh: Weigher | None = None,
        max_scans: int | None = None,
        after: Callable[[ScanResult], None] | None = None,
    ) -> int:
        """Queue every scan, syncing after each while online; 0 if nothing was refused."""
        self.check_params(action, params, weigh=weigh is not None)
        rc = 0
        for n, text in enumerate(scans, start=1):
            r = self.scan(text, action, params, weigh)
            if not self.show_scan(r, action):
                rc = 1
            elif r.item is not None and not r.duplicate and self.online:
                report = self.sync_now(quiet=True)
                if report is not None and not self.show_item(r.item.id):
                    rc = 1
            if after is not None:
                after(r)
            if max_scans is not None and n >= max_scans:
                break
        report = self.sync_now(quiet=True) if self.online else None
        if report is not None and report.refused:
            rc = 1
        return rc

    def show_item(self, item_id: int) -> bool:
        """Show the server's answer to one item; False if it was refused."""
        item = self.store.item(item_id)
        if item is None or item.state == "queued":
            return True
        name = self.msg.action(item.action)
        if item.state == "refused":
            message = self.msg.server(item.message_zh, item.message_en)
            term.refuse(self.msg("refused", action=name, code=item.code, message=message), self.err)
            return False
        status = ""
        if item.result:
            batch = json.loads(item.result)
            status = batch.get("status_zh") if self.msg.lang == "zh" else batch.get("status")
        term.ok(self.msg("synced", action=name, code=item.code, status=status or "OK"), self.out)
        return True

    # -- sync -------------------------------------------------------------------------------------

    def sync_now(self, *, quiet: bool = False, progress: bool = False) -> SyncReport | None:
        """Sync now; report refusals and why it stopped. None when offline or nothing to do."""
        if self.offline or not self.store.queued_count(list(self.store.tokens())):
            return None
        bar: term.Progress | None = None

        def tick(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = term.Progress(total, self.msg("sync_label"), self.err)
            bar.update(done)

        report = sync(
            self.store,
            self.server_url,
            workers=1 if quiet else self.workers,
            progress=tick if progress else None,
        )
        if bar is not None:
            bar.close()
        self._after_sync(report, quiet)
        return report

    def _after_sync(self, report: SyncReport, quiet: bool) -> None:
        if report.stopped is not None:
            self._retry_at = time.monotonic() + RETRY_AFTER
            key = "offline_kept" if report.stopped == "network" else "server_busy"
            term.warn(self.msg(key, n=report.left, error=report.error or ""), self.err)
        else:
            self._retry_at = 0.0
        if report.blocked_users:
            term.warn(
                self.msg("auth_blocked", users=", ".join(sorted(report.blocked_users))), self.err
            )
        if quiet:
            return
        for o in report.refused_items:
            item = self.store.item(o.id)
            if item is not None:
                self.show_item(item.id)
        term.info(
            self.msg(
                "sync_summary",
                done=report.done,
                replayed=report.replayed,
                refused=report.refused,
                left=report.left,
                rate=report.rate,
            ),
            self.out,
        )

    # -- registration and labels ----------------------------------------------------------------

    def register(
        self,
        profile_id: int,
        weight: Callable[[], Decimal],
        *,
        extra: dict[str, Any],
        count: int = 1,
        printing: PrintOptions | None = None,
    ) -> int:
        """Register ``count`` batches with reserved codes, print each label; 0 if all went."""
        user = self.user
        profile = self.profile(profile_id)
        day = labels.today()
        rc = 0
        for _ in range(count):
            kg = weight()
            if not self.store.free_codes(user, profile_id).get((profile_id, day)) and self.online:
                try:
                    self.reserve(profile_id, max(RESERVE_BLOCK, count), day)
                except (UserError, NetworkError) as e:
                    term.warn(str(e), self.err)
            body = {
                "profile_id": profile_id,
                "weight_kg": format_kg(kg),
                **{k: v for k, v in extra.items() if v not in (None, "")},
                "client_ts": utcnow(),
            }
            item = self.store.enqueue_register(
                username=user, profile_id=profile_id, produced_on=day, body=body
            )
            if item is None:
                raise UserError(self.msg("no_reserved", profile=profile_id, day=day))
            term.ok(
                self.msg(
                    "registered", code=item.code, name=profile["name"], weight=body["weight_kg"]
                ),
                self.out,
            )
            if printing is not None and printing.enabled and self.print_label(item.code, printing):
                rc = 1
        if self.online:
            self.sync_now(quiet=True)
        return rc


__all__ = ["Pda", "PrintOptions", "ScanResult", "UserError", "VolumeRequired", "Weigher"]
