"""Transfers: pickup bookings, electronic transfer manifests (with their PDF), loading and
receipt scans, discrepancies. Each party sees only the bookings and manifests it is party to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request

from hwtrace.api.batches import replay_batch
from hwtrace.api.params import client_ts, window_time
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.errors import BadValue
from hwtrace.domain.lifecycle import Action
from hwtrace.domain.transport import (
    BookingStatus,
    ManifestStatus,
)
from hwtrace.services import batches as batch_svc
from hwtrace.services import manifest_pdf, serialize
from hwtrace.services import transport as svc

R = "#/components/schemas/"
ID_P = {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}
NO_P = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 40},
}
D_P = {"name": "discrepancy_id", "in": "path", "required": True, "schema": {"type": "integer"}}


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
    return ok(serialize.booking(b, lines), status)


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
    return ok([serialize.booking(b) for b in rows])


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
    return ok(serialize.manifest(svc.get_manifest(ctx(), actor=actor(), number=m.number)), 201)


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
    return ok([serialize.manifest_summary(m) for m in rows])


def _manifest(number: str) -> Response:
    return ok(serialize.manifest(svc.get_manifest(ctx(), actor=actor(), number=number)))


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
    return ok([serialize.discrepancy(d) for d in rows])


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
    return ok(serialize.discrepancy(d))
