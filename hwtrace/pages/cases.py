"""Cases and the to-do inbox in the console and on the handheld (``/m/``): the inbox, the
park's cases per enterprise, one case with its handling form (a note and a photo or file) and
the park administrator's verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, redirect, render_template, request, url_for

from hwtrace.domain.access import Role
from hwtrace.domain.cases import STATUS_ZH, CaseStatus
from hwtrace.domain.errors import HwtraceError
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import cases as cases_svc
from hwtrace.services import directory, inbox, sweep

KINDS = {
    "case": "案件",
    "booking": "预约",
    "manifest": "联单",
    "declaration": "申报",
    "notice": "通知",
    "mismatch": "接收差异",
    "receipt": "接收决定",
}
MAX_UPLOAD = 200 * 1024  # below the request limit (HWTRACE_MAX_CONTENT_LENGTH)


def _evidence_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "evidence"


@bp.get("/inbox")
def inbox_page() -> Any:
    items = inbox.todo(ctx(), actor=actor())
    return render_template("inbox.html", items=items, kinds=KINDS, handheld=False)


@bp.get("/m/inbox")
def m_inbox() -> Any:
    items = inbox.todo(ctx(), actor=actor())
    return render_template("m/inbox.html", items=items, kinds=KINDS, handheld=True)


@bp.get("/cases")
def cases_page() -> Any:
    a = actor()
    status = request.args.get("status") or "open"
    rows = cases_svc.list_cases(ctx(), actor=a, status=status if status != "all" else None)
    summary = cases_svc.summary(ctx(), actor=a) if a.sees_whole_park else []
    return render_template(
        "cases.html",
        rows=rows,
        summary=summary,
        status=status,
        names=directory.enterprise_names(ctx(), actor=a),
        status_zh={s.value: STATUS_ZH[s] for s in CaseStatus},
        now=ctx().now(),
        can_sweep=a.role is Role.PARK_ADMIN,
    )


@bp.post("/cases/sweep")
def cases_sweep() -> Any:
    r = sweep.run(ctx(), actor=actor())
    F.done(
        f"巡检完成：当前预警 {r.warnings} 条，新立案 {r.opened} 件，预警消除 {r.cleared} 件，"
        f"督办 {r.escalated} 件",
        f"Swept: {r.warnings} current warnings, {r.opened} cases opened, {r.cleared} cleared, "
        f"{r.escalated} escalated",
    )
    return redirect(url_for("pages.cases_page"))


def _case(case_id: int, template: str, error: str | None = None, status: int = 200) -> Any:
    a = actor()
    case = cases_svc.get_case(ctx(), actor=a, case_id=case_id)
    can_handle = (
        a.role in (Role.ADMIN, Role.OPERATOR)
        and case.assignee_id == a.enterprise_id
        and case.status is CaseStatus.ASSIGNED
    )
    can_verify = a.role is Role.PARK_ADMIN and case.status is CaseStatus.HANDLED
    return (
        render_template(
            template,
            c=case,
            status_zh=STATUS_ZH[CaseStatus(case.status)],
            names=directory.enterprise_names(ctx(), actor=a),
            can_handle=can_handle,
            can_verify=can_verify,
            error=error,
            now=ctx().now(),
        ),
        status,
    )


@bp.get("/cases/<int:case_id>")
def case_page(case_id: int) -> Any:
    return _case(case_id, "case.html")


@bp.get("/m/cases/<int:case_id>")
def m_case(case_id: int) -> Any:
    return _case(case_id, "m/case.html")


def _step(case_id: int, step: str) -> None:
    a = actor()
    if step == "handle":
        upload = request.files.get("evidence")
        data = upload.read(MAX_UPLOAD + 1) if upload is not None else b""
        if len(data) > MAX_UPLOAD:
            data = b""  # refused below as missing, with the size in the message
        cases_svc.handle(
            ctx(),
            actor=a,
            case_id=case_id,
            note=F.text("note", 1000),
            evidence_name=(upload.filename or "evidence") if upload is not None else "",
            evidence=data,
            evidence_dir=_evidence_dir(),
        )
        F.done("已提交处置，等待园区核查", "Handling recorded: the park will verify it")
    elif step in ("verify", "send_back"):
        cases_svc.verify(
            ctx(), actor=a, case_id=case_id, accept=step == "verify", note=F.text("note", 500)
        )
        F.done(
            "案件已办结" if step == "verify" else "案件已退回",
            "Case closed" if step == "verify" else "Case sent back",
        )


@bp.post("/cases/<int:case_id>/<step>")
def case_step(case_id: int, step: str) -> Any:
    cases_svc.authorize(ctx(), actor=actor(), case_id=case_id, action=_action(step))
    try:
        _step(case_id, step)
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _case(case_id, "case.html", F.message(err), err.status)
    return redirect(url_for("pages.case_page", case_id=case_id))


@bp.post("/m/cases/<int:case_id>")
def m_case_handle(case_id: int) -> Any:
    cases_svc.authorize(ctx(), actor=actor(), case_id=case_id, action="handle")
    try:
        _step(case_id, "handle")
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _case(case_id, "m/case.html", F.message(err), err.status)
    return redirect(url_for("pages.m_case", case_id=case_id))


def _action(step: str) -> str:
    return {"handle": "handle", "verify": "verify", "send_back": "verify"}.get(step, "assign")
