"""Reference data: the national waste catalogue and the disposal method codes."""

from __future__ import annotations

from flask import Response, request

from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain import vocabularies
from hwtrace.services import catalogue as catalogue_svc

R = "#/components/schemas/"


@route(
    "/reference/waste-codes",
    "GET",
    summary="Search the national waste catalogue",
    tag="reference",
    query=[
        {
            "name": "q",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": 50},
        },
        {
            "name": "category",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^HW[0-9]{2}$"},
        },
    ],
    response={"type": "array", "items": {"$ref": R + "WasteCode"}},
)
def waste_codes() -> Response:
    a = actor()
    q = (request.args.get("q") or "").strip()
    cat = (request.args.get("category") or "").strip() or None
    return ok(catalogue_svc.search(ctx(), actor=a, q=q, category=cat, limit=200)["items"])


@route(
    "/reference/disposal-methods",
    "GET",
    summary="Utilization/disposal method codes",
    tag="reference",
    response={"type": "array", "items": {"type": "object"}},
)
def disposal_methods() -> Response:
    actor()
    return ok(vocabularies.disposal_methods())
