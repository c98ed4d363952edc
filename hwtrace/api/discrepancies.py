"""Discrepancies of transfers: listed for the parties, resolved with an explanation."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.services import discrepancies as svc
from hwtrace.services import serialize

R = "#/components/schemas/"
D_P = {"name": "discrepancy_id", "in": "path", "required": True, "schema": {"type": "integer"}}


@route(
    "/discrepancies",
    "GET",
    summary="Discrepancies the caller is party to",
    tag="transport",
    query=[
        {"name": "open", "in": "query", "required": False, "schema": {"enum": ["true", "false"]}}
    ],
    response={"type": "array", "items": {"$ref": R + "Discrepancy"}},
)
def list_discrepancies() -> Response:
    rows = svc.list_discrepancies(
        ctx(), actor=actor(), open_only=request.args.get("open") == "true"
    )
    return ok([serialize.discrepancy(d) for d in rows])


@route(
    "/discrepancies/<int:discrepancy_id>/resolve",
    "POST",
    guard=lambda discrepancy_id: svc.authorize(ctx(), actor=actor(), discrepancy_id=discrepancy_id),
    summary="Resolve a discrepancy with an explanation (a new ledger entry)",
    tag="transport",
    body="reason",
    query=[D_P],
    response={"$ref": R + "Discrepancy"},
)
def resolve(discrepancy_id: int, body: dict[str, Any]) -> Response:
    d = svc.resolve_discrepancy(
        ctx(), actor=actor(), discrepancy_id=discrepancy_id, resolution=body["reason"]
    )
    return ok(serialize.discrepancy(d))
