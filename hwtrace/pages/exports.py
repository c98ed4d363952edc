"""Exports: batch and ledger tables, the annual report and the signed bundle as downloads."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from hwtrace.domain.errors import BadValue
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.reports import annual_pdf, spreadsheet
from hwtrace.services import console, directory
from hwtrace.services import exports as X


@bp.get("/exports")
def exports() -> Any:
    a = actor()
    ents = directory.reportable_enterprises(ctx(), actor=a)
    this_year = ctx().today().year
    # Last year's report is the one filed (HJ 1259 yearly declaration); any year may be chosen.
    years = list(range(this_year, this_year - 10, -1))
    try:
        year = int(request.args.get("year", this_year - 1))
    except ValueError:
        year = this_year - 1
    if not 2000 <= year <= this_year:
        year = this_year - 1
    return render_template(
        "exports.html", ents=ents, year=year, years=years, filed_year=this_year - 1
    )


def attachment(data: bytes, mimetype: str, filename: str) -> Response:
    """Return a download response."""
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/exports/<what>.<fmt>")
def export_file(what: str, fmt: str) -> Any:
    a = actor()
    eid = request.args.get("enterprise_id", type=int)
    if eid is not None:
        console.visible_enterprise(ctx(), a, eid)
    if what in ("batches", "ledger") and fmt in ("csv", "xlsx"):
        table = X.batches_table if what == "batches" else X.ledger_table
        headers, rows = table(ctx(), actor=a, enterprise_id=eid)
        if fmt == "csv":
            return attachment(
                spreadsheet.to_csv(headers, rows), "text/csv; charset=utf-8", f"{what}.csv"
            )
        data = spreadsheet.to_xlsx(headers, rows, what)
        return attachment(
            data,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{what}.xlsx",
        )
    if what == "annual" and fmt == "pdf" and eid is not None:
        year = request.args.get("year", type=int) or ctx().now().year
        report = X.annual_ledger(ctx(), actor=a, enterprise_id=eid, year=year)
        pdf = annual_pdf.render(report, park_name=ctx().settings.park_name)
        return attachment(pdf, "application/pdf", f"annual-{eid}-{year}.pdf")
    if what == "bundle" and fmt == "json":
        return attachment(
            X.bundle(ctx(), actor=a, enterprise_id=eid), "application/json", "ledger-bundle.json"
        )
    raise BadValue(zh="不支持的导出类型", en="unsupported export")
