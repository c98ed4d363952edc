"""Reference data: the national waste catalogue and the disposal method codes."""

from __future__ import annotations

from flask import Response, request

from hwtrace.api.routing import actor, ok, route
from hwtrace.domain import catalogue

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
    actor()
    q = (request.args.get("q") or "").strip()
    cat = (request.args.get("category") or "").strip() or None
    return ok(catalogue.search(q, category=cat, limit=200))


@route(
    "/reference/disposal-methods",
    "GET",
    summary="Utilization/disposal method codes",
    tag="reference",
    response={"type": "array", "items": {"type": "object"}},
)
def disposal_methods() -> Response:
    actor()
    return ok(catalogue.disposal_methods())
