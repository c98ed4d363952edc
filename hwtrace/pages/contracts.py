"""Contracts (合同管理) in the console: the caller's contracts (the park's for park roles) with
what is used of each waste code; the producer's administrator registers one with its signed
document, the receiver's administrator confirms or refuses it, either party terminates it.
Refusals are shown next to the form that caused them."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role, require_role
from hwtrace.domain.contracts import EXPIRY_WARN_DAYS, STATUS_ZH, USE_WARN_PCT
from hwtrace.domain.errors import BadValue, Forbidden, HwtraceError
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import contracts as svc

ROWS = 4  # waste-code rows on the form


def _page(error: HwtraceError | None = None, where: str = "", status: int = 200) -> Any:
    a = actor()
    views = svc.list_contracts(ctx(), actor=a)
    may_propose = a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER
    return (
        render_template(
            "contracts.html",
            views=views,
            today=ctx().today(),
            may_propose=may_propose,
            parties=svc.counterparties(ctx(), actor=a) if may_propose else {},
            rows=ROWS,
            error=error,
            where=where,
            form=request.form if error else {},
            warn_days=EXPIRY_WARN_DAYS,
            warn_pct=USE_WARN_PCT,
            status_zh=STATUS_ZH,
        ),
        status,
    )


@bp.get("/contracts")
def contracts() -> Any:
    return _page()


def _int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 15:
        raise BadValue(zh="请选择单位", en="choose an enterprise", detail={"field": name})
    return int(value)


@bp.post("/contracts")
def contracts_propose() -> Any:
    a = actor()
    require_role(a, Role.ADMIN)  # before the form is read
    if a.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以登记处置合同", en="only producers register contracts")
    try:
        upload = request.files.get("document")
        quantities = {}
        for i in range(ROWS):
            code = request.form.get(f"code{i}", "").strip()
            qty = request.form.get(f"qty{i}", "").strip()
            if code or qty:
                quantities[code] = qty
        receiver = _int("receiver_id")
        if receiver is None:
            raise BadValue(zh="请选择接收单位", en="choose the receiver")
        svc.propose_contract(
            ctx(),
            actor=actor(),
            new=svc.NewContract(
                number=request.form.get("number", "")[:64],
                receiver_id=receiver,
                transporter_id=_int("transporter_id"),
                valid_from=F.date("valid_from"),
                valid_to=F.date("valid_to"),
                quantities_t=quantities,
                document=upload.read() if upload else b"",
                document_name=(upload.filename or "") if upload else "",
                document_type=(upload.mimetype or "") if upload else "",
                note=request.form.get("note", "")[:500],
            ),
        )
    except HwtraceError as err:
        return _page(err, "propose", err.status)
    return redirect(url_for("pages.contracts"))


@bp.post("/contracts/<int:contract_id>/<step>")
def contracts_step(contract_id: int, step: str) -> Any:
    a = actor()
    if step in ("confirm", "refuse", "terminate"):
        svc.authorize(ctx(), actor=a, contract_id=contract_id, step=step)  # before the form
    reason = request.form.get("reason", "")[:500]
    try:
        if step == "confirm":
            svc.confirm_contract(ctx(), actor=a, contract_id=contract_id)
        elif step == "refuse":
            svc.refuse_contract(ctx(), actor=a, contract_id=contract_id, reason=reason)
        elif step == "terminate":
            svc.terminate_contract(ctx(), actor=a, contract_id=contract_id, reason=reason)
        else:
            raise BadValue(zh="未知操作", en="unknown step", detail={"step": step[:20]})
    except HwtraceError as err:
        return _page(err, f"c{contract_id}", err.status)
    return redirect(url_for("pages.contracts") + f"#c{contract_id}")


@bp.get("/contracts/<int:contract_id>/document")
def contracts_document(contract_id: int) -> Any:
    name, mimetype, data = svc.document(ctx(), actor=actor(), contract_id=contract_id)
    resp = Response(data, mimetype=mimetype)
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-")) or "doc"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return resp
