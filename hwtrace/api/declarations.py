"""HJ 1259-2022 declarations: the park sets management classes; a producer reviews the report
of a period (JSON, XLSX, PDF), confirms and submits it (a correction is a new version); the
to-do list of declarations due, and for the park who has declared and who is late."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import Role
from hwtrace.reports import declaration_pdf, spreadsheet
from hwtrace.services import declarations as svc
from hwtrace.services import serialize

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERIOD_Q = {
    "name": "period",
    "in": "query",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]{4}(-[0-9]{2}|-[Qq][1-4])?$"},
}
ENT_Q = {"name": "enterprise_id", "in": "query", "schema": {"type": "integer"}}
ENT_P = {"name": "enterprise_id", "in": "path", "required": True, "schema": {"type": "integer"}}
OBJ = {"type": "object"}


@route(
    "/enterprises/<int:enterprise_id>/management-class",
    "PUT",
    roles=(Role.PARK_ADMIN,),
    summary="Set a producer's HJ 1259 management class (park admin)",
    tag="declarations",
    body="management-class",
    query=[ENT_P],
    response=OBJ,
)
def set_management_class(enterprise_id: int, body: dict[str, Any]) -> Response:
    ent = svc.set_management_class(
        ctx(),
        actor=actor(),
        enterprise_id=enterprise_id,
        management_class=body["management_class"],
    )
    return ok(
        {
            "id": ent.id,
            "management_class": ent.management_class,
            "class_since": ent.class_since.isoformat() if ent.class_since else None,
        }
    )


def _report() -> svc.Report:
    return svc.report(
        ctx(),
        actor=actor(),
        enterprise_id=int_arg("enterprise_id"),
        period=request.args["period"],
    )


@route(
    "/declarations/report",
    "GET",
    summary="The appendix C report of a period, built now from the ledger, for review",
    tag="declarations",
    query=[PERIOD_Q, ENT_Q],
    response=OBJ,
)
def declaration_report() -> Response:
    return ok(serialize.declaration_report(_report()))


@route(
    "/declarations/report.xlsx",
    "GET",
    summary="The appendix C report of a period as XLSX",
    tag="declarations",
    query=[PERIOD_Q, ENT_Q],
    response={"type": "string", "format": "binary"},
    content_types=(XLSX,),
)
def report_xlsx() -> Response:
    rep = _report()
    data = spreadsheet.to_xlsx(rep.headers, rep.table, rep.content["table"])
    return _download(data, XLSX, f"declaration-{rep.enterprise.uscc}-{rep.period.key}.xlsx")


@route(
    "/declarations/report.pdf",
    "GET",
    summary="The appendix C report of a period as PDF (draft, or as submitted with ?version=)",
    tag="declarations",
    query=[PERIOD_Q, ENT_Q, {"name": "version", "in": "query", "schema": {"type": "integer"}}],
    response={"type": "string", "format": "binary"},
    content_types=("application/pdf",),
)
def report_pdf() -> Response:
    version = int_arg("version")
    park = ctx().settings.park_name
    if version is not None:
        d = svc.submitted(
            ctx(),
            actor=actor(),
            enterprise_id=int_arg("enterprise_id"),
            period=request.args["period"],
            version=version,
        )
        data = declaration_pdf.render(
            d.content, park_name=park, sha256=d.content_sha256, status=f"已申报 第{d.version}版"
        )
        uscc = d.content["enterprise"]["uscc"]
        return _download(data, "application/pdf", f"declaration-{uscc}-{d.period}-v{version}.pdf")
    rep = _report()
    data = declaration_pdf.render(rep.content, park_name=park, sha256=rep.sha256, status="草稿")
    return _download(
        data, "application/pdf", f"declaration-{rep.enterprise.uscc}-{rep.period.key}.pdf"
    )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@route(
    "/declarations",
    "POST",
    roles=(Role.ADMIN,),
    summary="Confirm and submit the reviewed report of a period (producer admin)",
    tag="declarations",
    body="declaration-submit",
    status=201,
    response=OBJ,
)
def declaration_submit(body: dict[str, Any]) -> Response:
    d = svc.submit(
        ctx(),
        actor=actor(),
        period=body["period"],
        reviewed_sha256=body["reviewed_sha256"],
        reason=body.get("reason", ""),
    )
    return ok(serialize.declaration(d), 201)


@route(
    "/declarations",
    "GET",
    summary="An enterprise's submitted declarations, every version",
    tag="declarations",
    query=[ENT_Q],
    response={"type": "array", "items": OBJ},
)
def declaration_history() -> Response:
    rows = svc.history(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([serialize.declaration(d) for d in rows])


@route(
    "/declarations/due",
    "GET",
    summary="Declarations due with their deadlines: the caller's own, or every producer's "
    "for the park (the late ones first)",
    tag="declarations",
    response={"type": "array", "items": OBJ},
)
def declarations_due() -> Response:
    a = actor()
    items = svc.park_status(ctx(), actor=a) if a.sees_whole_park else svc.todo(ctx(), actor=a)
    return ok([serialize.due(d) for d in items])
