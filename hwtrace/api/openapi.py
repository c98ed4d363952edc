"""The OpenAPI 3.1 document, built from the declared routes and the body schemas, so the
document and the code cannot drift apart."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from flask import Response

from hwtrace.api.routing import ROUTES, ok, route
from hwtrace.domain.contracts import ContractStatus
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.transport import BookingStatus, DiscrepancyKind, LineOutcome, ManifestStatus

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
INT = {"type": "integer"}
NINT = {"type": ["integer", "null"]}
KG = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{3}$"}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": required if required is not None else list(props),
    }


COMPONENTS: dict[str, Any] = {
    "Problem": _obj(
        {
            "type": STR,
            "title": STR,
            "status": INT,
            "detail": STR,
            "instance": NSTR,
            "code": STR,
            "message": STR,
            "message_en": STR,
            "request_id": NSTR,
            "context": {"type": "object"},
        },
        ["type", "title", "status", "detail", "code", "message", "message_en"],
    ),
    "Ok": _obj({"ok": {"type": "boolean"}}),
    "Token": _obj(
        {"token": STR, "token_id": INT, "kind": {"enum": ["session", "device"]}, "expires_at": NSTR}
    ),
    "TokenInfo": _obj(
        {
            "id": INT,
            "name": STR,
            "kind": STR,
            "created_at": NSTR,
            "expires_at": NSTR,
            "revoked": {"type": "boolean"},
        }
    ),
    "Enterprise": _obj(
        {
            "id": INT,
            "uscc": STR,
            "name": STR,
            "kind": {"enum": ["producer", "transporter", "receiver", "park"]},
            "province_code": NSTR,
            "address": STR,
            "contact_name": STR,
            "contact_phone": STR,
            "map_x": NINT,
            "map_y": NINT,
            "permits": {"type": "object"},
            "created_at": NSTR,
        },
        ["id", "uscc", "name", "kind"],
    ),
    "User": _obj(
        {
            "id": INT,
            "username": STR,
            "display_name": STR,
            "enterprise_id": INT,
            "role": {"enum": ["admin", "operator", "park_admin", "auditor"]},
            "active": {"type": "boolean"},
        }
    ),
    "Me": _obj(
        {
            "user_id": INT,
            "username": STR,
            "role": STR,
            "enterprise": {"$ref": "#/components/schemas/Enterprise"},
        }
    ),
    "WasteProfile": _obj(
        {
            "id": INT,
            "enterprise_id": INT,
            "waste_code": STR,
            "category": STR,
            "name": STR,
            "form": STR,
            "hazards": {"type": "array", "items": STR},
            "main_components": STR,
            "harmful_components": STR,
            "packaging": STR,
            "precautions": STR,
            "process": STR,
            "active": {"type": "boolean"},
        }
    ),
    "StorageRoom": _obj(
        {
            "id": INT,
            "enterprise_id": INT,
            "name": STR,
            "capacity_kg": KG,
            "allowed_categories": {"type": "array", "items": STR},
            "stored_kg": KG,
        },
        ["id", "enterprise_id", "name", "capacity_kg"],
    ),
    "Facility": _obj(
        {
            "id": INT,
            "enterprise_id": INT,
            "kind": {"enum": ["storage", "zone", "utilization", "disposal"]},
            "kind_zh": STR,
            "code": {"type": "string", "pattern": r"^TS[0-9]{3}(-[0-9]{2})?$"},
            "name": STR,
            "room_id": {"type": ["integer", "null"]},
            "allowed_categories": {"type": "array", "items": STR},
            "methods": {"type": "array", "items": STR},
        },
        ["id", "enterprise_id", "kind", "code", "name"],
    ),
    "FacilityView": _obj(
        {
            "facility": {"$ref": "#/components/schemas/Facility"},
            "enterprise": {"type": "object"},
            "stored": {"type": "array", "items": {"type": "object"}},
            "stored_kg": KG,
            "hazards": {"type": "array", "items": STR},
            "limits": {"type": "object"},
            "alarms": {"type": "array", "items": {"type": "object"}},
        },
        ["facility", "enterprise", "stored", "limits", "alarms"],
    ),
    "Batch": _obj(
        {
            "code": STR,
            "status": {"enum": [s.value for s in BatchStatus]},
            "status_zh": STR,
            "producer_id": INT,
            "profile_id": INT,
            "waste_code": STR,
            "category": STR,
            "catalogue_edition": STR,
            "waste_description": STR,
            "weight_kg": KG,
            "received_weight_kg": {"type": ["string", "null"]},
            "packaging": STR,
            "package_count": INT,
            "container_volume_l": NINT,
            "process": STR,
            "produced_on": STR,
            "remarks": STR,
            "room_id": NINT,
            "stored_at": NSTR,
            "transporter_id": NINT,
            "receiver_id": NINT,
            "created_at": NSTR,
            "updated_at": NSTR,
            "last_seq": INT,
        }
    ),
    "Authorizations": _obj(
        {"user_id": INT, "profile_ids": {"type": "array", "items": {"type": "integer"}}}
    ),
    "SyncResults": _obj(
        {
            "results": {
                "type": "array",
                "items": _obj(
                    {
                        "key": STR,
                        "status": INT,
                        "body": {},
                        "replayed": {"type": "boolean"},
                    }
                ),
            }
        }
    ),
    "Warning": _obj(
        {
            "key": STR,
            "kind": STR,
            "kind_zh": STR,
            "kind_en": STR,
            "level": {"enum": ["red", "amber"]},
            "enterprise_id": INT,
            "subject": STR,
            "message": STR,
            "message_en": STR,
            "facts": {"type": "object"},
            "acknowledged": {"type": ["object", "null"]},
            "rule": NSTR,
        }
    ),
    "Warnings": _obj(
        {
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Warning"}},
        }
    ),
    "TransferLine": _obj(
        {
            "code": STR,
            "dispatched_kg": KG,
            "outcome": {"enum": [o.value for o in LineOutcome]},
            "loaded_at": NSTR,
            "received_kg": {"type": ["string", "null"]},
            "rejected_kg": KG,
            "reason": STR,
            "received_at": NSTR,
        }
    ),
    "ContractLine": _obj(
        {
            "waste_code": STR,
            "quantity_t": STR,
            "used_t": STR,
            "remaining_t": STR,
            "used_pct": INT,
        }
    ),
    "Contract": _obj(
        {
            "id": INT,
            "subject": STR,
            "number": STR,
            "status": {"enum": [c.value for c in ContractStatus]},
            "status_zh": STR,
            "in_force": {"type": "boolean"},
            "producer_id": INT,
            "producer": STR,
            "receiver_id": INT,
            "receiver": STR,
            "transporter_id": NINT,
            "transporter": NSTR,
            "valid_from": STR,
            "valid_to": STR,
            "days_left": INT,
            "document": _obj({"name": STR, "type": STR, "sha256": STR}),
            "note": STR,
            "reason": STR,
            "created_by": STR,
            "created_at": NSTR,
            "confirmed_by": NSTR,
            "confirmed_at": NSTR,
            "lines": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ContractLine"},
            },
            "last_seq": INT,
        }
    ),
    "Booking": _obj(
        {
            "id": INT,
            "subject": STR,
            "status": {"enum": [b.value for b in BookingStatus]},
            "status_zh": STR,
            "producer_id": INT,
            "transporter_id": INT,
            "receiver_id": INT,
            "window_start": STR,
            "window_end": STR,
            "planned_method": STR,
            "vehicle_plate": NSTR,
            "driver_user_id": NINT,
            "driver_licence": NSTR,
            "note": STR,
            "reason": STR,
            "approval_id": NINT,
            "created_at": NSTR,
            "last_seq": INT,
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/TransferLine"}},
        },
        [
            "id",
            "subject",
            "status",
            "producer_id",
            "transporter_id",
            "receiver_id",
            "window_start",
            "window_end",
            "planned_method",
        ],
    ),
    "ManifestSummary": _obj(
        {
            "number": STR,
            "status": {"enum": [m.value for m in ManifestStatus]},
            "status_zh": STR,
            "producer_id": INT,
            "transporter_id": INT,
            "receiver_id": INT,
            "created_at": NSTR,
            "receipt_due_at": NSTR,
        }
    ),
    "Manifest": _obj(
        {
            "number": STR,
            "booking_id": INT,
            "status": {"enum": [m.value for m in ManifestStatus]},
            "status_zh": STR,
            "producer": {"type": "object"},
            "transporter": {"type": "object"},
            "receiver": {"type": "object"},
            "planned_method": STR,
            "created_at": NSTR,
            "departed_at": NSTR,
            "receipt_due_at": NSTR,
            "received_at": NSTR,
            "completed_at": NSTR,
            "lines": {"type": "array", "items": {"type": "object"}},
            "last_seq": INT,
            "paper": {"type": ["object", "null"]},
        }
    ),
    "Discrepancy": _obj(
        {
            "id": INT,
            "kind": {"enum": [k.value for k in DiscrepancyKind]},
            "kind_zh": STR,
            "code": STR,
            "manifest_id": INT,
            "producer_id": INT,
            "transporter_id": INT,
            "receiver_id": INT,
            "facts": {"type": "object"},
            "opened_seq": INT,
            "opened_at": NSTR,
            "resolved": {"type": "boolean"},
            "resolved_seq": NINT,
            "resolution": STR,
        }
    ),
    "BatchPage": _obj(
        {"total": INT, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Batch"}}}
    ),
    "LedgerEntry": _obj(
        {
            "v": INT,
            "log": STR,
            "seq": INT,
            "type": STR,
            "subject": NSTR,
            "actor": NSTR,
            "enterprise": NSTR,
            "client_ts": NSTR,
            "server_ts": STR,
            "payload": {"type": "object"},
            "leaf": STR,
            "leaf_hash": STR,
        },
        ["seq", "type", "payload", "leaf", "leaf_hash"],
    ),
    "Checkpoint": _obj({"checkpoint": STR, "vkey": STR, "tree_size": INT, "root_hash": STR}),
    "InclusionProof": _obj(
        {
            "checkpoint": STR,
            "vkey": STR,
            "tree_size": INT,
            "root_hash": STR,
            "entry": {"$ref": "#/components/schemas/LedgerEntry"},
            "index": INT,
            "proof": {"type": "array", "items": STR},
        }
    ),
    "ConsistencyProof": _obj(
        {
            "checkpoint": STR,
            "vkey": STR,
            "old_size": INT,
            "old_root": STR,
            "new_size": INT,
            "new_root": STR,
            "proof": {"type": "array", "items": STR},
        }
    ),
    "VerifyReport": _obj(
        {"ok": {"type": "boolean"}, "size": INT, "first_bad_seq": NINT, "reason": NSTR}
    ),
    "CodeReservation": _obj(
        {
            "reservation_id": INT,
            "profile_id": INT,
            "produced_on": STR,
            "codes": {"type": "array", "items": STR},
        }
    ),
    "WasteCode": {
        "type": "object",
        "required": ["code", "category"],
        "properties": {"code": STR, "category": STR},
    },
}

_ERRORS = {
    "400": "Invalid input",
    "401": "Not authenticated",
    "403": "Forbidden",
    "404": "Not found",
    "409": "Conflict with the current state",
    "413": "Body too large",
    "414": "URI too long (refused by the HTTP server)",
    "415": "Body is not JSON",
    "422": "The label cannot be rendered for this printer profile",
    "429": "Throttled",
}


def _error_content(code: str) -> dict[str, Any]:
    if code == "414":  # answered by the HTTP server (gunicorn) before the app sees the request
        return {"text/html": {"schema": {"type": "string"}}}
    return {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _body_schema(name: str) -> dict[str, Any]:
    text = resources.files("schemas").joinpath("api", f"{name}.schema.json").read_text("utf-8")
    schema = json.loads(text)
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema  # type: ignore[no-any-return]


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = (
            {"type": "integer", "minimum": 0}
            if conv == "int"
            else {"type": "string", "minLength": 1, "maxLength": 64}
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI document of /api/v1."""
    paths: dict[str, Any] = {}
    for r in ROUTES:
        path, params = _path(r.rule)
        query = [q for q in r.query if q["in"] == "query"]
        op: dict[str, Any] = {
            "summary": r.summary,
            "tags": [r.tag],
            "operationId": r.method.lower()
            + "_"
            + re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_"),
            "parameters": params + query,
            "responses": {
                str(r.status): {
                    "description": "OK",
                    "content": {ct: {"schema": r.response or {}} for ct in r.content_types},
                },
                **{
                    code: {"description": text, "content": _error_content(code)}
                    for code, text in _ERRORS.items()
                },
            },
        }
        if r.public:
            op["security"] = []
        if r.idempotent and r.status != 200:
            op["responses"]["200"] = {
                "description": "Replayed: this Idempotency-Key was applied before",
                "content": {"application/json": {"schema": r.response or {}}},
            }
        if r.idempotent:
            op["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,100}$"},
                }
            )
        if r.body:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _body_schema(r.body)}},
            }
        paths.setdefault(path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hwtrace API",
            "version": "1",
            "description": (
                "危险废物一笔一码追溯 — hazardous-waste traceability.\n\n"
                "Room sensors publish over MQTT, not this API: topic "
                "`hwtrace/<park code>/rooms/<room code>/<kind>` (kind: temperature, humidity, "
                "voc, power, door, access), payload JSON "
                '`{"ts": "<RFC 3339>", "value": <number or string>, "unit": "<unit>"}` '
                '(power "on"/"off", door "open"/"closed", access: the card id); '
                "a room's code and rules are set with PUT /storage-rooms/{room_id}/monitoring. "
                "See docs/monitoring.md.\n\n"
                "Webhooks (POST /webhooks) receive each event as a JSON POST with the headers "
                "X-Hwtrace-Event, X-Hwtrace-Delivery (a unique id: delivery is at least once) "
                "and X-Hwtrace-Signature: sha256=<hex HMAC-SHA256 of the body with the "
                "secret>. See docs/notifications.md."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": copy.deepcopy(COMPONENTS),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@route(
    "/openapi.json",
    "GET",
    summary="This document",
    tag="meta",
    public=True,
    response={"type": "object"},
)
def openapi_json() -> Response:
    return ok(document())
