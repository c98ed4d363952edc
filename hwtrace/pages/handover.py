"""Handheld pages (``/m/``) for a manifest's handover: the driver loads (a scan per label, a
running count "7 of 9 loaded") and departs with a button; the receiver scans each label at
receipt, sees the dispatched weight beside the one it weighs, accepts or rejects the batch, and
confirms the manifest with a button. Every scan goes through ``services/batches.py``
``apply_event`` with the manifest named (so ``services/handover.py`` checks it); departure and
confirmation through ``services/manifests.py``."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind
from hwtrace.domain.errors import BadValue, Conflict, HwtraceError, IllegalTransition
from hwtrace.domain.lifecycle import Action
from hwtrace.domain.receipts import ASPECT_EN, ASPECT_ZH, Aspect
from hwtrace.domain.transport import LineOutcome
from hwtrace.pages.batches import msg, read_scan, require_kind, scan_note
from hwtrace.pages.routing import actor, bp, ctx, t
from hwtrace.services import batches as B
from hwtrace.services import handover as handover_svc
from hwtrace.services import manifests as manifests_svc

LOADED = {LineOutcome.LOADED.value}
RECEIVED = {LineOutcome.ACCEPTED.value, LineOutcome.PARTIAL.value, LineOutcome.REJECTED.value}
OUTCOME_ZH = {
    LineOutcome.PENDING.value: "待装车",
    LineOutcome.LOADED.value: "已装车",
    LineOutcome.NOT_LOADED.value: "未装车",
    LineOutcome.ACCEPTED.value: "已接收",
    LineOutcome.PARTIAL.value: "部分拒收",
    LineOutcome.REJECTED.value: "已拒收",
    LineOutcome.MISSING.value: "缺失",
}


def _view(number: str) -> manifests_svc.ManifestView:
    return manifests_svc.get_manifest(ctx(), actor=actor(), number=number)


def _render(template: str, number: str, status: int = 200, **kw: Any) -> Any:
    view = _view(number)
    lines = view.lines
    loaded = sum(1 for ln, _, _ in lines if ln.outcome in LOADED | RECEIVED)
    received = sum(1 for ln, _, _ in lines if ln.outcome in RECEIVED)
    kw.setdefault("result", None)
    kw.setdefault("current", None)
    kw.setdefault("aspects", [(x.value, ASPECT_ZH[x], ASPECT_EN[x]) for x in Aspect])
    return (
        render_template(
            template,
            view=view,
            m=view.manifest,
            lines=lines,
            total=len(lines),
            loaded=loaded,
            received=received,
            outcome_zh=OUTCOME_ZH,
            **kw,
        ),
        status,
    )


# -- loading and departure (transporter) ----------------------------------------------------


@bp.route("/m/manifest/<number>/load", methods=["GET", "POST"])
def m_load(number: str) -> Any:
    require_kind(EnterpriseKind.TRANSPORTER)
    # 404 for a manifest the caller is not a party to, 403 for a user who is not its driver
    manifests_svc.authorize(ctx(), actor=actor(), number=number, step="load")
    if request.method == "GET":
        return _render("m/load.html", number)
    text = request.form.get("code") or ""
    try:
        scanned = read_scan(text)
        result = _load(number, scanned)
        status = 200
    except HwtraceError as err:
        result = {"kind": "error", "code": text.strip()[:80], "message": msg(err)}
        result["error"] = err.code
        status = err.status
    return _render("m/load.html", number, status, result=result)


def _load(number: str, scanned: Any) -> dict[str, Any]:
    a = actor()
    manifests_svc.require_on_manifest(
        ctx(), actor=a, number=number, code=scanned.code, loading=True
    )
    line = _line(number, scanned.code)
    if line is not None and line.outcome in LOADED | RECEIVED:
        return {
            "kind": "done",
            "code": scanned.code,
            "message": t("已装车，无需重复扫描"),
            "note": scan_note(scanned),
        }
    event = B.BatchEvent(
        action=Action.LOAD, manifest=number, label=handover_svc.scanned_label(scanned)
    )
    B.apply_event(ctx(), actor=a, code=scanned.code, event=event)
    return {"kind": "ok", "code": scanned.code, "message": t("已装车"), "note": scan_note(scanned)}


def _line(number: str, code: str) -> Any:
    return next((ln for ln, _, _ in _view(number).lines if ln.code == code), None)


@bp.post("/m/manifest/<number>/depart")
def m_depart(number: str) -> Any:
    require_kind(EnterpriseKind.TRANSPORTER)
    manifests_svc.authorize(ctx(), actor=actor(), number=number, step="depart")
    reason = (request.form.get("reason") or "").strip() or None
    try:
        manifests_svc.depart(ctx(), actor=actor(), number=number, missing_reason=reason)
    except HwtraceError as err:
        result = {"kind": "error", "code": number, "message": msg(err), "error": err.code}
        return _render("m/load.html", number, err.status, result=result, ask_reason=True)
    return redirect(url_for("pages.m_load", number=number, departed=1))


# -- receipt and confirmation (receiver) ----------------------------------------------------


@bp.route("/m/manifest/<number>/receive", methods=["GET", "POST"])
def m_receive(number: str) -> Any:
    """Scan a label: the batch opens with its dispatched weight; weigh it, say what else is not
    as declared (第十八条第二款: name, characteristics, form, packaging), then accept or reject
    it (with a reason). A batch received already is shown as done."""
    require_kind(EnterpriseKind.RECEIVER)
    manifests_svc.authorize(ctx(), actor=actor(), number=number, step="receive")
    if request.method == "GET":
        return _render("m/receive.html", number)
    form = request.form
    text = form.get("code") or ""
    current = None
    try:
        scanned = read_scan(text)
        manifests_svc.require_on_manifest(ctx(), actor=actor(), number=number, code=scanned.code)
        line = _line(number, scanned.code)
        decision = form.get("decision") or ""
        if line is not None and line.outcome in RECEIVED:
            result = {
                "kind": "done",
                "code": scanned.code,
                "message": f"{t('已接收，无需重复扫描')}（{t(OUTCOME_ZH[line.outcome])}）",
                "note": scan_note(scanned),
            }
        elif not decision:
            # The scan opens the batch for weighing.
            current = scanned.code
            result = {"kind": "open", "code": scanned.code, "message": t("请称重后接收或拒收")}
            result["note"] = scan_note(scanned)
        else:
            current = scanned.code  # kept open if the decision is refused
            result = _decide(number, scanned.code, decision, form)
            current = None
        status = 200
    except HwtraceError as err:
        result = {"kind": "error", "code": text.strip()[:80], "message": msg(err)}
        result["error"] = err.code
        status = err.status
    return _render("m/receive.html", number, status, result=result, current=current, form=form)


def _decide(number: str, code: str, decision: str, form: Any) -> dict[str, Any]:
    weight = (form.get("weight_kg") or "").strip()
    reason = (form.get("reason") or "").strip()
    if decision not in ("accept", "reject"):
        raise BadValue(zh="请选择接收或拒收", en="choose accept or reject")
    if decision == "accept" and not weight:
        raise BadValue(zh="接收须称重并填写重量", en="weigh the batch and give its weight")
    if decision == "reject" and not reason:
        raise BadValue(zh="拒收须填写原因", en="a reason is required to reject")
    event = B.BatchEvent(
        action=Action.RECEIVE if decision == "accept" else Action.REJECT,
        manifest=number,
        weight_kg=weight or None,
        reason=reason or None,
        mismatch=tuple(form.getlist("mismatch")[:4]),
        mismatch_note=(form.get("mismatch_note") or "").strip()[:500],
    )
    try:
        B.apply_event(ctx(), actor=actor(), code=code, event=event)
    except IllegalTransition as err:
        raise Conflict(
            zh=err.message_zh, en=err.message_en, code=err.code, detail=err.detail
        ) from None
    word = t("已接收") if decision == "accept" else t("已拒收")
    return {"kind": "ok", "code": code, "message": word}


@bp.post("/m/manifest/<number>/confirm")
def m_confirm(number: str) -> Any:
    """Confirm the manifest. Batches loaded but never scanned here become missing: the page
    names them first and asks once more."""
    require_kind(EnterpriseKind.RECEIVER)
    manifests_svc.authorize(ctx(), actor=actor(), number=number, step="confirm")
    view = _view(number)
    unscanned = [ln.code for ln, _, _ in view.lines if ln.outcome in LOADED]
    if unscanned and not request.form.get("confirm_missing"):
        result = {
            "kind": "error",
            "code": number,
            "message": f"{t('尚有批次未扫描接收，确认后将记为缺失')}：{len(unscanned)}",
            "error": "manifest.unscanned",
        }
        return _render("m/receive.html", number, 409, result=result, ask_missing=unscanned)
    try:
        manifests_svc.confirm_receipt(ctx(), actor=actor(), number=number)
    except HwtraceError as err:
        result = {"kind": "error", "code": number, "message": msg(err), "error": err.code}
        return _render("m/receive.html", number, err.status, result=result)
    return redirect(url_for("pages.m_receive", number=number, confirmed=1))
