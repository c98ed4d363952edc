"""Read-model rows and ledger entries as JSON objects (the shapes in the OpenAPI document)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.store.tables import ApiToken, Batch, Enterprise, StorageRoom, User, WasteProfile


def _ts(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def batch(b: Batch) -> dict[str, Any]:
    """Return the JSON form of a batch."""
    return {
        "code": b.code,
        "status": b.status,
        "status_zh": status_zh(BatchStatus(b.status)),
        "producer_id": b.producer_id,
        "profile_id": b.profile_id,
        "waste_code": b.waste_code,
        "category": b.category,
        "weight_kg": g_to_kg(b.weight_g),
        "received_weight_kg": g_to_kg(b.received_weight_g) if b.received_weight_g else None,
        "packaging": b.packaging,
        "package_count": b.package_count,
        "container_volume_l": b.container_volume_l,
        "process": b.process,
        "produced_on": b.produced_on.isoformat(),
        "remarks": b.remarks,
        "room_id": b.room_id,
        "stored_at": _ts(b.stored_at),
        "transporter_id": b.transporter_id,
        "receiver_id": b.receiver_id,
        "created_at": _ts(b.created_at),
        "updated_at": _ts(b.updated_at),
        "last_seq": b.last_seq,
    }


def enterprise(e: Enterprise, *, full: bool = True) -> dict[str, Any]:
    """Return the JSON form of an enterprise (``full=False``: the public directory fields)."""
    out: dict[str, Any] = {"id": e.id, "uscc": e.uscc, "name": e.name, "kind": e.kind}
    if full:
        out.update(
            address=e.address,
            contact_name=e.contact_name,
            contact_phone=e.contact_phone,
            map_x=e.map_x,
            map_y=e.map_y,
            permits=e.permits or {},
            created_at=_ts(e.created_at),
        )
    return out


def user(u: User) -> dict[str, Any]:
    """Return the JSON form of a user (never its password hash)."""
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "enterprise_id": u.enterprise_id,
        "role": u.role,
        "active": u.active,
    }


def token(t: ApiToken) -> dict[str, Any]:
    """Return the JSON form of a token (never its secret)."""
    return {
        "id": t.id,
        "name": t.name,
        "kind": t.kind,
        "created_at": _ts(t.created_at),
        "expires_at": _ts(t.expires_at),
        "revoked": t.revoked_at is not None,
    }


def profile(p: WasteProfile) -> dict[str, Any]:
    """Return the JSON form of a waste profile."""
    return {
        "id": p.id,
        "enterprise_id": p.enterprise_id,
        "waste_code": p.waste_code,
        "category": p.category,
        "name": p.name,
        "form": p.form,
        "hazards": list(p.hazards),
        "main_components": p.main_components,
        "harmful_components": p.harmful_components,
        "packaging": p.packaging,
        "precautions": p.precautions,
        "process": p.process,
        "active": p.active,
    }


def room(r: StorageRoom, stored_g: int | None = None) -> dict[str, Any]:
    """Return the JSON form of a storage room, with its current fill when known."""
    out: dict[str, Any] = {
        "id": r.id,
        "enterprise_id": r.enterprise_id,
        "name": r.name,
        "capacity_kg": g_to_kg(r.capacity_g),
        "allowed_categories": list(r.allowed_categories or []),
    }
    if stored_g is not None:
        out["stored_kg"] = g_to_kg(stored_g)
    return out


def entry(e: Any) -> dict[str, Any]:
    """Return the JSON form of a ledger entry: its fields and its canonical bytes (base64)."""
    return {
        "seq": e.seq,
        "type": e.entry_type,
        "subject": e.subject,
        "actor": e.actor,
        "enterprise": e.enterprise,
        "client_ts": _ts(e.client_ts),
        "server_ts": _ts(e.server_ts),
        "payload": e.payload,
        "leaf": base64.b64encode(e.body).decode("ascii"),
        "leaf_hash": e.leaf_hash.hex(),
    }
