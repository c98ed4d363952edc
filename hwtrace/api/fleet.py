"""A transporter's fleet: its vehicles (道路运输证) and its drivers and escorts (从业资格证),
kept by its administrator and checked at loading (《危险废物转移管理办法》第十三条第三款)."""

from __future__ import annotations

from typing import Any

from flask import Response

from hwtrace.api.directory import ENT_Q
from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.services import fleet as svc

ADMIN = (Role.ADMIN,)
TRANSPORTER = (EnterpriseKind.TRANSPORTER,)
READERS = (EnterpriseKind.TRANSPORTER, EnterpriseKind.PARK)
VEHICLE_P = {"name": "vehicle_id", "in": "path", "required": True, "schema": {"type": "integer"}}
STAFF_P = {"name": "staff_id", "in": "path", "required": True, "schema": {"type": "integer"}}
DATE = {"type": "string", "format": "date"}
VEHICLE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "enterprise_id": {"type": "integer"},
        "plate": {"type": "string"},
        "certificate_no": {"type": "string"},
        "certificate_valid_until": DATE,
        "dangerous_goods": {"type": "boolean"},
        "active": {"type": "boolean"},
    },
    "required": ["id", "enterprise_id", "plate", "certificate_no", "certificate_valid_until"],
}
STAFF = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "enterprise_id": {"type": "integer"},
        "name": {"type": "string"},
        "role": {"enum": ["driver", "escort"]},
        "role_zh": {"type": "string"},
        "qualification_no": {"type": "string"},
        "qualification_valid_until": DATE,
        "user_id": {"type": ["integer", "null"]},
        "active": {"type": "boolean"},
    },
    "required": ["id", "enterprise_id", "name", "role", "qualification_no"],
}


def _vehicle_form(body: dict[str, Any], plate: str = "") -> svc.VehicleForm:
    return svc.VehicleForm(
        plate=body.get("plate", plate),
        certificate_no=body["certificate_no"],
        certificate_valid_until=body["certificate_valid_until"],
        dangerous_goods=body["dangerous_goods"],
        active=body.get("active", True),
    )


@route(
    "/vehicles",
    "GET",
    kinds=READERS,
    summary="A transporter's vehicles with their road-transport certificates (park: every "
    "transporter's)",
    tag="transport",
    query=[ENT_Q],
    response={"type": "array", "items": VEHICLE},
)
def list_vehicles() -> Response:
    rows = svc.list_vehicles(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([svc.vehicle_json(v) for v in rows])


@route(
    "/vehicles",
    "POST",
    roles=ADMIN,
    kinds=TRANSPORTER,
    summary="Register a vehicle: plate, road-transport certificate (道路运输证) number and "
    "validity, dangerous goods in its scope",
    tag="transport",
    body="vehicle-create",
    status=201,
    response=VEHICLE,
)
def create_vehicle(body: dict[str, Any]) -> Response:
    return ok(
        svc.vehicle_json(svc.create_vehicle(ctx(), actor=actor(), form=_vehicle_form(body))), 201
    )


@route(
    "/vehicles/<int:vehicle_id>",
    "PUT",
    roles=ADMIN,
    kinds=TRANSPORTER,
    summary="Change a vehicle's certificate or dangerous-goods approval, or retire it",
    tag="transport",
    body="vehicle-update",
    query=[VEHICLE_P],
    response=VEHICLE,
)
def update_vehicle(vehicle_id: int, body: dict[str, Any]) -> Response:
    v = svc.update_vehicle(ctx(), actor=actor(), vehicle_id=vehicle_id, form=_vehicle_form(body))
    return ok(svc.vehicle_json(v))


def _staff_form(body: dict[str, Any]) -> svc.StaffForm:
    return svc.StaffForm(
        name=body["name"],
        role=body["role"],
        qualification_no=body["qualification_no"],
        qualification_valid_until=body["qualification_valid_until"],
        user_id=body.get("user_id"),
        active=body.get("active", True),
    )


@route(
    "/transport-staff",
    "GET",
    kinds=READERS,
    summary="A transporter's drivers and escorts with their qualification certificates (park: "
    "every transporter's)",
    tag="transport",
    query=[ENT_Q],
    response={"type": "array", "items": STAFF},
)
def list_staff() -> Response:
    rows = svc.list_staff(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([svc.staff_json(p) for p in rows])


@route(
    "/transport-staff",
    "POST",
    roles=ADMIN,
    kinds=TRANSPORTER,
    summary="Register a driver or escort: dangerous-goods qualification certificate (从业资格证) "
    "number and validity, and the login a driver loads with",
    tag="transport",
    body="staff-save",
    status=201,
    response=STAFF,
)
def create_staff(body: dict[str, Any]) -> Response:
    return ok(svc.staff_json(svc.save_staff(ctx(), actor=actor(), form=_staff_form(body))), 201)


@route(
    "/transport-staff/<int:staff_id>",
    "PUT",
    roles=ADMIN,
    kinds=TRANSPORTER,
    summary="Change a driver's or escort's qualification or login, or retire it",
    tag="transport",
    body="staff-save",
    query=[STAFF_P],
    response=STAFF,
)
def update_staff(staff_id: int, body: dict[str, Any]) -> Response:
    p = svc.save_staff(ctx(), actor=actor(), form=_staff_form(body), staff_id=staff_id)
    return ok(svc.staff_json(p))
