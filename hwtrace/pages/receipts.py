"""A mismatch at receipt in the console (《危险废物转移管理办法》第十八条第二款): the manifest's
receipt page lists each batch found not as declared (declared against found), the receiver
decides about each (accept as declared, accept with the measured quantity, or refuse and
return, with a reason), and the report to the receiving place's environment authority is one
click away as PDF, CSV or XLSX. The receiver and the park see it; nobody else."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.errors import HwtraceError, NotFound
from hwtrace.domain.receipts import DECISION_EN, DECISION_ZH, Decision
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.reports import receipt_report
from hwtrace.services import receipts as svc


def _page(number: str, error: str | None = None, status: int = 200) -> Any:
    a = actor()
    rep = svc.report(ctx(), actor=a, number=number)
    receiver = not a.sees_whole_park
    return (
        render_template(
            "receipt.html",
            rep=rep,
            c=rep.content,
            decide=receiver,
            decisions=[(d.value, DECISION_ZH[d], DECISION_EN[d]) for d in Decision],
            error=error,
            form=request.form,
        ),
        status,
    )


@bp.get("/manifests/<number>/receipt")
def receipt_page(number: str) -> Any:
    return _page(number)


@bp.post("/manifests/<number>/receipt")
def receipt_decide(number: str) -> Any:
    svc.authorize_decide(ctx(), actor=actor(), number=number)  # before the form is read
    code = F.text("code", 64)
    try:
        svc.decide(
            ctx(),
            actor=actor(),
            number=number,
            code=code,
            decision=F.text("decision", 20),
            reason=F.text("reason"),
        )
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _page(number, F.message(err), err.status)
    F.done(f"已记录接收决定：{code}", f"Decision recorded: {code}")
    return redirect(url_for("pages.receipt_page", number=number))


@bp.get("/manifests/<number>/receipt-report.<fmt>")
def receipt_report_download(number: str, fmt: str) -> Any:
    svc.authorize_read(ctx(), actor=actor(), number=number)
    if fmt not in receipt_report.CONTENT_TYPES:
        raise NotFound(zh="没有该格式", en="no such format")
    rep = svc.report(ctx(), actor=actor(), number=number)
    data = receipt_report.render(
        rep.content, sha256=rep.sha256, fmt=fmt, park_name=ctx().settings.park_name
    )
    resp = Response(data, mimetype=receipt_report.CONTENT_TYPES[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="receipt-report-{number}.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
