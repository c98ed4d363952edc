"""Pickup bookings: requested by the producer, accepted (vehicle, driver) or declined by the
transporter, rescheduled, cancelled. Each party sees only the bookings it is party to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Response, request

from hwtrace.api.params import status_query, window_time
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.transport import (
    BookingStatus,
)
from hwtrace.services import bookings as svc
from hwtrace.services import serialize

R = "#/components/schemas/"
ID_P = {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _window(body: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    return window_time(body["window_start"]), window_time(body["window_end"])


def _may(step: str) -> Callable[[int], None]:
    """The route's guard: may the caller take ``step`` on this booking (before validation)?"""

    def guard(booking_id: int) -> None:
        svc.authorize(ctx(), actor=actor(), booking_id=booking_id, step=step)

    return guard


@route(
    "/bookings",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    kinds=(EnterpriseKind.PRODUCER,),
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
    query=[status_query(BookingStatus)],
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
    guard=lambda booking_id: svc.authorize(
        ctx(), actor=actor(), booking_id=booking_id, step="accept"
    ),
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
    guard=lambda booking_id: svc.authorize(
        ctx(), actor=actor(), booking_id=booking_id, step="decline"
    ),
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
    guard=lambda booking_id: svc.authorize(
        ctx(), actor=actor(), booking_id=booking_id, step="reschedule"
    ),
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
    guard=lambda booking_id: svc.authorize(
        ctx(), actor=actor(), booking_id=booking_id, step="cancel"
    ),
    summary="Cancel a booking with a reason (producer)",
    tag="transport",
    body="reason",
    query=[ID_P],
    response={"$ref": R + "Booking"},
)
def cancel(booking_id: int, body: dict[str, Any]) -> Response:
    svc.cancel_booking(ctx(), actor=actor(), booking_id=booking_id, reason=body["reason"])
    return _booking(booking_id)
