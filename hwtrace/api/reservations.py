"""Code reservations: blocks of identification codes a handheld registers with offline."""

from __future__ import annotations

from typing import Any

from flask import Response

from hwtrace.api.params import body_date
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.services import reservations

R = "#/components/schemas/"


@route(
    "/code-reservations",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    kinds=(EnterpriseKind.PRODUCER,),
    summary="Reserve a block of codes for offline registration on a PDA",
    tag="batches",
    body="code-reservation",
    status=201,
    response={"$ref": R + "CodeReservation"},
)
def reserve(body: dict[str, Any]) -> Response:
    res, block = reservations.reserve_codes(
        ctx(),
        actor=actor(),
        profile_id=body["profile_id"],
        produced_on=body_date(body.get("produced_on")),
        count=body["count"],
    )
    return ok(
        {
            "reservation_id": res.id,
            "profile_id": res.profile_id,
            "produced_on": res.produced_on.isoformat(),
            "codes": block,
        },
        201,
    )


@route(
    "/code-reservations",
    "GET",
    summary="The enterprise's code reservations",
    tag="batches",
    response={"type": "array", "items": {"type": "object"}},
)
def reservations_list() -> Response:
    return ok(reservations.list_reservations(ctx(), actor=actor()))
