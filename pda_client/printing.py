"""Labels on the handheld: print a batch's label (from the server, or rendered here when offline)
and queue the label or reprint action; check labels' signed QR payloads offline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from pda_client import labels, term
from pda_client.api import ApiError, Client, NetworkError, code_path
from pda_client.codes import Misread, parse_scan, read_scan
from pda_client.errors import UserError, VolumeRequired
from pda_client.i18n import Messages
from pda_client.store import Store, utcnow
from pda_client.sync import SyncReport


@dataclass
class PrintOptions:
    """Where and how labels are printed."""

    url: str | None = None
    profile: str | None = None
    fmt: str | None = None
    enabled: bool = True

    @property
    def format(self) -> str:
        """The label format for this printer."""
        return labels.format_for(self.profile, self.fmt)


class LabelPrinting:
    """The label actions of :class:`pda_client.pda.Pda` (mixed into it); they use its store,
    messages, connection and sync, declared here."""

    store: Store
    msg: Messages
    out: TextIO
    err: TextIO

    @property
    def online(self) -> bool:  # pragma: no cover - Pda's
        raise NotImplementedError

    @property
    def user(self) -> str:  # pragma: no cover - Pda's
        raise NotImplementedError

    def client(self) -> Client:  # pragma: no cover - Pda's
        raise NotImplementedError

    def sync_now(
        self, *, quiet: bool = False, progress: bool = False
    ) -> SyncReport | None:  # pragma: no cover - Pda's
        raise NotImplementedError

    def profile(self, profile_id: int) -> dict[str, Any]:  # pragma: no cover - Pda's
        raise NotImplementedError

    def label_keys(self) -> list[str]:
        """The park's verifier keys known here: set by ``config --label-key``, else fetched."""
        keys = [self.store.meta("cfg.label_key"), self.store.meta("label_vkey")]
        return [k for k in keys if k]

    def verify_label(self, texts: Iterable[str], key: str | None = None) -> int:
        """Check labels' QR payloads offline: 0 when every one is signed by the park."""
        keys = [key] if key else self.label_keys()
        if not keys:
            raise UserError(self.msg("no_label_key"))
        rc = 0
        for text in texts:
            if not text.strip():
                continue
            try:
                code, verdict = read_scan(text, keys)
            except Misread as m:
                message = self.msg.server(m.message_zh, m.message_en)
                term.refuse(self.msg("label_refused", message=message, code=m.code), self.err)
                rc = 1
                continue
            if verdict is None:  # a bare code: nothing to verify
                term.warn(self.msg("label_bare", code=code), self.err)
                rc = 1
                continue
            message = self.msg.server(verdict.message_zh, verdict.message_en)
            if verdict.genuine:
                term.ok(self.msg("label_genuine", code=code, message=message), self.out)
            else:
                term.warn(self.msg("label_unproven", code=code, message=message), self.err)
                rc = 1
        return rc

    def print_label(
        self,
        code: str,
        opts: PrintOptions,
        reason: str | None = None,
        volume: int | None = None,
    ) -> int:
        """Print a batch's label and queue the label (first print) or reprint action; ``volume``
        is the container volume when the batch has none (recorded with the action).

        :raises VolumeRequired: the batch's container volume is unknown and none was given.
        """
        try:
            code = parse_scan(code, self.label_keys())
        except Misread as m:
            message = self.msg.server(m.message_zh, m.message_en)
            raise UserError(self.msg("misread", message=message, scanned=m.scanned[:60])) from m
        if not opts.url:
            raise UserError(self.msg("no_printer"))
        fmt = opts.format
        printed_before = self._printed_before(code)
        if printed_before and not reason:
            raise UserError(self.msg("reprint_reason"))
        from printer import PrinterError

        try:
            data, source = self._label_bytes(code, fmt, opts.profile, volume)
            labels.send(data, opts.url)
        except PrinterError as e:
            term.refuse(
                self.msg("print_failed", message=self.msg.server(e.zh, e.en), code=code), self.err
            )
            return 1
        term.ok(self.msg("printed", code=code, fmt=fmt, source=source), self.out)
        if printed_before:
            body: dict[str, Any] = {"reason": reason, "format": fmt}
            path, action = code_path(code, "/reprint"), "reprint"
        else:
            body = {"action": "label", "format": fmt, "client_ts": utcnow()}
            path, action = code_path(code, "/events"), "label"
        if volume:
            body["container_volume_l"] = volume
        self.store.enqueue(
            username=self.user, code=code, action=action, path=path, body=body, dedupe=False
        )
        if self.online:
            self.sync_now(quiet=True)
        return 0

    def _printed_before(self, code: str) -> bool:
        for item in self.store.items(code=code, limit=1000):
            if item.action == "label" and item.state in ("queued", "done"):
                return True
        if self.online:
            try:
                with self.client() as c:
                    batch = c.call("GET", code_path(code))
                return bool(batch.get("status") not in ("REGISTERED", None))
            except (ApiError, NetworkError):
                return False
        return False

    def _label_bytes(
        self, code: str, fmt: str, profile: str | None, volume: int | None
    ) -> tuple[bytes, str]:
        """The label from the server (after syncing its registration), else rendered here."""
        problem: str | None = None
        if self.online:
            self.sync_now(quiet=True)
            try:
                with self.client() as c:
                    return labels.fetch(c, code, fmt, profile, volume), "server"
            except ApiError as e:
                if e.code == "label.volume_required":
                    raise VolumeRequired(self.msg("volume_required", code=code)) from e
                problem = self.msg.server(e.message_zh, e.message_en)
            except NetworkError as e:
                problem = str(e)
        for item in self.store.items(code=code, limit=1000):
            if item.action == "register" and item.state in ("queued", "done"):
                body = labels.body_of(item.body)
                me = self.store.me(item.username) or {}
                try:
                    label, size = labels.label_data(
                        code,
                        body,
                        self.profile(int(body["profile_id"])),
                        me.get("enterprise", {}),
                        volume,
                    )
                except labels.VolumeNeeded:
                    raise VolumeRequired(self.msg("volume_required", code=code)) from None
                return labels.render_local(label, size, fmt, profile), "local"
        raise UserError(problem or self.msg("cannot_render", code=code))
