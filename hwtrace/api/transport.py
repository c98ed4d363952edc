"""Transfers: pickup bookings, electronic transfer manifests (with their PDF), loading and
receipt scans, discrepancies. Each party sees only the bookings and manifests it is party to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request

from hwtrace.api import serialize
from hwtrace.api.batches import replay_batch
from hwtrace.api.params import client_ts, window_time
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.errors import BadValue
from hwtrace.domain.lifecycle import Action
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.transport import (
    BOOKING_ZH,
    DISCREPANCY_ZH,
    MANIFEST_ZH,
    BookingStatus,
    DiscrepancyKind,
    ManifestStatus,
)
from hwtrace.services import batches as batch_svc
from hwtrace.services import manifest_pdf
from hwtrace.services import transport as svc
from hwtrace.store.tables import Booking, Discrepancy, TransferLine

R = "#/components/schemas/"
ID_P = {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}
NO_P = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 40},
}
D_P = {"name": "discrepancy_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _ts_s(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _line(line: TransferLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "dispatched_kg": g_to_kg(line.dispatched_g),
        "outcome": line.outcome,
        "loaded_at": _ts_s(line.loaded_at),
        "received_kg": g_to_kg(line.received_g) if line.received_g is not None else None,
        "rejected_kg": g_to_kg(line.rejected_g),
        "reason": line.reason,
        "received_at": _ts_s(line.received_at),
    }


def booking_json(b: Booking, lines: list[TransferLine] | None = None) -> dict[str, Any]:
    """Return the JSON form of a booking."""
    out = {
        "id": b.id,
        "subject": svc.booking_subject(b.id),
        "status": b.status,
        "status_zh": BOOKING_ZH[BookingStatus(b.status)],
        "producer_id": b.producer_id,
        "transporter_id": b.transporter_id,
        "receiver_id": b.receiver_id,
        "window_start": _ts_s(b.window_start),
        "window_end": _ts_s(b.window_end),
        "planned_method": b.planned_method,
        "vehicle_plate": b.vehicle_plate,
        "driver_user_id": b.driver_user_id,
        "driver_licence": b.driver_licence,
        "note": b.note,
        "reason": b.reason,
        "created_at": _ts_s(b.created_at),
        "last_seq": b.last_seq,
    }
    if lines is not None:
        out["lines"] = [_line(ln) for ln in lines]
    return out


def manifest_json(view: svc.ManifestView) -> dict[str, Any]:
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
        "created_at": _ts_s(m.created_at),
        "departed_at": _ts_s(m.departed_at),
        "receipt_due_at": _ts_s(m.receipt_due_at),
        "received_at": _ts_s(m.received_at),
        "completed_at": _ts_s(m.completed_at),
        "lines": [
            {
                **_line(ln),
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


def discrepancy_json(d: Discrepancy) -> dict[str, Any]:
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
        "opened_at": _ts_s(d.opened_at),
        "resolved": d.resolved_seq is not None,
        "resolved_seq": d.resolved_seq,
        "resolution": d.resolution,
    }


def _window(body: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    return window_time(body["window_start"]), window_time(body["window_end"])


def _status_q(enum: type[BookingStatus] | type[ManifestStatus]) -> dict[str, Any]:
    return {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"enum": [s.value for s in enum]},
    }


# --- bookings ----------------------------------------------------------------------------------


@route(
    "/bookings",
    "POST",
    summary="Request a pickup of stored batches (producer)",
    tag="transport",
    body="booking-request",
    status=201,
    response={"$ref": R + "Booking"},
)
def request_booking(body: dict[str, Any]) -> Response:
    start, end = _window(body)
    booking = svc.request_booking(
        ctx(),
        actor=actor(),
        req=svc.BookingRequest(
            codes=body["codes"],
            transporter_id=body["transporter_id"],
            receiver_id=body["receiver_id"],
            window_start=start,
            window_end=end,
            planned_method=body["planned_method"],
            note=body.get("note", ""),
        ),
    )
    return _booking(booking.id, 201)


def _booking(booking_id: int, status: int = 200) -> Response:
    b, lines = svc.get_booking(ctx(), actor=actor(), booking_id=booking_id)
    return ok(booking_json(b, lines), status)


@route(
    "/bookings",
    "GET",
    summary="Bookings the caller is party to",
    tag="transport",
    query=[_status_q(BookingStatus)],
    response={"type": "array", "items": {"$ref": R + "Booking"}},
)
def list_bookings() -> Response:
    rows = svc.list_bookings(ctx(), actor=actor(), status=request.args.get("status"))
    return ok([booking_json(b) for b in rows])


@route(
    "/bookings/<int:booking_id>",
    "GET",
    summary="One booking with its batches",
    tag="transport",
    query=[ID_P],
    response={"$ref": R + "Booking"},
)
def get_booking(booking_id: int) -> Response:
    return _booking(booking_id)


@route(
    "/bookings/<int:booking_id>/accept",
    "POST",
    summary="Accept a booking with vehicle plate and driver (transporter)",
    tag="transport",
    body="booking-accept",
    query=[ID_P],
    response={"$ref": R + "Booking"},
)
def accept(booking_id: int, body: dict[str, Any]) -> Response:
    svc.accept_booking(
        ctx(),
        actor=actor(),
        booking_id=booking_id,
        acc=svc.Acceptance(
            vehicle_plate=body["vehicle_plate"],
            driver_user_id=body["driver_user_id"],
            driver_licence=body["driver_licence"],
        ),
    )
    return _booking(booking_id)


@route(
    "/bookings/<int:booking_id>/decline",
    "POST",
    summary="Decline a booking with a reason (transporter)",
    tag="transport",
    body="reason",
    query=[ID_P],
    response={"$ref": R + "Booking"},
)
def decline(booking_id: int, body: dict[str, Any]) -> Response:
    svc.decline_booking(ctx(), actor=actor(), booking_id=booking_id, reason=body["reason"])
    return _booking(booking_id)


@route(
    "/bookings/<int:booking_id>/reschedule",
    "POST",
    summary="Move a booking's window with a reason (producer or transporter)",
    tag="transport",
    body="booking-reschedule",
    query=[ID_P],
    response={"$ref": R + "Booking"},
)
def reschedule(booking_id: int, body: dict[str, Any]) -> Response:
    start, end = _window(body)
    svc.reschedule_booking(
        ctx(),
        actor=actor(),
        booking_id=booking_id,
        window_start=start,
        window_end=end,
        reason=body["reason"],
    )
    return _booking(booking_id)


@route(
    "/bookings/<int:booking_id>/cancel",
    "POST",
    summary="Cancel a booking with a reason (producer)",
    tag="transport",
    body="reason",
    query=[ID_P],
    response={"$ref": R + "Booking"},
)
def cancel(booking_id: int, body: dict[str, Any]) -> Response:
    svc.cancel_booking(ctx(), actor=actor(), booking_id=booking_id, reason=body["reason"])
    return _booking(booking_id)


@route(
    "/bookings/<int:booking_id>/manifest",
    "POST",
    summary="Make the transfer manifest from an accepted booking (producer)",
    tag="transport",
    query=[ID_P],
    status=201,
    response={"$ref": R + "Manifest"},
)
def make_manifest(booking_id: int) -> Response:
    m = svc.create_manifest(ctx(), actor=actor(), booking_id=booking_id)
    return ok(manifest_json(svc.get_manifest(ctx(), actor=actor(), number=m.number)), 201)


# --- manifests ---------------------------------------------------------------------------------


@route(
    "/manifests",
    "GET",
    summary="Manifests the caller is party to",
    tag="transport",
    query=[_status_q(ManifestStatus)],
    response={"type": "array", "items": {"$ref": R + "ManifestSummary"}},
)
def list_manifests() -> Response:
    rows = svc.list_manifests(ctx(), actor=actor(), status=request.args.get("status"))
    return ok(
        [
            {
                "number": m.number,
                "status": m.status,
                "status_zh": MANIFEST_ZH[ManifestStatus(m.status)],
                "producer_id": m.producer_id,
                "transporter_id": m.transporter_id,
                "receiver_id": m.receiver_id,
                "created_at": _ts_s(m.created_at),
                "receipt_due_at": _ts_s(m.receipt_due_at),
            }
            for m in rows
        ]
    )


def _manifest(number: str) -> Response:
    return ok(manifest_json(svc.get_manifest(ctx(), actor=actor(), number=number)))


@route(
    "/manifests/<number>",
    "GET",
    summary="One manifest with its parties and lines",
    tag="transport",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def get_manifest(number: str) -> Response:
    return _manifest(number)


@route(
    "/manifests/<number>/pdf",
    "GET",
    summary="The manifest as a PDF carrying its QR code",
    tag="transport",
    query=[NO_P],
    response={"type": "string", "format": "binary"},
    content_types=("application/pdf",),
)
def manifest_document(number: str) -> Response:
    view = svc.get_manifest(ctx(), actor=actor(), number=number)
    resp = Response(manifest_pdf.render(view, ctx().settings.park_name), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    return resp


@route(
    "/manifests/<number>/load",
    "POST",
    summary="Scan a batch onto the vehicle (transporter); a batch not on the manifest is refused",
    tag="transport",
    body="manifest-load",
    query=[NO_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def load(number: str, body: dict[str, Any]) -> Response:
    svc.require_on_manifest(ctx(), actor=actor(), number=number, code=body["code"])
    ev = batch_svc.BatchEvent(
        action=Action.LOAD, manifest=number, client_ts=client_ts(body.get("client_ts"))
    )
    return ok(
        serialize.batch(batch_svc.apply_event(ctx(), actor=actor(), code=body["code"], event=ev))
    )


@route(
    "/manifests/<number>/depart",
    "POST",
    summary="Confirm loading and leave (transporter); refused while batches are missing "
    "unless a reason is given",
    tag="transport",
    body="manifest-depart",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def depart(number: str, body: dict[str, Any]) -> Response:
    svc.depart(ctx(), actor=actor(), number=number, missing_reason=body.get("missing_reason"))
    return _manifest(number)


@route(
    "/manifests/<number>/receive",
    "POST",
    summary="Scan and weigh a batch at the receiver; accept, reject in part, or reject",
    tag="transport",
    body="manifest-receive",
    query=[NO_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def receive(number: str, body: dict[str, Any]) -> Response:
    reject = bool(body.get("reject"))
    if reject and body.get("rejected_kg"):
        raise BadValue(
            "整批拒收时不填部分拒收重量", "give rejected_kg only for a partial rejection"
        )
    svc.require_on_manifest(ctx(), actor=actor(), number=number, code=body["code"])
    ev = batch_svc.BatchEvent(
        action=Action.REJECT if reject else Action.RECEIVE,
        manifest=number,
        weight_kg=body["weight_kg"],
        rejected_kg=body.get("rejected_kg"),
        reason=body.get("reason"),
        scale_frame=body.get("scale_frame"),
        client_ts=client_ts(body.get("client_ts")),
    )
    return ok(
        serialize.batch(batch_svc.apply_event(ctx(), actor=actor(), code=body["code"], event=ev))
    )


@route(
    "/manifests/<number>/confirm",
    "POST",
    summary="Confirm receipt (receiver); loaded batches never scanned become discrepancies",
    tag="transport",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def confirm(number: str) -> Response:
    svc.confirm_receipt(ctx(), actor=actor(), number=number)
    return _manifest(number)


@route(
    "/manifests/<number>/cancel",
    "POST",
    summary="Void a manifest before departure (producer)",
    tag="transport",
    body="reason",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def cancel_manifest(number: str, body: dict[str, Any]) -> Response:
    svc.cancel_manifest(ctx(), actor=actor(), number=number, reason=body["reason"])
    return _manifest(number)


# --- discrepancies -----------------------------------------------------------------------------


@route(
    "/discrepancies",
    "GET",
    summary="Discrepancies the caller is party to",
    tag="transport",
    query=[
        {"name": "open", "in": "query", "required": False, "schema": {"enum": ["true", "false"]}}
    ],
    response={"type": "array", "items": {"$ref": R + "Discrepancy"}},
)
def list_discrepancies() -> Response:
    rows = svc.list_discrepancies(
        ctx(), actor=actor(), open_only=request.args.get("open") == "true"
    )
    return ok([discrepancy_json(d) for d in rows])


@route(
    "/discrepancies/<int:discrepancy_id>/resolve",
    "POST",
    summary="Resolve a discrepancy with an explanation (a new ledger entry)",
    tag="transport",
    body="reason",
    query=[D_P],
    response={"$ref": R + "Discrepancy"},
)
def resolve(discrepancy_id: int, body: dict[str, Any]) -> Response:
    d = svc.resolve_discrepancy(
        ctx(), actor=actor(), discrepancy_id=discrepancy_id, resolution=body["reason"]
    )
    return ok(discrepancy_json(d))
