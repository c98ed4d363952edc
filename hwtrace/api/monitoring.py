"""Room monitoring: a room's code and rules, its open alarms. The sensors themselves publish
over MQTT (topics and payloads: docs/monitoring.md), not through this API."""

from __future__ import annotations

from typing import Any

from flask import Response

from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.services import monitoring as svc

CONFIG = {
    "type": "object",
    "properties": {
        "room_id": {"type": "integer"},
        "code": {"type": ["string", "null"]},
        "rules": {"type": "object"},
    },
}
ALARMS = {"type": "array", "items": {"type": "object"}}


@route(
    "/storage-rooms/<int:room_id>/monitoring",
    "GET",
    guard=lambda room_id: svc.authorize_room(ctx(), actor=actor(), room_id=room_id),
    summary="A room's monitoring code (MQTT topic hwtrace/<park>/rooms/<code>/<kind>) and rules",
    tag="monitoring",
    response=CONFIG,
)
def get_monitoring(room_id: int) -> Response:
    return ok(svc.get_config(ctx(), actor=actor(), room_id=room_id))


@route(
    "/storage-rooms/<int:room_id>/monitoring",
    "PUT",
    guard=lambda room_id: svc.authorize_room(ctx(), actor=actor(), room_id=room_id, write=True),
    summary="Set a room's monitoring code and rules: thresholds per kind held for minutes, "
    "silent minutes, expected sensors, working hours, authorized cards",
    tag="monitoring",
    body="room-monitoring",
    response=CONFIG,
)
def put_monitoring(room_id: int, body: dict[str, Any]) -> Response:
    out = svc.configure(
        ctx(), actor=actor(), room_id=room_id, code=body["code"], rules=body["rules"]
    )
    return ok(out)


@route(
    "/storage-rooms/<int:room_id>/alarms",
    "GET",
    guard=lambda room_id: svc.authorize_room(ctx(), actor=actor(), room_id=room_id),
    summary="A room's open alarms (each raised and cleared by a ledger entry; each opens a case)",
    tag="monitoring",
    response=ALARMS,
)
def room_alarms(room_id: int) -> Response:
    return ok([svc.alarm_json(a) for a in svc.open_alarms(ctx(), actor=actor(), room_id=room_id)])


@route(
    "/alarms",
    "GET",
    summary="Open room alarms the caller may see (the whole park for park roles)",
    tag="monitoring",
    response=ALARMS,
)
def alarms() -> Response:
    return ok([svc.alarm_json(a) for a in svc.open_alarms(ctx(), actor=actor())])
