"""Cross-province transfer approvals (跨省转移审批; 部令第23号 第二十一–二十八条) in the console:
the producer's (the park's for park roles; the receiver's too) with the weight approved, used and
left of each kind; the producer's administrator or the park administrator enters one with its
scan, or withdraws a wrong one with a reason. Refusals are shown next to the form."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.approvals import MAX_VALIDITY_MONTHS
from hwtrace.domain.errors import Forbidden, HwtraceError
from hwtrace.domain.vocabularies import disposal_methods
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import approvals as svc

ROWS = 4  # waste-code rows on the form


def _may_enter() -> bool:
    a = actor()
    if a.role is Role.PARK_ADMIN:
        return True
    return a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER


def _page(error: HwtraceError | None = None, where: str = "", status: int = 200) -> Any:
    a = actor()
    may_enter = _may_enter()
    return (
        render_template(
            "approvals.html",
            views=svc.list_approvals(ctx(), actor=a),
            today=ctx().today(),
            may_enter=may_enter,
            choices=svc.form_choices(ctx(), actor=a) if may_enter else {},
            methods=disposal_methods(),
            rows=ROWS,
            months=MAX_VALIDITY_MONTHS,
            error=error,
            where=where,
            form=request.form if error else {},
        ),
        status,
    )


@bp.get("/approvals")
def approvals() -> Any:
    return _page()


@bp.post("/approvals")
def approvals_enter() -> Any:
    if not _may_enter():  # before the form is read
        raise Forbidden(
            zh="只有移出人或园区管理员可以登记跨省转移批准",
            en="only the producer or the park administrator enters approvals",
        )
    try:
        upload = request.files.get("document")
        approved = {}
        for i in range(ROWS):
            code, qty = F.text(f"code{i}", 10), F.text(f"qty{i}", 16)
            if code or qty:
                approved[code] = qty
        a = actor()
        svc.enter_approval(
            ctx(),
            actor=a,
            new=svc.NewApproval(
                number=F.text("number", 64),
                authority=F.text("authority", 100),
                producer_id=(
                    F.number("producer_id", "移出人", "producer")
                    if a.role is Role.PARK_ADMIN
                    else None
                ),
                receiver_id=F.number("receiver_id", "接受人", "receiver"),
                method=F.text("method", 10),
                valid_from=F.date("valid_from"),
                valid_to=F.date("valid_to"),
                approved_t=approved,
                document=upload.read() if upload else b"",
                document_name=(upload.filename or "") if upload else "",
                document_type=(upload.mimetype or "") if upload else "",
            ),
        )
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _page(err, "enter", err.status)
    F.done("已登记跨省转移批准", "Approval entered")
    return redirect(url_for("pages.approvals"))


@bp.post("/approvals/<int:approval_id>/withdraw")
def approvals_withdraw(approval_id: int) -> Any:
    svc.authorize_withdraw(ctx(), actor=actor(), approval_id=approval_id)  # before the form
    try:
        svc.withdraw_approval(
            ctx(), actor=actor(), approval_id=approval_id, reason=F.text("reason")
        )
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _page(err, f"a{approval_id}", err.status)
    F.done("已撤回该批准登记", "Approval withdrawn")
    return redirect(url_for("pages.approvals") + f"#a{approval_id}")
