"""Handheld pages (``/m/``) for batches: registration and the scan flows, one page per flow
for a phone or PDA browser. A keyboard-wedge scanner types the code into the focused input and
presses Enter; the page answers with the result and focuses the input again, so scanning
continues without touching the screen."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.domain.lifecycle import Action
from hwtrace.pages.routing import actor, bp, ctx, t
from hwtrace.services import batches as B
from hwtrace.services import directory, facilities, labels
from hwtrace.services import manifests as manifests_svc

FLOWS = {
    "store": ("入库扫码", Action.STORE),
    "unstore": ("出库扫码", Action.UNSTORE),
    "load": ("装车扫码", Action.LOAD),
    "receive": ("到货接收", Action.RECEIVE),
}


@bp.get("/m/")
def m_home() -> Any:
    kind = actor().enterprise_kind
    flows = {
        EnterpriseKind.PRODUCER: ["register", "store", "unstore"],
        EnterpriseKind.TRANSPORTER: ["load"],
        EnterpriseKind.RECEIVER: ["receive"],
    }.get(kind, [])
    return render_template("m/home.html", flows=flows, names={k: v[0] for k, v in FLOWS.items()})


@bp.route("/m/register", methods=["GET", "POST"])
def m_register() -> Any:
    a = actor()
    profiles = directory.list_profiles(ctx(), actor=a)
    result = None
    if request.method == "POST":
        try:
            profile_id = int(request.form.get("profile_id", "0"))
            count = int(request.form.get("package_count", "1") or 1)
        except ValueError:
            raise BadValue("请选择废物档案并填写数量", "choose a profile and a count") from None
        try:
            # The label is printed at once: its size needs the container volume (HJ 1276).
            volume = _int(request.form, "container_volume_l")
            labels.label_size(None, volume, "")
            batch = B.register_batch(
                ctx(),
                actor=a,
                command=B.RegisterBatch(
                    profile_id=profile_id,
                    weight_kg=request.form.get("weight_kg", "").strip(),
                    package_count=count,
                    process=request.form.get("process") or None,
                    container_volume_l=volume,
                ),
            )
            B.apply_event(ctx(), actor=a, code=batch.code, event=B.BatchEvent(Action.LABEL))
            result = {"ok": True, "code": batch.code}
        except HwtraceError as err:
            result = {"ok": False, "message": _msg(err), "code": err.code}
    return render_template("m/register.html", profiles=profiles, result=result, form=request.form)


def _msg(err: HwtraceError) -> str:
    return err.message_zh if g.get("lang", "zh") == "zh" else err.message_en


@bp.route("/m/scan/<flow>", methods=["GET", "POST"])
def m_scan(flow: str) -> Any:
    if flow not in FLOWS:
        return redirect(url_for("pages.m_home"))
    a = actor()
    title, action = FLOWS[flow]
    rooms = [r for r, _ in directory.list_rooms(ctx(), actor=a)] if flow == "store" else []
    manifests = (
        [
            m
            for m in manifests_svc.list_manifests(ctx(), actor=a)
            if m.status in ("CREATED", "IN_TRANSIT")
        ]
        if flow in ("load", "receive")
        else []
    )
    form = request.form if request.method == "POST" else request.args
    room_id = form.get("room_id") or ""
    results: list[dict[str, Any]] = []
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        try:
            # Scanning a room's (or zone's) facility sign selects that room for the next scans.
            room = facilities.room_for_scan(ctx(), actor=a, text=code) if flow == "store" else None
            if room is not None:
                room_id = str(room.id)
                message = f"{t('已选择库房')}：{room.name}"
                results.append({"ok": True, "code": code, "message": message, "room": True})
            else:
                _scan(flow, action, code, form)
                results.append({"ok": True, "code": code, "message": t("成功")})
        except HwtraceError as err:
            results.append({"ok": False, "code": code, "message": _msg(err), "error": err.code})
    status = 200 if all(r["ok"] for r in results) else 409
    return (
        render_template(
            "m/scan.html",
            flow=flow,
            title=title,
            rooms=rooms,
            manifests=manifests,
            form=form,
            room_id=room_id,
            results=results,
        ),
        status,
    )


def _int(form: Any, name: str) -> int | None:
    v = form.get(name) or ""
    try:
        return int(v) if v else None
    except ValueError:
        raise BadValue("参数无效", f"invalid {name}") from None


def _scan(flow: str, action: Action, code: str, form: Any) -> None:
    a = actor()
    manifest = form.get("manifest") or None
    if flow in ("load", "receive"):
        if not manifest:
            raise BadValue("请先选择联单", "choose the manifest first")
        manifests_svc.require_on_manifest(ctx(), actor=a, number=manifest, code=code)
    if flow == "receive" and form.get("reject"):
        action = Action.REJECT
    ev = B.BatchEvent(
        action=action,
        room_id=_int(form, "room_id"),
        manifest=manifest,
        weight_kg=(form.get("weight_kg") or "").strip() or None,
        reason=(form.get("reason") or "").strip() or None,
    )
    B.apply_event(ctx(), actor=a, code=code, event=ev)
