"""Handheld pages (``/m/``) for batches: the home screen of every role, registration with the
container, and the scan flows a producer or a receiver runs against its own batches (into
storage, out of storage, reprint, utilization or disposal). Loading, departure, receipt and
confirmation on a manifest are in ``pages/handover.py``.

A scan field takes what a scanner reads from a label: the QR payload (``HWT1|…``, the main
carrier; its signature is checked against the park's key) or the bare code. A keyboard-wedge
2D imager types it into the focused field and presses Enter; the phone's camera fills the same
field (``assets/m.js``). The page answers in place and focuses the field again, so scanning
continues without touching the screen. Each flow keeps a running list in the session; a batch
scanned again after its step is shown as already done, not as an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Request, g, redirect, render_template, request, session, url_for

import schemas
from hwtrace.domain import codes
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import BadValue, Forbidden, HwtraceError, IllegalTransition
from hwtrace.domain.lifecycle import Action, BatchStatus, status_zh
from hwtrace.domain.transport import ManifestStatus
from hwtrace.domain.vocabularies import check_packaging, disposal_methods
from hwtrace.pages.routing import actor, bp, ctx, t
from hwtrace.services import batches as B
from hwtrace.services import bookings, directory, facilities, labels, notices
from hwtrace.services import manifests as manifests_svc

S = BatchStatus

# flow -> (title, action, the statuses in which a batch has had this step already)
FLOWS: dict[str, tuple[str, Action, frozenset[BatchStatus]]] = {
    "store": ("入库扫码", Action.STORE, frozenset({S.STORED})),
    "unstore": (
        "出库扫码",
        Action.UNSTORE,
        frozenset({S.AWAITING_PICKUP, S.IN_TRANSIT, S.RECEIVED, S.UTILIZED, S.DISPOSED}),
    ),
    "dispose": ("利用处置", Action.DISPOSE, frozenset({S.UTILIZED, S.DISPOSED})),
}
# Which enterprise runs a flow.
FLOW_KIND = {
    "store": EnterpriseKind.PRODUCER,
    "unstore": EnterpriseKind.PRODUCER,
    "reprint": EnterpriseKind.PRODUCER,
    "register": EnterpriseKind.PRODUCER,
    "dispose": EnterpriseKind.RECEIVER,
}
# What a flow's running list counts ("已入库 7 件").
DONE_WORD = {"store": "已入库", "unstore": "已出库", "dispose": "已利用处置"}
LOG_SIZE = 30  # codes a running list keeps (the session is a cookie)
VOLUMES = (20, 25, 30, 50, 60, 100, 200, 208, 1000)


_HANDHELD_UA = re.compile(r"Mobi|Android|iPhone|iPod|HarmonyOS|Windows CE|Windows Mobile")


def is_handheld(req: Request) -> bool:
    """True for a phone or a PDA browser (its client hint, else its user agent)."""
    if req.headers.get("Sec-CH-UA-Mobile") == "?1":
        return True
    return bool(_HANDHELD_UA.search(req.headers.get("User-Agent") or ""))


def msg(err: HwtraceError) -> str:
    """An error's message in the page's language."""
    return err.message_zh if g.get("lang", "zh") == "zh" else err.message_en


def require_kind(kind: EnterpriseKind) -> None:
    """Refuse a handheld page of another kind of enterprise (or a park role, which changes
    nothing here)."""
    a = actor()
    if a.enterprise_kind is not kind or a.role not in (Role.ADMIN, Role.OPERATOR):
        raise Forbidden(zh="该页面不属于您的岗位", en="this page is not for your role")


def read_scan(text: str) -> codes.ScannedLabel:
    """What the scanner read, as a code; a QR payload's signature checked with the park's
    verifier key."""
    if not text.strip():
        raise BadValue(zh="请扫描标签或输入识别码", en="scan a label or type its code")
    return codes.read_label(text[:1000], labels.verifier_keys(ctx()))


def scan_note(scanned: codes.ScannedLabel) -> str:
    """What the scan proves about the label, in words (empty for a bare code)."""
    if scanned.verdict is None:
        return ""
    return t("标签签名有效") if scanned.signed else t("旧式未签名标签")


@dataclass
class ScanLog:
    """A flow's running list kept in the session: (code, "ok" | "done") newest last."""

    key: str

    @property
    def items(self) -> list[list[str]]:
        return list(session.get(self.key) or [])

    def add(self, code: str, kind: str) -> None:
        """Add a code; one scanned again keeps its place and what it said first."""
        items = self.items
        if any(i[0] == code for i in items):
            return
        session[self.key] = [*items, [code, kind]][-LOG_SIZE:]

    def clear(self) -> None:
        session.pop(self.key, None)

    @property
    def count(self) -> int:
        return len(self.items)


# -- home -----------------------------------------------------------------------------------


@bp.get("/m/")
def m_home() -> Any:
    a = actor()
    c = ctx()
    tiles: list[tuple[str, str, str]] = []  # (flow, title, url)
    manifests: list[Any] = []
    accepted: list[Any] = []
    names: dict[int, str] = {}
    if a.role in (Role.ADMIN, Role.OPERATOR):
        if a.enterprise_kind is EnterpriseKind.PRODUCER:
            tiles = [
                ("register", "登记并打印", url_for("pages.m_register")),
                ("store", "入库扫码", url_for("pages.m_scan", flow="store")),
                ("unstore", "出库扫码", url_for("pages.m_scan", flow="unstore")),
                ("reprint", "补打标签", url_for("pages.m_reprint")),
            ]
        elif a.enterprise_kind is EnterpriseKind.RECEIVER:
            tiles = [("dispose", "利用处置", url_for("pages.m_scan", flow="dispose"))]
        if a.enterprise_kind in (EnterpriseKind.TRANSPORTER, EnterpriseKind.RECEIVER):
            wanted = (
                {ManifestStatus.CREATED.value, ManifestStatus.IN_TRANSIT.value}
                if a.enterprise_kind is EnterpriseKind.TRANSPORTER
                else {ManifestStatus.IN_TRANSIT.value, ManifestStatus.RECEIVED.value}
            )
            manifests = [m for m in manifests_svc.list_manifests(c, actor=a) if m.status in wanted]
            names = directory.enterprise_names(c, actor=a)
        if a.enterprise_kind is EnterpriseKind.TRANSPORTER:
            accepted = bookings.list_bookings(c, actor=a, status="ACCEPTED")
            names = directory.enterprise_names(c, actor=a)
    return render_template(
        "m/home.html",
        tiles=tiles,
        manifests=manifests,
        accepted=accepted,
        names=names,
        todo_notices=notices.unacknowledged(c, actor=a),
    )


# -- registration ---------------------------------------------------------------------------


@bp.route("/m/register", methods=["GET", "POST"])
def m_register() -> Any:
    require_kind(EnterpriseKind.PRODUCER)
    a = actor()
    profiles = directory.list_profiles(ctx(), actor=a)
    packaging = [p["name_zh"] for p in _packaging_types()]
    result = None
    status = 200
    if request.method == "POST":
        try:
            batch = _register(profiles)
            result = {"ok": True, "code": batch.code, "volume": batch.container_volume_l}
        except HwtraceError as err:
            result = {"ok": False, "message": msg(err), "code": err.code}
            status = err.status
    return (
        render_template(
            "m/register.html",
            profiles=profiles,
            packaging=packaging,
            volumes=VOLUMES,
            result=result,
            form=request.form if result and not result["ok"] else {},
        ),
        status,
    )


def _packaging_types() -> list[dict[str, str]]:
    return list(schemas.reference("packaging_types")["items"])


def _register(profiles: list[Any]) -> Any:
    a = actor()
    form = request.form
    profile_id = int_field(form, "profile_id", "废物档案", "waste profile")
    if profile_id is None:
        raise BadValue(zh="请选择废物档案", en="choose a waste profile")
    profile = next((p for p in profiles if p.id == profile_id), None)
    if profile is None:
        raise BadValue(zh="请选择废物档案", en="choose a waste profile")
    weight = (form.get("weight_kg") or "").strip()
    if not weight:
        raise BadValue(zh="请填写重量（千克）", en="give the weight in kg")
    count = int_field(form, "package_count", "数量", "package count") or 1
    # The label is printed at once: its size needs the container volume (HJ 1276-2022).
    volume = int_field(form, "container_volume_l", "容器容积", "container volume")
    labels.label_size(None, volume, "")
    # The container type: the one chosen, else the profile's.
    chosen = (form.get("packaging") or "").strip()
    if chosen:
        check_packaging(chosen)
    packaging = chosen or profile.packaging
    batch = B.register_batch(
        ctx(),
        actor=a,
        command=B.RegisterBatch(
            profile_id=profile_id,
            weight_kg=weight,
            package_count=count,
            packaging=packaging,
            container_volume_l=volume,
        ),
    )
    return B.apply_event(ctx(), actor=a, code=batch.code, event=B.BatchEvent(Action.LABEL))


def int_field(form: Any, name: str, zh: str, en: str) -> int | None:
    """A whole number from a form; None when empty; refused in words when not a number."""
    v = (form.get(name) or "").strip()
    if not v:
        return None
    if not v.isdigit() or len(v) > 9:
        raise BadValue(zh=f"「{zh}」须为整数", en=f"{en} must be a whole number")
    return int(v)


# -- reprint --------------------------------------------------------------------------------


@bp.route("/m/reprint", methods=["GET", "POST"])
def m_reprint() -> Any:
    """Reprint a label: scan (or type) the code, give the reason; recorded in the ledger."""
    require_kind(EnterpriseKind.PRODUCER)
    result = None
    status = 200
    if request.method == "POST":
        try:
            scanned = read_scan(request.form.get("code") or "")
            reason = (request.form.get("reason") or "").strip()
            if not reason:
                raise BadValue(
                    zh="补打标签须填写原因", en="a reason is required to reprint a label"
                )
            batch = B.reprint(ctx(), actor=actor(), code=scanned.code, reason=reason, fmt="pdf")
            result = {"ok": True, "code": batch.code, "note": scan_note(scanned)}
        except HwtraceError as err:
            result = {"ok": False, "message": msg(err), "code": err.code}
            status = err.status
    return render_template("m/reprint.html", result=result, form=request.form), status


# -- scan flows -----------------------------------------------------------------------------


@bp.route("/m/scan/<flow>", methods=["GET", "POST"])
def m_scan(flow: str) -> Any:
    if flow not in FLOWS:
        return redirect(url_for("pages.m_home"))
    require_kind(FLOW_KIND[flow])
    a = actor()
    c = ctx()
    title = FLOWS[flow][0]
    log = ScanLog(f"m:{flow}")
    form = request.form if request.method == "POST" else request.args
    rooms = [r for r, _ in directory.list_rooms(c, actor=a)] if flow == "store" else []
    room_id = form.get("room_id") or session.get("m:room") or ""
    method = form.get("method") or session.get("m:method") or ""
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST" and form.get("clear"):
        log.clear()
    elif request.method == "POST":
        text = request.form.get("code") or ""
        try:
            room = facilities.room_for_scan(c, actor=a, text=text) if flow == "store" else None
            if room is not None:
                # A room's (or zone's) facility sign selects that room for the next scans.
                room_id = str(room.id)
                session["m:room"] = room_id
                result = {"kind": "room", "code": "", "message": f"{t('已选择库房')}：{room.name}"}
            else:
                scanned = read_scan(text)
                result = _scan(flow, scanned, form, log)
        except HwtraceError as err:
            result = {"kind": "error", "code": text.strip()[:80], "message": msg(err)}
            result["error"] = err.code
            status = err.status
    if flow == "store" and room_id:
        session["m:room"] = room_id
    waiting = (
        B.list_batches(c, actor=a, status=S.RECEIVED.value, limit=50)[0]
        if flow == "dispose"
        else []
    )
    return (
        render_template(
            "m/scan.html",
            flow=flow,
            title=title,
            done_word=DONE_WORD[flow],
            rooms=rooms,
            room_id=str(room_id),
            methods=disposal_methods() if flow == "dispose" else [],
            method=method,
            result=result,
            log=log,
            waiting=waiting,
        ),
        status,
    )


def _scan(flow: str, scanned: codes.ScannedLabel, form: Any, log: ScanLog) -> dict[str, Any]:
    a = actor()
    _, action, done = FLOWS[flow]
    event = B.BatchEvent(action=action)
    if flow == "store":
        room_id = int_field(form, "room_id", "库房", "room")
        if room_id is None:
            raise BadValue(
                zh="请先选择库房（或扫描库房标志）", en="choose the room (or scan its sign)"
            )
        event = B.BatchEvent(action=action, room_id=room_id)
    elif flow == "dispose":
        method = (form.get("method") or "").strip()
        if not method:
            raise BadValue(
                zh="请先选择利用处置方式", en="choose the utilization/disposal method first"
            )
        session["m:method"] = method
        event = B.BatchEvent(action=final_action(method), method=method)
    try:
        batch = B.apply_event(ctx(), actor=a, code=scanned.code, event=event)
    except IllegalTransition:
        batch = B.get_batch(ctx(), actor=a, code=scanned.code)
        if BatchStatus(batch.status) not in done:
            raise
        log.add(batch.code, "done")
        return {
            "kind": "done",
            "code": batch.code,
            "message": f"{t('已完成，无需重复扫描')}（{t(_status_zh(batch.status))}）",
            "note": scan_note(scanned),
        }
    log.add(batch.code, "ok")
    return {
        "kind": "ok",
        "code": batch.code,
        "message": t(_status_zh(batch.status)),
        "note": scan_note(scanned),
    }


def final_action(method: str) -> Action:
    """Utilization for a method of the utilization group (R…), disposal otherwise."""
    group = next((m["group"] for m in disposal_methods() if m["code"] == method), None)
    if group is None:
        raise BadValue(zh="利用处置方式代码无效", en="unknown utilization/disposal method code")
    return Action.UTILIZE if group == "利用" else Action.DISPOSE


def _status_zh(status: str) -> str:
    return status_zh(BatchStatus(status))
