"""Facilities: storage rooms, zones and utilization/disposal facilities with their codes, their
pages (what they hold, limits, alarms) and their printable signs."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.directory import ENT_Q
from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import Role
from hwtrace.services import facilities as svc
from hwtrace.services import serialize

R = "#/components/schemas/"
ID_P = {"name": "facility_id", "in": "path", "required": True, "schema": {"type": "integer"}}


@route(
    "/facilities",
    "GET",
    summary="Facilities with their codes (设施编码): storage rooms, zones, utilization/disposal",
    tag="storage",
    query=[ENT_Q],
    response={"type": "array", "items": {"$ref": R + "Facility"}},
)
def list_facilities() -> Response:
    rows = svc.list_facilities(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([serialize.facility(f) for f in rows])


@route(
    "/facilities",
    "POST",
    roles=(Role.ADMIN,),
    summary="Create a zone in a storage room, or a utilization/disposal facility",
    tag="storage",
    body="facility-create",
    status=201,
    response={"$ref": R + "Facility"},
)
def create_facility(body: dict[str, Any]) -> Response:
    f = svc.create_facility(
        ctx(),
        actor=actor(),
        kind=body["kind"],
        name=body["name"],
        room_id=body.get("room_id"),
        allowed_categories=body.get("allowed_categories"),
        methods=body.get("methods"),
    )
    return ok(serialize.facility(f), 201)


@route(
    "/facilities/<int:facility_id>",
    "GET",
    summary="A facility: what it holds now, its limits and its alarms",
    tag="storage",
    query=[ID_P],
    response={"$ref": R + "FacilityView"},
)
def get_facility(facility_id: int) -> Response:
    f = svc.get_facility(ctx(), actor=actor(), facility_id=facility_id)
    return ok(serialize.facility_view(svc.view(ctx(), actor=actor(), facility=f)))


@route(
    "/facilities/<int:facility_id>/sign",
    "GET",
    summary="The facility's sign (HJ 1276-2022) as PDF or PNG, A4 or A3; its QR opens the "
    "facility's page",
    tag="storage",
    query=[
        ID_P,
        {"name": "format", "in": "query", "required": False, "schema": {"enum": ["pdf", "png"]}},
        {"name": "page", "in": "query", "required": False, "schema": {"enum": ["A4", "A3"]}},
    ],
    response={"type": "string", "format": "binary"},
    content_types=("application/pdf", "image/png"),
)
def sign(facility_id: int) -> Response:
    fmt = request.args.get("format") or "pdf"
    data, mimetype = svc.render_sign(
        ctx(),
        actor=actor(),
        facility_id=facility_id,
        fmt=fmt,
        page=request.args.get("page") or "A4",
        base_url=request.url_root,
    )
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'inline; filename="facility-{facility_id}.{fmt}"'
    return resp
