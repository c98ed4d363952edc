"""Read-model rows and ledger entries as JSON objects: the shapes of the OpenAPI document
(``api/openapi.py``), one function per shape."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from hwtrace.domain import catalogue
from hwtrace.domain.contracts import STATUS_ZH as CONTRACT_ZH
from hwtrace.domain.contracts import ContractStatus, g_to_t, in_force, used_pct
from hwtrace.domain.facilities import KIND_ZH, FacilityKind
from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.transport import (
    BOOKING_ZH,
    DISCREPANCY_ZH,
    MANIFEST_ZH,
    BookingStatus,
    DiscrepancyKind,
    ManifestStatus,
)
from hwtrace.services.auth import IssuedToken
from hwtrace.services.bookings import booking_subject
from hwtrace.services.contracts import ContractView, contract_subject
from hwtrace.services.declarations import Due, Report
from hwtrace.services.facilities import FacilityView
from hwtrace.services.manifests import ManifestView
from hwtrace.store.tables import (
    ApiToken,
    Batch,
    Booking,
    Declaration,
    Discrepancy,
    Enterprise,
    Facility,
    Manifest,
    StorageRoom,
    TransferLine,
    User,
    WasteProfile,
)


def timestamp(value: dt.datetime | None) -> str | None:
    """Return an RFC 3339 UTC time as the API shows it (``Z``), or None."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def waste_description(b: Batch) -> str:
    """The batch's waste code in the wording of the edition it was registered under (batches
    registered before the wording was kept are the shipped 2021 edition's)."""
    if b.waste_description is not None:
        return b.waste_description
    entry = catalogue.shipped(b.catalogue_edition or "2021").get(b.waste_code)
    return entry.description if entry else ""


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
        "catalogue_edition": b.catalogue_edition,
        "waste_description": waste_description(b),
        "weight_kg": g_to_kg(b.weight_g),
        "received_weight_kg": g_to_kg(b.received_weight_g) if b.received_weight_g else None,
        "packaging": b.packaging,
        "package_count": b.package_count,
        "container_volume_l": b.container_volume_l,
        "process": b.process,
        "produced_on": b.produced_on.isoformat(),
        "remarks": b.remarks,
        "room_id": b.room_id,
        "stored_at": timestamp(b.stored_at),
        "transporter_id": b.transporter_id,
        "receiver_id": b.receiver_id,
        "created_at": timestamp(b.created_at),
        "updated_at": timestamp(b.updated_at),
        "last_seq": b.last_seq,
    }


def enterprise(e: Enterprise, *, full: bool = True) -> dict[str, Any]:
    """Return the JSON form of an enterprise (``full=False``: the public directory fields)."""
    out: dict[str, Any] = {"id": e.id, "uscc": e.uscc, "name": e.name, "kind": e.kind}
    out["province_code"] = e.province_code
    if full:
        out.update(
            address=e.address,
            contact_name=e.contact_name,
            contact_phone=e.contact_phone,
            map_x=e.map_x,
            map_y=e.map_y,
            permits=e.permits or {},
            created_at=timestamp(e.created_at),
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
        "created_at": timestamp(t.created_at),
        "expires_at": timestamp(t.expires_at),
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


def facility(f: Facility) -> dict[str, Any]:
    """Return the JSON form of a facility."""
    return {
        "id": f.id,
        "enterprise_id": f.enterprise_id,
        "kind": f.kind,
        "kind_zh": KIND_ZH[FacilityKind(f.kind)],
        "code": f.code,
        "name": f.name,
        "room_id": f.room_id,
        "allowed_categories": list(f.allowed_categories or []),
        "methods": list(f.methods or []),
    }


def facility_view(v: FacilityView) -> dict[str, Any]:
    """Return the JSON form of a facility's page: what it holds now, its limits, its alarms."""
    return {
        "facility": facility(v.facility),
        "enterprise": {"id": v.enterprise.id, "name": v.enterprise.name, "uscc": v.enterprise.uscc},
        "stored": v.stored,
        "stored_kg": g_to_kg(v.stored_g),
        "hazards": v.hazards,
        "limits": v.limits,
        "alarms": [
            {
                "kind": w.kind.value,
                "level": w.level.value,
                "key": w.key,
                "subject": w.subject,
                "message": w.message_zh,
                "message_en": w.message_en,
            }
            for w in v.alarms
        ],
    }


def entry(e: Any) -> dict[str, Any]:
    """Return the JSON form of a ledger entry: its fields and its canonical bytes (base64)."""
    return {
        "seq": e.seq,
        "type": e.entry_type,
        "subject": e.subject,
        "actor": e.actor,
        "enterprise": e.enterprise,
        "client_ts": timestamp(e.client_ts),
        "server_ts": timestamp(e.server_ts),
        "payload": e.payload,
        "leaf": base64.b64encode(e.body).decode("ascii"),
        "leaf_hash": e.leaf_hash.hex(),
    }


def transfer_line(line: TransferLine) -> dict[str, Any]:
    """Return the JSON form of one batch on a booking or manifest."""
    return {
        "code": line.code,
        "dispatched_kg": g_to_kg(line.dispatched_g),
        "outcome": line.outcome,
        "loaded_at": timestamp(line.loaded_at),
        "received_kg": g_to_kg(line.received_g) if line.received_g is not None else None,
        "rejected_kg": g_to_kg(line.rejected_g),
        "reason": line.reason,
        "received_at": timestamp(line.received_at),
    }


def booking(b: Booking, lines: list[TransferLine] | None = None) -> dict[str, Any]:
    """Return the JSON form of a booking."""
    out = {
        "id": b.id,
        "subject": booking_subject(b.id),
        "status": b.status,
        "status_zh": BOOKING_ZH[BookingStatus(b.status)],
        "producer_id": b.producer_id,
        "transporter_id": b.transporter_id,
        "receiver_id": b.receiver_id,
        "window_start": timestamp(b.window_start),
        "window_end": timestamp(b.window_end),
        "planned_method": b.planned_method,
        "vehicle_plate": b.vehicle_plate,
        "driver_user_id": b.driver_user_id,
        "driver_licence": b.driver_licence,
        "note": b.note,
        "reason": b.reason,
        "approval_id": b.approval_id,
        "created_at": timestamp(b.created_at),
        "last_seq": b.last_seq,
    }
    if lines is not None:
        out["lines"] = [transfer_line(ln) for ln in lines]
    return out


def manifest(view: ManifestView) -> dict[str, Any]:
    """Return the JSON form of a manifest with its lines."""
    m = view.manifest
    return {
        "number": m.number,
        "booking_id": m.booking_id,
        "status": m.status,
        "status_zh": MANIFEST_ZH[ManifestStatus(m.status)],
        "producer": {
            "id": view.producer.id,
            "name": view.producer.name,
            "uscc": view.producer.uscc,
        },
        "transporter": {
            "id": view.transporter.id,
            "name": view.transporter.name,
            "uscc": view.transporter.uscc,
            "permit": m.transport_permit,
            "vehicle_plate": m.vehicle_plate,
            "driver": view.driver.display_name or view.driver.username,
            "driver_licence": m.driver_licence,
        },
        "receiver": {
            "id": view.receiver.id,
            "name": view.receiver.name,
            "uscc": view.receiver.uscc,
            "permit": m.operating_permit,
        },
        "planned_method": m.planned_method,
        "created_at": timestamp(m.created_at),
        "departed_at": timestamp(m.departed_at),
        "receipt_due_at": timestamp(m.receipt_due_at),
        "received_at": timestamp(m.received_at),
        "completed_at": timestamp(m.completed_at),
        "lines": [
            {
                **transfer_line(ln),
                "waste_code": b.waste_code,
                "category": b.category,
                "name": p.name,
                "form": p.form,
                "hazards": list(p.hazards),
                "packaging": b.packaging,
                "package_count": b.package_count,
                "batch_status": b.status,
            }
            for ln, b, p in view.lines
        ],
        "last_seq": m.last_seq,
    }


def discrepancy(d: Discrepancy) -> dict[str, Any]:
    """Return the JSON form of a discrepancy."""
    return {
        "id": d.id,
        "kind": d.kind,
        "kind_zh": DISCREPANCY_ZH[DiscrepancyKind(d.kind)],
        "code": d.code,
        "manifest_id": d.manifest_id,
        "producer_id": d.producer_id,
        "transporter_id": d.transporter_id,
        "receiver_id": d.receiver_id,
        "facts": d.facts,
        "opened_seq": d.opened_seq,
        "opened_at": timestamp(d.opened_at),
        "resolved": d.resolved_seq is not None,
        "resolved_seq": d.resolved_seq,
        "resolution": d.resolution,
    }


def manifest_summary(m: Manifest) -> dict[str, Any]:
    """Return the list form of a manifest (no parties, no lines)."""
    return {
        "number": m.number,
        "status": m.status,
        "status_zh": MANIFEST_ZH[ManifestStatus(m.status)],
        "producer_id": m.producer_id,
        "transporter_id": m.transporter_id,
        "receiver_id": m.receiver_id,
        "created_at": timestamp(m.created_at),
        "receipt_due_at": timestamp(m.receipt_due_at),
    }


def issued_token(issued: IssuedToken) -> dict[str, Any]:
    """Return the JSON form of a token as shown once to its owner."""
    return {
        "token": issued.token,
        "token_id": issued.token_id,
        "kind": issued.kind,
        "expires_at": timestamp(issued.expires_at),
    }


def contract(view: ContractView, today: dt.date) -> dict[str, Any]:
    """Return the JSON form of a contract with its lines and what is used of each."""
    c = view.contract
    status = ContractStatus(c.status)
    return {
        "id": c.id,
        "subject": contract_subject(c.id),
        "number": c.number,
        "status": c.status,
        "status_zh": CONTRACT_ZH[status],
        "in_force": in_force(status, c.valid_from, c.valid_to, today),
        "producer_id": c.producer_id,
        "producer": view.names.get(c.producer_id, ""),
        "receiver_id": c.receiver_id,
        "receiver": view.names.get(c.receiver_id, ""),
        "transporter_id": c.transporter_id,
        "transporter": view.names.get(c.transporter_id, "") if c.transporter_id else None,
        "valid_from": c.valid_from.isoformat(),
        "valid_to": c.valid_to.isoformat(),
        "days_left": (c.valid_to - today).days,
        "document": {
            "name": c.document_name,
            "type": c.document_type,
            "sha256": c.document_sha256,
        },
        "note": c.note,
        "reason": c.reason,
        "created_by": c.created_by,
        "created_at": timestamp(c.created_at),
        "confirmed_by": c.confirmed_by,
        "confirmed_at": timestamp(c.confirmed_at),
        "lines": [
            {
                "waste_code": ln.waste_code,
                "quantity_t": g_to_t(ln.quantity_g),
                "used_t": g_to_t(view.used_g.get(ln.waste_code, 0)),
                "remaining_t": g_to_t(max(0, ln.quantity_g - view.used_g.get(ln.waste_code, 0))),
                "used_pct": used_pct(view.used_g.get(ln.waste_code, 0), ln.quantity_g),
            }
            for ln in view.lines
        ],
        "last_seq": c.last_seq,
    }


def declaration_report(rep: Report) -> dict[str, Any]:
    """Return the JSON form of a declaration report for review (quantities in tonnes)."""
    return {
        "period": rep.period.key,
        "period_zh": rep.period.label_zh,
        "table": rep.content["table"],
        "deadline": rep.period.deadline.isoformat(),
        "enterprise_id": rep.enterprise.id,
        "management_class": rep.enterprise.management_class,
        "sha256": rep.sha256,
        "headers": rep.headers,
        "rows": rep.table,
        "wastes": [
            {
                "waste_code": r.waste_code,
                "opening_t": g_to_t(r.opening_g),
                "generated_t": g_to_t(r.generated_g),
                "self_t": g_to_t(sum(r.self_g.values())),
                "out_t": g_to_t(sum(r.out_g.values())),
                "closing_t": g_to_t(r.closing_g),
            }
            for r in rep.rows
        ],
    }


def declaration(d: Declaration) -> dict[str, Any]:
    """Return the JSON form of a submitted declaration."""
    return {
        "id": d.id,
        "enterprise_id": d.enterprise_id,
        "period": d.period,
        "kind": d.kind,
        "version": d.version,
        "content_sha256": d.content_sha256,
        "reason": d.reason,
        "submitted_by": d.submitted_by,
        "submitted_at": timestamp(d.submitted_at),
        "submitted_on": d.submitted_on.isoformat(),
        "seq": d.seq,
    }


def due(d: Due) -> dict[str, Any]:
    """Return the JSON form of a declaration due."""
    return {
        "enterprise_id": d.enterprise_id,
        "enterprise": d.enterprise,
        "period": d.period.key,
        "period_zh": d.period.label_zh,
        "kind": d.period.kind.value,
        "deadline": d.deadline.isoformat(),
        "days_left": d.days_left,
        "version": d.version,
        "submitted_on": d.submitted_on.isoformat() if d.submitted_on else None,
        "late": d.late,
        "remind": d.remind,
    }
