"""A mismatch at receipt (《危险废物转移管理办法》第十八条第二款): the receiver's decision about
each batch found not as declared, and the report to the receiving place's environment authority
(JSON, PDF, CSV, XLSX), for the receiver and the park only."""

from __future__ import annotations

from typing import Any

from flask import Response

from hwtrace.api.manifests import NO_P
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.errors import NotFound
from hwtrace.reports import receipt_report
from hwtrace.services import receipts as svc

CONTENT_TYPES = receipt_report.CONTENT_TYPES
FMT_P = {"name": "fmt", "in": "path", "required": True, "schema": {"enum": list(CONTENT_TYPES)}}
REPORT = {
    "type": "object",
    "required": ["manifest", "sha256", "content", "undecided"],
    "properties": {
        "manifest": {"type": "string"},
        "sha256": {"type": "string"},
        "content": {"type": "object"},
        "undecided": {"type": "array", "items": {"type": "string"}},
    },
}
DECISION = {
    "type": "object",
    "required": ["code", "decision", "accepted_kg", "reason", "seq"],
    "properties": {
        "code": {"type": "string"},
        "decision": {"enum": ["accept", "accept_measured", "reject_return"]},
        "accepted_kg": {"type": "string"},
        "reason": {"type": "string"},
        "decided_by": {"type": "string"},
        "decided_at": {"type": "string", "format": "date-time"},
        "seq": {"type": "integer"},
    },
}


def _reader(number: str, fmt: str = "pdf") -> None:
    svc.authorize_read(ctx(), actor=actor(), number=number)
    if fmt not in CONTENT_TYPES:
        formats = list(CONTENT_TYPES)
        raise NotFound(zh="没有该格式", en="no such format", detail={"formats": formats})


@route(
    "/manifests/<number>/decisions",
    "POST",
    guard=lambda number: svc.authorize_decide(ctx(), actor=actor(), number=number),
    summary="The receiver decides about a batch found not as declared: accept, accept with "
    "the measured quantity, or refuse and return (部令第23号 第十八条第二款)",
    tag="transport",
    body="receipt-decision",
    query=[NO_P],
    status=201,
    response=DECISION,
)
def decide(number: str, body: dict[str, Any]) -> Response:
    d = svc.decide(
        ctx(),
        actor=actor(),
        number=number,
        code=body["code"],
        decision=body["decision"],
        reason=body["reason"],
    )
    return ok(svc.decision_json(d), 201)


@route(
    "/manifests/<number>/receipt-report",
    "GET",
    guard=_reader,
    summary="The receipt mismatch report of a manifest: parties, each batch declared against "
    "found, the decision (receiver and park only)",
    tag="transport",
    query=[NO_P],
    response=REPORT,
)
def receipt_report_json(number: str) -> Response:
    rep = svc.report(ctx(), actor=actor(), number=number)
    return ok(
        {
            "manifest": rep.number,
            "sha256": rep.sha256,
            "content": rep.content,
            "undecided": rep.undecided,
        }
    )


@route(
    "/manifests/<number>/receipt-report.<fmt>",
    "GET",
    guard=_reader,
    summary="The receipt mismatch report as PDF (SHA-256 in the footer), CSV or XLSX, for the "
    "receiving place's environment authority (receiver and park only)",
    tag="transport",
    query=[NO_P, FMT_P],
    response={"type": "string", "format": "binary"},
    content_types=tuple(CONTENT_TYPES.values()),
)
def receipt_report_file(number: str, fmt: str) -> Response:
    rep = svc.report(ctx(), actor=actor(), number=number)
    data = receipt_report.render(
        rep.content, sha256=rep.sha256, fmt=fmt, park_name=ctx().settings.park_name
    )
    resp = Response(data, mimetype=CONTENT_TYPES[fmt])
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="receipt-report-{rep.number}.{fmt}"'
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp
