"""The yearly management plan (HJ 1259-2022 appendix A) in the console: the producer's draft for
a year, prefilled from the previous year's ledger, edited table by table (A.1–A.7, with empty
rows to add more), saved, reviewed and confirmed (a new version each time, with a reason after
the first); the draft and every version as PDF and XLSX. Park roles read any producer's plan."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.domain.plans import MAX_ROWS, TABLES, TITLE_EN
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.reports import plan as render
from hwtrace.services import directory
from hwtrace.services import plans as svc

BLANK_ROWS = 3  # empty rows under each table for the enterprise to add to it
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int_arg(name: str, default: int | None) -> int | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise BadValue(zh="参数应为数字", en="a number is expected", detail={"field": name})
    return int(raw)


def _page(year: int, error: HwtraceError | None = None, status: int = 200) -> Any:
    a = actor()
    eid = _int_arg("enterprise_id", None) if a.sees_whole_park else None
    view = None
    producers: list[Any] = []
    if a.sees_whole_park:
        producers = [e for e in directory.reportable_enterprises(ctx(), actor=a)
                     if e.kind == EnterpriseKind.PRODUCER.value]  # fmt: skip
    if eid is not None or a.enterprise_kind is EnterpriseKind.PRODUCER:
        view = svc.plan(ctx(), actor=a, year=year, enterprise_id=eid)
    return (
        render_template(
            "plans.html",
            year=year,
            view=view,
            tables=TABLES,
            title_en=TITLE_EN,
            blank=BLANK_ROWS,
            producers=producers,
            enterprise_id=eid,
            may_edit=a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER,
            error=error,
        ),
        status,
    )


@bp.get("/plans")
def plans() -> Any:
    year = _int_arg("year", ctx().today().year) or ctx().today().year
    return _page(year)


def _tables_from_form() -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for tid, (_, headers) in TABLES.items():
        n = min(_int_arg(f"rows-{tid}", 0) or 0, MAX_ROWS + BLANK_ROWS)
        out[tid] = [
            [request.form.get(f"{tid}:{i}:{j}", "")[:600] for j in range(len(headers))]
            for i in range(n)
        ]
    return out


@bp.post("/plans/<int:year>/draft")
def plans_save(year: int) -> Any:
    try:
        svc.save_draft(ctx(), actor=actor(), year=year, tables=_tables_from_form())
    except HwtraceError as err:
        return _page(year, err, err.status)
    return redirect(url_for("pages.plans", year=year) + "#review")


@bp.post("/plans/<int:year>/confirm")
def plans_confirm(year: int) -> Any:
    try:
        svc.confirm(
            ctx(),
            actor=actor(),
            year=year,
            reviewed_sha256=request.form.get("sha256", "")[:64],
            reason=request.form.get("reason", "")[:500],
        )
    except HwtraceError as err:
        return _page(year, err, err.status)
    return redirect(url_for("pages.plans", year=year) + "#versions")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _content(year: int) -> tuple[dict[str, Any], str, str, str]:
    """The content to render: a confirmed version (?version=) or the draft as it is now."""
    a = actor()
    eid = _int_arg("enterprise_id", None) if a.sees_whole_park else None
    version = _int_arg("version", None)
    if version is not None:
        v = svc.confirmed(ctx(), actor=a, year=year, version=version, enterprise_id=eid)
        return v.content, v.content_sha256, f"已确认 第{v.version}版", f"-v{v.version}"
    view = svc.plan(ctx(), actor=a, year=year, enterprise_id=eid)
    return view.content, view.sha256, "草稿", "-draft"


@bp.get("/plans/<int:year>.pdf")
def plans_pdf(year: int) -> Any:
    content, sha, status, tag = _content(year)
    data = render.render_pdf(content, park_name=ctx().settings.park_name, sha256=sha, status=status)
    return _download(data, "application/pdf", f"plan-{year}{tag}.pdf")


@bp.get("/plans/<int:year>.xlsx")
def plans_xlsx(year: int) -> Any:
    content, _sha, _status, tag = _content(year)
    return _download(render.render_xlsx(content), XLSX, f"plan-{year}{tag}.xlsx")
