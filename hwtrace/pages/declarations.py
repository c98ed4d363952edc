"""HJ 1259 declarations in the console: a producer's declarations due (deadlines, reminders),
the report of a period to review, download (PDF, XLSX) and submit, and the versions submitted;
the park sees every producer's declarations, the late ones first, and sets management classes.
Refusals are shown next to the form that caused them."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.declarations import CLASS_EN, CLASS_ZH, DECLARES, ManagementClass
from hwtrace.domain.errors import HwtraceError
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.reports import declaration_pdf, spreadsheet
from hwtrace.services import declarations as svc
from hwtrace.services import directory, notices


def _page(error: HwtraceError | None = None, status: int = 200) -> Any:
    a = actor()
    period = (request.values.get("period") or "").strip()[:8]
    report = None
    history = []
    items = []
    producers: list[Any] = []
    if a.sees_whole_park:
        items = svc.park_status(ctx(), actor=a)
        producers = [e for e in directory.reportable_enterprises(ctx(), actor=a)
                     if e.kind == EnterpriseKind.PRODUCER.value]  # fmt: skip
    elif a.enterprise_kind is EnterpriseKind.PRODUCER:
        items = svc.todo(ctx(), actor=a)
        history = svc.history(ctx(), actor=a, enterprise_id=None)
        if period:
            report = svc.report(ctx(), actor=a, enterprise_id=None, period=period)
    return (
        render_template(
            "declarations.html",
            items=items,
            history=history,
            report=report,
            period=period,
            producers=producers,
            classes=list(ManagementClass),
            class_zh=CLASS_ZH,
            class_en=CLASS_EN,
            declares=DECLARES,
            may_submit=a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER,
            may_classify=a.role is Role.PARK_ADMIN,
            error=error,
            todo_notices=notices.unacknowledged(ctx(), actor=a),
        ),
        status,
    )


@bp.get("/declarations")
def declarations() -> Any:
    return _page()


@bp.post("/declarations")
def declarations_submit() -> Any:
    try:
        d = svc.submit(
            ctx(),
            actor=actor(),
            period=request.form.get("period", "")[:8],
            reviewed_sha256=request.form.get("sha256", "")[:64],
            reason=request.form.get("reason", "")[:500],
        )
    except HwtraceError as err:
        return _page(err, err.status)
    return redirect(url_for("pages.declarations", period=d.period) + "#history")


@bp.post("/declarations/class")
def declarations_class() -> Any:
    try:
        raw = request.form.get("enterprise_id", "")
        svc.set_management_class(
            ctx(),
            actor=actor(),
            enterprise_id=int(raw) if raw.isdigit() and len(raw) < 12 else 0,
            management_class=request.form.get("management_class", "")[:12],
        )
    except HwtraceError as err:
        return _page(err, err.status)
    return redirect(url_for("pages.declarations") + "#classes")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/declarations/<period>.pdf")
def declarations_pdf(period: str) -> Any:
    """The report as PDF: the draft built now, or a submitted version (?version=)."""
    a = actor()
    park = ctx().settings.park_name
    version = request.args.get("version", "")
    if version.isdigit() and len(version) < 6:
        d = svc.submitted(
            ctx(), actor=a, enterprise_id=None, period=period[:8], version=int(version)
        )
        data = declaration_pdf.render(
            d.content, park_name=park, sha256=d.content_sha256, status=f"已申报 第{d.version}版"
        )
        return _download(data, "application/pdf", f"declaration-{d.period}-v{d.version}.pdf")
    rep = svc.report(ctx(), actor=a, enterprise_id=None, period=period[:8])
    data = declaration_pdf.render(rep.content, park_name=park, sha256=rep.sha256, status="草稿")
    return _download(data, "application/pdf", f"declaration-{rep.period.key}.pdf")


@bp.get("/declarations/<period>.xlsx")
def declarations_xlsx(period: str) -> Any:
    rep = svc.report(ctx(), actor=actor(), enterprise_id=None, period=period[:8])
    data = spreadsheet.to_xlsx(rep.headers, rep.table, rep.content["table"])
    return _download(data, XLSX, f"declaration-{rep.period.key}.xlsx")
