"""Pickup bookings (转运预约): the producer asks for a pickup of stored batches; the transporter
accepts with a vehicle and a driver, or declines; either may reschedule; the producer may cancel.
Each step is one transaction and one ledger entry ``booking.<step>`` (the rules are in
``domain/transport.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.batches import check_bookable, need_reason
from hwtrace.domain.errors import Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.transport import (
    BookingStatus,
    LineOutcome,
    booking_step,
    check_booking_codes,
    check_driver_licence,
    check_plate,
    check_receiver_permit,
    check_transport_permit,
    check_window,
    permit_codes,
)
from hwtrace.domain.vocabularies import disposal_method
from hwtrace.services import approvals, contracts, parties
from hwtrace.services.context import Context
from hwtrace.store.fleet import TransportStaff, Vehicle
from hwtrace.store.tables import (
    Batch,
    Booking,
    Enterprise,
    TransferLine,
    User,
    WasteProfile,
)

S = BatchStatus


def booking_subject(booking_id: int) -> str:
    """Return the ledger subject of a booking."""
    return f"booking-{booking_id}"


@dataclass(frozen=True)
class BookingRequest:
    """What a producer asks for: which stored batches, to whom, by whom, when."""

    codes: list[str]
    transporter_id: int
    receiver_id: int
    window_start: dt.datetime
    window_end: dt.datetime
    planned_method: str
    note: str = ""


def _year_start(now: dt.datetime) -> dt.datetime:
    return dt.datetime(now.year, 1, 1, tzinfo=dt.UTC)


def receiver_used_g(s: Session, receiver_id: int, now: dt.datetime) -> int:
    """Grams counted against the receiver's yearly permit: accepted this year plus in the pipe."""
    accepted = s.scalar(
        sa.select(
            sa.func.coalesce(sa.func.sum(TransferLine.received_g - TransferLine.rejected_g), 0)
        )
        .join(Booking, Booking.id == TransferLine.booking_id)
        .where(
            Booking.receiver_id == receiver_id,
            TransferLine.outcome.in_([LineOutcome.ACCEPTED, LineOutcome.PARTIAL]),
            TransferLine.received_at >= _year_start(now),
        )
    )
    pending = s.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TransferLine.dispatched_g), 0))
        .join(Booking, Booking.id == TransferLine.booking_id)
        .where(
            Booking.receiver_id == receiver_id,
            Booking.status.in_(
                [
                    BookingStatus.REQUESTED,
                    BookingStatus.ACCEPTED,
                    BookingStatus.MANIFESTED,
                ]
            ),
            TransferLine.outcome.in_([LineOutcome.PENDING, LineOutcome.LOADED]),
        )
    )
    return int(accepted or 0) + int(pending or 0)


def lock_bookable(s: Session, producer_id: int, codes: list[str]) -> dict[str, Batch]:
    """Lock the producer's batches of ``codes``; refuse one that is not its own, not in storage
    or already booked."""
    batches = {
        b.code: b
        for b in s.scalars(sa.select(Batch).where(Batch.code.in_(codes)).with_for_update())
    }
    for c in codes:
        b = batches.get(c)
        if b is None or b.producer_id != producer_id:
            raise NotFound(
                zh="未找到该识别码对应的批次", en="no batch with this code", detail={"code": c}
            )
        check_bookable(c, BatchStatus(b.status), b.booking_id)
    return batches


def grams_by_code(batches: list[Batch]) -> dict[str, int]:
    """Return the grams of each waste code among ``batches``."""
    out: dict[str, int] = {}
    for b in batches:
        out[b.waste_code] = out.get(b.waste_code, 0) + b.weight_g
    return out


def put_on(s: Session, booking: Booking, b: Batch, contract_id: int) -> None:
    """Put a batch on a booking: its line (counted against its contract), and the parties it
    is now handed to."""
    s.add(
        TransferLine(
            booking_id=booking.id,
            batch_id=b.id,
            code=b.code,
            dispatched_g=b.weight_g,
            outcome=LineOutcome.PENDING,
            contract_id=contract_id,
        )
    )
    b.booking_id = booking.id
    b.transporter_id = booking.transporter_id
    b.receiver_id = booking.receiver_id


def request_booking(ctx: Context, *, actor: Actor, req: BookingRequest) -> Booking:
    """A producer books a pickup of stored batches; refused if the receiver may not take them."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以预约转运", en="only producers book pickups")
    check_booking_codes(req.codes)
    now = ctx.now()
    check_window(req.window_start, req.window_end, now)
    method = disposal_method(req.planned_method)
    for c in req.codes:
        codes.parse_scanned(c)
    with ctx.uow() as uow:
        s = uow.session
        producer = parties.enterprise(s, actor.enterprise_id)
        transporter = parties.enterprise_of_kind(
            s, actor, req.transporter_id, EnterpriseKind.TRANSPORTER
        )
        receiver = parties.enterprise_of_kind(s, actor, req.receiver_id, EnterpriseKind.RECEIVER)
        check_transport_permit(transporter.permits, ctx.today(), transporter.name)
        wanted = [codes.normalize(c) for c in req.codes]
        batches = lock_bookable(s, producer.id, wanted)
        total_g = sum(batches[c].weight_g for c in wanted)
        check_receiver_permit(
            receiver.permits,
            waste_codes={batches[c].waste_code for c in wanted},
            requested_g=total_g,
            used_g=receiver_used_g(s, receiver.id, now),
            receiver_name=receiver.name,
        )
        wanted_g = grams_by_code([batches[c] for c in wanted])
        chosen = contracts.cover(
            s,
            producer_id=producer.id,
            receiver=receiver,
            transporter_id=transporter.id,
            wanted_g=wanted_g,
            day=ctx.today(),
        )
        approval_id = approvals.cover(ctx, s, producer.id, receiver, method["code"], wanted_g)
        booking = Booking(
            park_id=actor.park_id,
            producer_id=producer.id,
            transporter_id=transporter.id,
            receiver_id=receiver.id,
            status=BookingStatus.REQUESTED,
            window_start=req.window_start,
            window_end=req.window_end,
            planned_method=method["code"],
            note=req.note.strip(),
            approval_id=approval_id,
            created_by=actor.username,
            created_at=now,
            updated_at=now,
            last_seq=-1,
        )
        s.add(booking)
        s.flush()
        for c in wanted:
            put_on(s, booking, batches[c], chosen[batches[c].waste_code].id)
        booking.last_seq = parties.record(
            uow,
            actor,
            "booking.request",
            booking_subject(booking.id),
            {
                "codes": wanted,
                "total_kg": g_to_kg(total_g),
                "transporter": transporter.uscc,
                "receiver": receiver.uscc,
                "window": [req.window_start.isoformat(), req.window_end.isoformat()],
                "planned_method": method["code"],
                "note": req.note.strip(),
                "contracts": {code: contracts.contract_subject(t.id) for code, t in chosen.items()},
                "approval": approvals.approval_subject(approval_id) if approval_id else None,
            },
        )
        uow.commit()
        return booking


@dataclass(frozen=True)
class Acceptance:
    """What the transporter fills in when it accepts a booking."""

    vehicle_plate: str
    driver_user_id: int
    driver_licence: str


def accept_booking(ctx: Context, *, actor: Actor, booking_id: int, acc: Acceptance) -> Booking:
    """The transporter accepts with a vehicle and a driver of its own."""
    with ctx.uow() as uow:
        s = uow.session
        booking = lock_booking(s, actor, booking_id)
        parties.require_member(actor, booking.transporter_id, "承运人")
        plate = check_plate(acc.vehicle_plate)
        licence = check_driver_licence(acc.driver_licence)
        new = booking_step(booking.status, "accept")
        transporter = parties.enterprise(s, booking.transporter_id)
        permit = check_transport_permit(transporter.permits, ctx.today(), transporter.name)
        driver = s.get(User, acc.driver_user_id)
        if driver is None or driver.enterprise_id != booking.transporter_id or not driver.active:
            raise Conflict(
                zh="驾驶员须为本运输单位的在职人员",
                en="the driver must be an active user of the transporter",
                code="transport.driver_invalid",
            )
        booking.status = new
        booking.vehicle_plate = plate
        booking.driver_user_id = driver.id
        booking.driver_licence = licence
        booking.updated_at = ctx.now()
        booking.last_seq = parties.record(
            uow,
            actor,
            "booking.accept",
            booking_subject(booking.id),
            {
                "prev": booking.last_seq,
                "vehicle_plate": plate,
                "driver": driver.username,
                "driver_licence": booking.driver_licence,
                "transport_permit": permit,
            },
        )
        uow.commit()
        return booking


def require_step_party(actor: Actor, booking: Booking, step: str) -> None:
    """Raise unless the caller may take ``step`` on a booking it sees: accepting and declining
    for the transporter, cancelling and making the manifest for the producer, rescheduling
    for either."""
    if step in ("accept", "decline"):
        parties.require_member(actor, booking.transporter_id, "承运人")
    elif step in ("cancel", "manifest"):
        parties.require_member(actor, booking.producer_id, "移出人")
    elif step == "reschedule":
        require_role(actor, Role.ADMIN, Role.OPERATOR)
        if actor.enterprise_id not in (booking.producer_id, booking.transporter_id):
            raise Forbidden(
                zh="只有移出人或承运人可以改期",
                en="only the producer or transporter may reschedule",
            )
    else:
        raise ValueError(step)


def authorize(ctx: Context, *, actor: Actor, booking_id: int, step: str) -> None:
    """Check, before the request is read, that the caller may take ``step`` on the booking:
    404 if it may not see it, 403 if it may see it but not act."""
    with ctx.db.read_session() as s:
        booking = s.get(Booking, booking_id)
        if booking is None or not parties.visible(actor, booking):
            raise NotFound(zh="预约不存在", en="no such booking", detail={"booking_id": booking_id})
        require_step_party(actor, booking, step)


def lock_booking(s: Session, actor: Actor, booking_id: int) -> Booking:
    booking = s.execute(
        sa.select(Booking).where(Booking.id == booking_id).with_for_update()
    ).scalar_one_or_none()
    if booking is None or not parties.visible(actor, booking):
        raise NotFound(zh="预约不存在", en="no such booking", detail={"booking_id": booking_id})
    return booking


def release(s: Session, booking: Booking) -> list[str]:
    """Take the batches off a booking that ends without a transfer."""
    released = []
    for b in s.scalars(sa.select(Batch).where(Batch.booking_id == booking.id)):
        b.booking_id = None
        b.manifest_id = None
        b.transporter_id = None
        b.receiver_id = None
        released.append(b.code)
    return released


def decline_booking(ctx: Context, *, actor: Actor, booking_id: int, reason: str) -> Booking:
    """The transporter declines; the batches are free to be booked again."""
    return _end_booking(ctx, actor, booking_id, reason, "decline")


def cancel_booking(ctx: Context, *, actor: Actor, booking_id: int, reason: str) -> Booking:
    """The producer cancels a booking that has not become a manifest."""
    return _end_booking(ctx, actor, booking_id, reason, "cancel")


def _end_booking(ctx: Context, actor: Actor, booking_id: int, reason: str, step: str) -> Booking:
    """End a booking without a transfer (declined by the transporter, cancelled by the
    producer): one entry with the reason; its batches are released."""
    with ctx.uow() as uow:
        s = uow.session
        booking = lock_booking(s, actor, booking_id)
        require_step_party(actor, booking, step)
        why = need_reason(reason)
        booking.status = booking_step(booking.status, step)
        booking.reason = why
        booking.updated_at = ctx.now()
        released = release(s, booking)
        booking.last_seq = parties.record(
            uow,
            actor,
            f"booking.{step}",
            booking_subject(booking.id),
            {"prev": booking.last_seq, "reason": why, "released": released},
        )
        uow.commit()
        return booking


def reschedule_booking(
    ctx: Context,
    *,
    actor: Actor,
    booking_id: int,
    window_start: dt.datetime,
    window_end: dt.datetime,
    reason: str,
) -> Booking:
    """Producer or transporter moves the window; the transporter must accept again."""
    with ctx.uow() as uow:
        s = uow.session
        booking = lock_booking(s, actor, booking_id)
        require_step_party(actor, booking, "reschedule")
        why = need_reason(reason)
        check_window(window_start, window_end, ctx.now())
        booking.status = booking_step(booking.status, "reschedule")
        old = [booking.window_start.isoformat(), booking.window_end.isoformat()]
        booking.window_start, booking.window_end = window_start, window_end
        booking.reason = why
        booking.updated_at = ctx.now()
        booking.last_seq = parties.record(
            uow,
            actor,
            "booking.reschedule",
            booking_subject(booking.id),
            {
                "prev": booking.last_seq,
                "reason": why,
                "old_window": old,
                "window": [window_start.isoformat(), window_end.isoformat()],
            },
        )
        uow.commit()
        return booking


def list_bookings(ctx: Context, *, actor: Actor, status: str | None = None) -> list[Booking]:
    """Return the bookings the caller is a party to (the whole park for park roles)."""
    cond = [parties.party_cond(actor, Booking)]
    if status:
        cond.append(Booking.status == status)
    with ctx.db.read_session() as s:
        return list(s.scalars(sa.select(Booking).where(*cond).order_by(Booking.id.desc())))


def get_booking(
    ctx: Context, *, actor: Actor, booking_id: int
) -> tuple[Booking, list[TransferLine]]:
    """Return one booking the caller may see, with its lines."""
    with ctx.db.read_session() as s:
        booking = s.get(Booking, booking_id)
        if booking is None or not parties.visible(actor, booking):
            raise NotFound(zh="预约不存在", en="no such booking", detail={"booking_id": booking_id})
        lines = list(
            s.scalars(
                sa.select(TransferLine)
                .where(TransferLine.booking_id == booking.id)
                .order_by(TransferLine.id)
            )
        )
        return booking, lines


@dataclass
class BookingOptions:
    """What the booking form offers a producer: its stored batches not yet booked, the
    transporters with a transport permit, the receivers with an operating permit (and the waste
    codes it covers), and the utilization/disposal methods."""

    batches: list[tuple[Batch, str]]
    transporters: list[Enterprise]
    receivers: list[tuple[Enterprise, list[str]]]


def booking_options(ctx: Context, *, actor: Actor) -> BookingOptions:
    """Return the choices of the booking form for the caller's (producer) enterprise."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以预约转运", en="only producers book pickups")
    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(Batch, WasteProfile.name)
            .join(WasteProfile, WasteProfile.id == Batch.profile_id)
            .where(
                Batch.producer_id == actor.enterprise_id,
                Batch.status == BatchStatus.STORED.value,
                Batch.booking_id.is_(None),
            )
            .order_by(Batch.produced_on, Batch.id)
            .limit(500)
        ).all()
        ents = list(
            s.scalars(
                sa.select(Enterprise)
                .where(
                    Enterprise.park_id == actor.park_id,
                    Enterprise.kind.in_(
                        [EnterpriseKind.TRANSPORTER.value, EnterpriseKind.RECEIVER.value]
                    ),
                )
                .order_by(Enterprise.name)
            )
        )
        s.expunge_all()
    today = ctx.today()
    transporters = []
    receivers = []
    for e in ents:
        if e.kind == EnterpriseKind.TRANSPORTER.value:
            try:
                check_transport_permit(e.permits, today, e.name)
            except Conflict:
                continue
            transporters.append(e)
        elif e.permits.get("operating"):
            receivers.append((e, sorted(permit_codes(e.permits))))
    return BookingOptions([(b, str(n)) for b, n in rows], transporters, receivers)


@dataclass
class AcceptOptions:
    """What the acceptance form offers a transporter: its active users as drivers, with the
    qualification registered for each (else the licence each drove under last), and its
    registered vehicles, then the ones it used before."""

    drivers: list[tuple[User, str]]
    plates: list[str]


def accept_options(ctx: Context, *, actor: Actor) -> AcceptOptions:
    """Return the drivers and vehicles of the caller's (transporter) enterprise."""
    with ctx.db.read_session() as s:
        users = list(
            s.scalars(
                sa.select(User)
                .where(User.enterprise_id == actor.enterprise_id, User.active.is_(True))
                .order_by(User.username)
            )
        )
        used = s.execute(
            sa.select(Booking.driver_user_id, Booking.driver_licence, Booking.vehicle_plate)
            .where(
                Booking.transporter_id == actor.enterprise_id,
                Booking.vehicle_plate.is_not(None),
            )
            .order_by(Booking.id.desc())
            .limit(500)
        ).all()
        # The vehicles and drivers the transporter registered come first (loading checks them:
        # 第十三条第三款), then what it used before.
        registered = list(
            s.scalars(
                sa.select(Vehicle.plate)
                .where(Vehicle.enterprise_id == actor.enterprise_id, Vehicle.active.is_(True))
                .order_by(Vehicle.plate)
            )
        )
        qualified = s.execute(
            sa.select(TransportStaff.user_id, TransportStaff.qualification_no).where(
                TransportStaff.enterprise_id == actor.enterprise_id,
                TransportStaff.active.is_(True),
                TransportStaff.user_id.is_not(None),
            )
        ).all()
        s.expunge_all()
    licences: dict[int, str] = {uid: number for uid, number in qualified if uid is not None}
    plates: list[str] = registered
    for driver_id, licence, plate in used:
        if driver_id is not None and licence:
            licences.setdefault(driver_id, licence)
        if plate and plate not in plates:
            plates.append(plate)
    return AcceptOptions([(u, licences.get(u.id, "")) for u in users], plates)
