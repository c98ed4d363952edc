"""Emergency paper manifests (《危险废物转移管理办法》第二十条): the producer enters afterwards a
transfer made on paper, with the paper's number, the day, the reason and the scan; the parties
list them and fetch the scan. An entry later than 10 working days after the transfer is
accepted and answered with ``late`` and the deadline (and a warning in ``/warnings``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response

from hwtrace.api.params import body_date
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import BadValue
from hwtrace.domain.paper_manifests import Scan
from hwtrace.services import paper_manifests as svc

PAPER = {
    "type": "object",
    "required": ["id", "manifest", "paper"],
    "properties": {
        "id": {"type": "integer"},
        "manifest": {"type": "string"},
        "status": {"type": "string"},
        "producer": {"type": "string"},
        "receiver": {"type": "string"},
        "entered_by": {"type": "string"},
        "entered_at": {"type": "string", "format": "date-time"},
        "paper": {"type": "object"},
    },
}
ID_P = {"name": "paper_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _scan(body: dict[str, Any]) -> Scan:
    doc = body["scan"]
    try:
        data = base64.b64decode(doc["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(
            zh="扫描件不是有效的 base64",
            en="the scan is not valid base64",
            code="paper.scan_invalid",
        ) from None
    return Scan(name=doc["name"], mimetype=doc["type"], data=data)


def _json(row: svc.PaperRow) -> dict[str, Any]:
    p = row.paper
    return {
        "id": p.id,
        "manifest": row.number,
        "status": row.status,
        "producer": row.producer,
        "receiver": row.receiver,
        "entered_by": p.entered_by,
        "entered_at": p.entered_at.isoformat(),
        "paper": svc.paper_facts(p),
    }


@route(
    "/paper-manifests",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    kinds=(EnterpriseKind.PRODUCER,),
    summary="Enter a transfer made on an emergency paper manifest, with its scan (producer; "
    "部令第23号 第二十条: due within 10 working days, accepted later with a warning)",
    tag="transport",
    body="paper-manifest",
    status=201,
    response=PAPER,
)
def enter_paper(body: dict[str, Any]) -> Response:
    day = body_date(body["transferred_on"])
    assert day is not None  # required: the schema checked it
    t = svc.PaperTransfer(
        paper_number=body["paper_number"],
        transferred_on=day,
        reason=body["reason"],
        codes=list(body["codes"]),
        transporter_id=body["transporter_id"],
        driver_user_id=body["driver_user_id"],
        vehicle_plate=body["vehicle_plate"],
        driver_licence=body["driver_licence"],
        receiver_id=body["receiver_id"],
        planned_method=body["planned_method"],
        scan=_scan(body),
    )
    p = svc.record_paper_transfer(ctx(), actor=actor(), t=t)
    [row] = [r for r in svc.list_papers(ctx(), actor=actor()) if r.paper.id == p.id]
    return ok(_json(row), 201)


@route(
    "/paper-manifests",
    "GET",
    summary="Paper manifests of the manifests the caller is party to (park: all)",
    tag="transport",
    response={"type": "array", "items": PAPER},
)
def list_papers() -> Response:
    return ok([_json(r) for r in svc.list_papers(ctx(), actor=actor())])


@route(
    "/paper-manifests/<int:paper_id>/scan",
    "GET",
    summary="The paper manifest's scan (its SHA-256 is in the manifest.create entry)",
    tag="transport",
    query=[ID_P],
    response={"type": "string", "format": "binary"},
    content_types=("application/pdf", "image/png", "image/jpeg"),
)
def paper_scan(paper_id: int) -> Response:
    name, mimetype, data = svc.scan(ctx(), actor=actor(), paper_id=paper_id)
    resp = Response(data, mimetype=mimetype)
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-")) or "scan"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
