"""Warnings: what the caller must look at, with counts, and acknowledgements with a note."""

from __future__ import annotations

from typing import Any

from flask import Response

from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import Role
from hwtrace.services import warnings as warnings_svc

R = "#/components/schemas/"


@route(
    "/warnings",
    "GET",
    summary="Current warnings for the caller (the whole park for park roles), with counts",
    tag="warnings",
    query=[
        {
            "name": "enterprise_id",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1},
        }
    ],
    response={"$ref": R + "Warnings"},
)
def warnings_list() -> Response:
    items, counts = warnings_svc.compute(
        ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id")
    )
    return ok({"counts": dict(counts), "items": [warnings_svc.as_json(w) for w in items]})


@route(
    "/warnings/acknowledge",
    "POST",
    roles=(Role.PARK_ADMIN, Role.ADMIN, Role.OPERATOR),
    summary="Acknowledge a warning with a note (a ledger entry about its subject)",
    tag="warnings",
    body="warning-ack",
    response={"$ref": R + "Warning"},
)
def warnings_ack(body: dict[str, Any]) -> Response:
    w = warnings_svc.acknowledge(ctx(), actor=actor(), key=body["key"], note=body["note"])
    return ok(warnings_svc.as_json(w))
