"""Pickup bookings in the console: the producer books stored batches (transporter and receiver
chosen by name among those whose permits cover them, the planned method from the method list),
reschedules or cancels, and makes the manifest once accepted; the transporter's inbox, where it
accepts with a vehicle and a driver from its lists or declines with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind
from hwtrace.domain.errors import HwtraceError
from hwtrace.domain.transport import BookingStatus
from hwtrace.domain.vocabularies import disposal_methods, method_name
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import approvals as approvals_svc
from hwtrace.services import bookings as svc
from hwtrace.services import directory
from hwtrace.services import manifests as manifests_svc
from hwtrace.services import trips as trips_svc

STEPS = ("accept", "decline", "reschedule", "cancel", "manifest")


@bp.get("/bookings")
def bookings() -> Any:
    a = actor()
    rows = svc.list_bookings(ctx(), actor=a)
    inbox = [
        b
        for b in rows
        if a.enterprise_kind is EnterpriseKind.TRANSPORTER
        and b.status == BookingStatus.REQUESTED.value
    ]
    return render_template(
        "bookings.html",
        rows=rows[:60],
        inbox=inbox,
        names=directory.enterprise_names(ctx(), actor=a),
        can_book=a.enterprise_kind is EnterpriseKind.PRODUCER and not a.sees_whole_park,
    )


def _default_window() -> tuple[str, str]:
    start = ctx().now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return F.input_value(start), F.input_value(start + dt.timedelta(hours=4))


@bp.route("/bookings/new", methods=["GET", "POST"])
def booking_new() -> Any:
    a = actor()
    options = svc.booking_options(ctx(), actor=a)
    error = None
    status = 200
    if request.method == "POST":
        try:
            made = trips_svc.request_booking(
                ctx(),
                actor=a,
                per_kind=bool(request.form.get("per_kind")),
                req=svc.BookingRequest(
                    codes=request.form.getlist("codes")[:500],
                    transporter_id=F.number("transporter_id", "运输单位", "transporter"),
                    receiver_id=F.number("receiver_id", "接收单位", "receiver"),
                    window_start=F.local_input("window_start", "预约开始时间", "window start"),
                    window_end=F.local_input("window_end", "预约结束时间", "window end"),
                    planned_method=F.text("planned_method", 10),
                    note=F.text("note"),
                ),
            )
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            if len(made) > 1:  # one booking, so one manifest, per kind (第十六条)
                F.done(
                    f"已按废物种类提交 {len(made)} 个预约（每种一张联单），待承运确认",
                    f"{len(made)} bookings made, one per kind of waste",
                )
                return redirect(url_for("pages.bookings"))
            F.done("已提交预约，待承运确认", "Booked: waiting for the transporter")
            return redirect(url_for("pages.booking", booking_id=made[0].id))
    start, end = _default_window()
    form = request.form if request.method == "POST" else {}
    return (
        render_template(
            "booking_new.html",
            options=options,
            park_province=ctx().settings.province_code,
            methods=disposal_methods(),
            error=error,
            form=form,
            ticked=set(request.form.getlist("codes")),
            window=(form.get("window_start") or start, form.get("window_end") or end),
        ),
        status,
    )


def _detail(booking_id: int, error: str | None = None, step: str = "", status: int = 200) -> Any:
    a = actor()
    booking, lines = svc.get_booking(ctx(), actor=a, booking_id=booking_id)
    mine = not a.sees_whole_park
    is_producer = mine and a.enterprise_id == booking.producer_id
    is_transporter = mine and a.enterprise_id == booking.transporter_id
    return (
        render_template(
            "booking.html",
            b=booking,
            lines=lines,
            names=directory.enterprise_names(ctx(), actor=a),
            manifest=manifests_svc.number_for_booking(ctx(), actor=a, booking_id=booking.id),
            approval=approvals_svc.of_booking(ctx(), booking),
            accept=svc.accept_options(ctx(), actor=a) if is_transporter else None,
            is_producer=is_producer,
            is_transporter=is_transporter,
            method=_method_name(booking.planned_method),
            window=(F.input_value(booking.window_start), F.input_value(booking.window_end)),
            error=error,
            step=step,
            form=request.form,
        ),
        status,
    )


def _method_name(code: str) -> str:
    return method_name(code, g.get("lang", "zh"))


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int) -> Any:
    return _detail(booking_id)


@bp.post("/bookings/<int:booking_id>/<step>")
def booking_step(booking_id: int, step: str) -> Any:
    if step not in STEPS:
        return redirect(url_for("pages.booking", booking_id=booking_id))
    a = actor()
    c = ctx()
    svc.authorize(c, actor=a, booking_id=booking_id, step=step)  # before the form is read
    try:
        if step == "accept":
            svc.accept_booking(
                c,
                actor=a,
                booking_id=booking_id,
                acc=svc.Acceptance(
                    vehicle_plate=F.text("vehicle_plate", 16),
                    driver_user_id=F.number("driver_user_id", "驾驶员", "driver"),
                    driver_licence=F.text("driver_licence", 64),
                ),
            )
            F.done("已接单", "Accepted")
        elif step == "decline":
            svc.decline_booking(c, actor=a, booking_id=booking_id, reason=F.text("reason"))
            F.done("已拒绝该预约", "Declined")
        elif step == "cancel":
            svc.cancel_booking(c, actor=a, booking_id=booking_id, reason=F.text("reason"))
            F.done("已取消该预约", "Cancelled")
        elif step == "reschedule":
            svc.reschedule_booking(
                c,
                actor=a,
                booking_id=booking_id,
                window_start=F.local_input("window_start", "预约开始时间", "window start"),
                window_end=F.local_input("window_end", "预约结束时间", "window end"),
                reason=F.text("reason"),
            )
            F.done("已改期，待承运确认", "Rescheduled: waiting for the transporter")
        else:
            m = manifests_svc.create_manifest(c, actor=a, booking_id=booking_id)
            F.done(f"已生成联单 {m.number}", f"Manifest {m.number} made")
            return redirect(url_for("pages.manifest", number=m.number))
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _detail(booking_id, F.message(err), step, err.status)
    return redirect(url_for("pages.booking", booking_id=booking_id))
