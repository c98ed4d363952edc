"""Transfer use cases: pickup bookings, electronic manifests, loading and receipt, discrepancies.

Every step is one transaction that changes the read model and appends its ledger entries. The
batch steps themselves (scan out, load, receive, reject, utilize/dispose) stay in
``services.batches.apply_event``; it calls the hooks at the end of this module so a batch scanned
through ``/batches/<code>/events`` and one scanned through ``/manifests/<no>/...`` follow the
same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.catalogue import disposal_method
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import TERMINAL, Action, BatchStatus
from hwtrace.domain.quantities import g_to_kg, kg_to_g
from hwtrace.domain.transport import (
    BookingStatus,
    DiscrepancyKind,
    LineOutcome,
    ManifestStatus,
    booking_step,
    check_plate,
    check_receiver_permit,
    check_transport_permit,
    check_window,
    manifest_number,
    manifest_step,
    weight_discrepancy,
)
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Booking,
    DailyCounter,
    Discrepancy,
    Enterprise,
    Manifest,
    TransferLine,
    User,
    WasteProfile,
)
from hwtrace.store.unit_of_work import UnitOfWork

S = BatchStatus
BOOKABLE = frozenset({S.STORED, S.AWAITING_PICKUP})


def booking_subject(booking_id: int) -> str:
    """Return the ledger subject of a booking."""
    return f"booking-{booking_id}"


# --- scoping -----------------------------------------------------------------------------------


def _party_cond(actor: Actor, model: Any) -> sa.ColumnElement[bool]:
    cond = model.park_id == actor.park_id
    if actor.sees_whole_park:
        return cond  # type: ignore[no-any-return]
    e = actor.enterprise_id
    return sa.and_(
        cond,
        sa.or_(model.producer_id == e, model.transporter_id == e, model.receiver_id == e),
    )


def visible_subjects(actor: Actor) -> sa.Select[Any]:
    """Return a SELECT of the booking and manifest subjects the caller is a party to."""
    return (
        sa.union_all(
            sa.select(sa.literal("booking-").concat(sa.cast(Booking.id, sa.String))).where(
                _party_cond(actor, Booking)
            ),
            sa.select(Manifest.number).where(_party_cond(actor, Manifest)),
        )
        .subquery()
        .select()
    )


def _require_member(actor: Actor, enterprise_id: int, what: str) -> None:
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_id != enterprise_id:
        raise Forbidden(
            f"只有{what}可以办理此操作",
            f"only the {what_en(what)} may do this",
            code="auth.forbidden",
        )


def what_en(what: str) -> str:
    """Return the English word for a party named in Chinese."""
    return {"移出人": "producer", "承运人": "transporter", "接受人": "receiver"}.get(what, what)


def _enterprise(s: Session, enterprise_id: int) -> Enterprise:
    ent = s.get(Enterprise, enterprise_id)
    if ent is None:
        raise NotFound("单位不存在", "no such enterprise", detail={"enterprise_id": enterprise_id})
    return ent


def actor_uscc(s: Session, actor: Actor) -> str:
    """Return the caller's enterprise USCC (carried by the actor; loaded if it is not)."""
    return actor.enterprise_uscc or _enterprise(s, actor.enterprise_id).uscc


def _kind(s: Session, actor: Actor, enterprise_id: int, kind: EnterpriseKind) -> Enterprise:
    ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.park_id != actor.park_id or ent.kind != kind.value:
        raise Conflict(
            "指定的单位不存在或类型不符",
            f"enterprise {enterprise_id} is not a {kind.value}",
            code="enterprise.wrong_kind",
            detail={"enterprise_id": enterprise_id},
        )
    return ent


def _lock_booking(s: Session, actor: Actor, booking_id: int) -> Booking:
    booking = s.execute(
        sa.select(Booking).where(Booking.id == booking_id).with_for_update()
    ).scalar_one_or_none()
    if booking is None or not _visible(actor, booking):
        raise NotFound("预约不存在", "no such booking", detail={"booking_id": booking_id})
    return booking


def _lock_manifest(s: Session, actor: Actor, number: str) -> Manifest:
    manifest = s.execute(
        sa.select(Manifest).where(Manifest.number == number).with_for_update()
    ).scalar_one_or_none()
    if manifest is None or not _visible(actor, manifest):
        raise NotFound("联单不存在", "no such manifest", detail={"number": number})
    return manifest


def _visible(actor: Actor, row: Booking | Manifest | Discrepancy) -> bool:
    if row.park_id != actor.park_id:
        return False
    if actor.sees_whole_park:
        return True
    return actor.enterprise_id in (row.producer_id, row.transporter_id, row.receiver_id)


def _record(
    uow: UnitOfWork,
    actor: Actor,
    entry_type: str,
    subject: str,
    payload: dict[str, Any],
    client_ts: dt.datetime | None = None,
) -> int:
    s = uow.session
    entry = uow.record(
        entry_type=entry_type,
        subject=subject,
        actor=actor.username,
        enterprise=actor_uscc(s, actor),
        client_ts=client_ts,
        payload=payload,
    )
    return entry.seq


# --- bookings ----------------------------------------------------------------------------------


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
            TransferLine.outcome.in_([LineOutcome.ACCEPTED.value, LineOutcome.PARTIAL.value]),
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
                    BookingStatus.REQUESTED.value,
                    BookingStatus.ACCEPTED.value,
                    BookingStatus.MANIFESTED.value,
                ]
            ),
            TransferLine.outcome.in_([LineOutcome.PENDING.value, LineOutcome.LOADED.value]),
        )
    )
    return int(accepted or 0) + int(pending or 0)


def request_booking(ctx: Context, *, actor: Actor, req: BookingRequest) -> Booking:
    """A producer books a pickup of stored batches; refused if the receiver may not take them."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden("只有产废单位可以预约转运", "only producers book pickups")
    if not req.codes:
        raise BadValue("至少选择一个批次", "choose at least one batch")
    if len(set(req.codes)) != len(req.codes):
        raise BadValue("批次重复", "a batch is listed twice")
    now = ctx.now()
    check_window(req.window_start, req.window_end, now)
    method = disposal_method(req.planned_method)
    for c in req.codes:
        codes.parse_scanned(c)
    with ctx.uow() as uow:
        s = uow.session
        producer = _enterprise(s, actor.enterprise_id)
        transporter = _kind(s, actor, req.transporter_id, EnterpriseKind.TRANSPORTER)
        receiver = _kind(s, actor, req.receiver_id, EnterpriseKind.RECEIVER)
        check_transport_permit(transporter.permits, ctx.today(), transporter.name)
        wanted = [codes.normalize(c) for c in req.codes]
        batches = {
            b.code: b
            for b in s.scalars(sa.select(Batch).where(Batch.code.in_(wanted)).with_for_update())
        }
        for c in wanted:
            b = batches.get(c)
            if b is None or b.producer_id != producer.id:
                raise NotFound(
                    "未找到该识别码对应的批次", "no batch with this code", detail={"code": c}
                )
            if BatchStatus(b.status) not in BOOKABLE:
                raise Conflict(
                    f"批次 {c} 不在库中，不能预约转运",
                    f"batch {c} is not in storage",
                    code="batch.illegal_transition",
                    detail={"code": c, "status": b.status},
                )
            if b.booking_id is not None:
                raise Conflict(
                    f"批次 {c} 已在另一个转运预约中",
                    f"batch {c} is already on another booking",
                    code="booking.batch_taken",
                    detail={"code": c, "booking_id": b.booking_id},
                )
        total_g = sum(batches[c].weight_g for c in wanted)
        check_receiver_permit(
            receiver.permits,
            waste_codes={batches[c].waste_code for c in wanted},
            requested_g=total_g,
            used_g=receiver_used_g(s, receiver.id, now),
            receiver_name=receiver.name,
        )
        booking = Booking(
            park_id=actor.park_id,
            producer_id=producer.id,
            transporter_id=transporter.id,
            receiver_id=receiver.id,
            status=BookingStatus.REQUESTED.value,
            window_start=req.window_start,
            window_end=req.window_end,
            planned_method=method["code"],
            note=req.note.strip(),
            created_by=actor.username,
            created_at=now,
            updated_at=now,
            last_seq=-1,
        )
        s.add(booking)
        s.flush()
        for c in wanted:
            b = batches[c]
            s.add(
                TransferLine(
                    booking_id=booking.id,
                    batch_id=b.id,
                    code=b.code,
                    dispatched_g=b.weight_g,
                    outcome=LineOutcome.PENDING.value,
                )
            )
            b.booking_id = booking.id
            b.transporter_id = transporter.id
            b.receiver_id = receiver.id
        booking.last_seq = _record(
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
    plate = check_plate(acc.vehicle_plate)
    if not acc.driver_licence.strip():
        raise BadValue(
            "须填写驾驶员危险货物运输从业资格证号", "the driver's qualification number is required"
        )
    with ctx.uow() as uow:
        s = uow.session
        booking = _lock_booking(s, actor, booking_id)
        _require_member(actor, booking.transporter_id, "承运人")
        new = booking_step(BookingStatus(booking.status), "accept")
        transporter = _enterprise(s, booking.transporter_id)
        permit = check_transport_permit(transporter.permits, ctx.today(), transporter.name)
        driver = s.get(User, acc.driver_user_id)
        if driver is None or driver.enterprise_id != booking.transporter_id or not driver.active:
            raise Conflict(
                "驾驶员须为本运输单位的在职人员",
                "the driver must be an active user of the transporter",
                code="transport.driver_invalid",
            )
        booking.status = new.value
        booking.vehicle_plate = plate
        booking.driver_user_id = driver.id
        booking.driver_licence = acc.driver_licence.strip()
        booking.updated_at = ctx.now()
        booking.last_seq = _record(
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


def _release(s: Session, booking: Booking) -> list[str]:
    """Take the batches off a booking that ends without a transfer."""
    released = []
    for b in s.scalars(sa.select(Batch).where(Batch.booking_id == booking.id)):
        b.booking_id = None
        b.manifest_id = None
        b.transporter_id = None
        b.receiver_id = None
        released.append(b.code)
    return released


def _need_reason(reason: str) -> str:
    if not reason.strip():
        raise BadValue("须填写原因", "a reason is required")
    return reason.strip()


def decline_booking(ctx: Context, *, actor: Actor, booking_id: int, reason: str) -> Booking:
    """The transporter declines; the batches are free to be booked again."""
    return _end_booking(ctx, actor, booking_id, reason, "decline")


def cancel_booking(ctx: Context, *, actor: Actor, booking_id: int, reason: str) -> Booking:
    """The producer cancels a booking that has not become a manifest."""
    return _end_booking(ctx, actor, booking_id, reason, "cancel")


def _end_booking(ctx: Context, actor: Actor, booking_id: int, reason: str, step: str) -> Booking:
    """End a booking without a transfer (declined by the transporter, cancelled by the
    producer): one entry with the reason; its batches are released."""
    why = _need_reason(reason)
    with ctx.uow() as uow:
        s = uow.session
        booking = _lock_booking(s, actor, booking_id)
        if step == "decline":
            _require_member(actor, booking.transporter_id, "承运人")
        else:
            _require_member(actor, booking.producer_id, "移出人")
        booking.status = booking_step(BookingStatus(booking.status), step).value
        booking.reason = why
        booking.updated_at = ctx.now()
        released = _release(s, booking)
        booking.last_seq = _record(
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
    why = _need_reason(reason)
    check_window(window_start, window_end, ctx.now())
    with ctx.uow() as uow:
        s = uow.session
        booking = _lock_booking(s, actor, booking_id)
        require_role(actor, Role.ADMIN, Role.OPERATOR)
        if actor.enterprise_id not in (booking.producer_id, booking.transporter_id):
            raise Forbidden(
                "只有移出人或承运人可以改期", "only the producer or transporter may reschedule"
            )
        booking.status = booking_step(BookingStatus(booking.status), "reschedule").value
        old = [booking.window_start.isoformat(), booking.window_end.isoformat()]
        booking.window_start, booking.window_end = window_start, window_end
        booking.reason = why
        booking.updated_at = ctx.now()
        booking.last_seq = _record(
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
    cond = [_party_cond(actor, Booking)]
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
        if booking is None or not _visible(actor, booking):
            raise NotFound("预约不存在", "no such booking", detail={"booking_id": booking_id})
        lines = list(
            s.scalars(
                sa.select(TransferLine)
                .where(TransferLine.booking_id == booking.id)
                .order_by(TransferLine.id)
            )
        )
        return booking, lines


# --- manifests ---------------------------------------------------------------------------------


def _next_daily(s: Session, name: str) -> int:
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(DailyCounter).values(name=name, last_seq=0).on_conflict_do_nothing())
    counter = s.execute(
        sa.select(DailyCounter).where(DailyCounter.name == name).with_for_update()
    ).scalar_one()
    counter.last_seq += 1
    return counter.last_seq


def create_manifest(ctx: Context, *, actor: Actor, booking_id: int) -> Manifest:
    """The producer (移出人) makes the manifest from an accepted booking: its confirmation."""
    with ctx.uow() as uow:
        s = uow.session
        booking = _lock_booking(s, actor, booking_id)
        _require_member(actor, booking.producer_id, "移出人")
        booking.status = booking_step(BookingStatus(booking.status), "manifest").value
        now = ctx.now()
        receiver = _enterprise(s, booking.receiver_id)
        transporter = _enterprise(s, booking.transporter_id)
        producer = _enterprise(s, booking.producer_id)
        op_permit = str((receiver.permits.get("operating") or {}).get("number") or "")
        today = ctx.today()
        number = manifest_number(
            ctx.settings.park_code,
            today,
            _next_daily(s, f"manifest:{ctx.settings.park_code}:{today:%Y%m%d}"),
        )
        assert booking.vehicle_plate and booking.driver_user_id and booking.driver_licence
        manifest = Manifest(
            number=number,
            booking_id=booking.id,
            park_id=booking.park_id,
            producer_id=booking.producer_id,
            transporter_id=booking.transporter_id,
            receiver_id=booking.receiver_id,
            status=ManifestStatus.CREATED.value,
            vehicle_plate=booking.vehicle_plate,
            driver_user_id=booking.driver_user_id,
            driver_licence=booking.driver_licence,
            transport_permit=str((transporter.permits.get("transport") or {}).get("number") or ""),
            operating_permit=op_permit,
            planned_method=booking.planned_method,
            created_at=now,
            last_seq=-1,
        )
        s.add(manifest)
        s.flush()
        lines = _manifest_lines(s, booking.id)
        for b in s.scalars(sa.select(Batch).where(Batch.booking_id == booking.id)):
            b.manifest_id = manifest.id
        booking.updated_at = now
        seq = _record(
            uow,
            actor,
            "manifest.create",
            number,
            {
                "booking": booking_subject(booking.id),
                "producer": producer.uscc,
                "transporter": transporter.uscc,
                "receiver": receiver.uscc,
                "vehicle_plate": manifest.vehicle_plate,
                "driver_licence": manifest.driver_licence,
                "transport_permit": manifest.transport_permit,
                "operating_permit": op_permit,
                "planned_method": manifest.planned_method,
                "lines": [
                    {
                        "code": line.code,
                        "waste_code": b.waste_code,
                        "name": p.name,
                        "kg": g_to_kg(line.dispatched_g),
                        "packaging": b.packaging,
                        "count": b.package_count,
                        "hazards": list(p.hazards),
                    }
                    for line, b, p in lines
                ],
            },
        )
        manifest.last_seq = seq
        booking.last_seq = seq
        uow.commit()
        return manifest


def _manifest_lines(s: Session, booking_id: int) -> list[tuple[TransferLine, Batch, WasteProfile]]:
    rows = s.execute(
        sa.select(TransferLine, Batch, WasteProfile)
        .join(Batch, Batch.id == TransferLine.batch_id)
        .join(WasteProfile, WasteProfile.id == Batch.profile_id)
        .where(TransferLine.booking_id == booking_id)
        .order_by(TransferLine.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def depart(
    ctx: Context, *, actor: Actor, number: str, missing_reason: str | None = None
) -> Manifest:
    """The transporter (承运人) confirms loading and leaves.

    A batch on the manifest that was not loaded is reported and departure is refused, unless the
    driver leaves it behind with a reason: then it is a ``missing_at_loading`` discrepancy and the
    batch stays at the producer, off the manifest.
    """
    with ctx.uow() as uow:
        s = uow.session
        manifest = _lock_manifest(s, actor, number)
        _require_member(actor, manifest.transporter_id, "承运人")
        new = manifest_step(ManifestStatus(manifest.status), "depart")
        lines = _manifest_lines(s, manifest.booking_id)
        loaded = [ln.code for ln, _, _ in lines if ln.outcome == LineOutcome.LOADED.value]
        missing = [ln.code for ln, _, _ in lines if ln.outcome == LineOutcome.PENDING.value]
        if not loaded:
            raise Conflict(
                "没有装车的批次，不能发车", "nothing was loaded", code="manifest.nothing_loaded"
            )
        if missing and not (missing_reason or "").strip():
            raise Conflict(
                f"还有 {len(missing)} 个批次未装车：{', '.join(missing)}",
                f"{len(missing)} batch(es) on the manifest were not loaded",
                code="manifest.missing_batches",
                detail={"missing": missing},
            )
        now = ctx.now()
        manifest.status = new.value
        manifest.departed_at = now
        manifest.receipt_due_at = now + dt.timedelta(hours=ctx.settings.receipt_deadline_hours)
        manifest.last_seq = _record(
            uow,
            actor,
            "manifest.depart",
            number,
            {
                "prev": manifest.last_seq,
                "loaded": loaded,
                "not_loaded": missing,
                "reason": (missing_reason or "").strip(),
                "vehicle_plate": manifest.vehicle_plate,
            },
        )
        for ln, b, _ in lines:
            if ln.outcome != LineOutcome.PENDING.value:
                continue
            ln.outcome = LineOutcome.NOT_LOADED.value
            _open_discrepancy(
                uow,
                actor,
                manifest,
                b,
                DiscrepancyKind.MISSING_AT_LOADING,
                {"reason": (missing_reason or "").strip()},
            )
            b.booking_id = None
            b.manifest_id = None
            b.transporter_id = None
            b.receiver_id = None
        uow.commit()
        return manifest


def confirm_receipt(ctx: Context, *, actor: Actor, number: str) -> Manifest:
    """The receiver (接受人) confirms its part once every loaded batch was scanned.

    Batches loaded but never scanned at the receiver become ``missing_at_receipt`` discrepancies.
    """
    with ctx.uow() as uow:
        s = uow.session
        manifest = _lock_manifest(s, actor, number)
        _require_member(actor, manifest.receiver_id, "接受人")
        new = manifest_step(ManifestStatus(manifest.status), "confirm")
        lines = _manifest_lines(s, manifest.booking_id)
        now = ctx.now()
        missing = [ln.code for ln, _, _ in lines if ln.outcome == LineOutcome.LOADED.value]
        summary = {
            o.value: sum(1 for ln, _, _ in lines if ln.outcome == o.value) for o in LineOutcome
        }
        manifest.status = new.value
        manifest.received_at = now
        manifest.last_seq = _record(
            uow,
            actor,
            "manifest.confirm",
            number,
            {
                "prev": manifest.last_seq,
                "missing": missing,
                "outcomes": {k: v for k, v in summary.items() if v},
                "late": bool(manifest.receipt_due_at and now > manifest.receipt_due_at),
            },
        )
        for ln, b, _ in lines:
            if ln.outcome == LineOutcome.LOADED.value:
                ln.outcome = LineOutcome.MISSING.value
                _open_discrepancy(uow, actor, manifest, b, DiscrepancyKind.MISSING_AT_RECEIPT, {})
        _maybe_complete(uow, actor, manifest)
        uow.commit()
        return manifest


def cancel_manifest(ctx: Context, *, actor: Actor, number: str, reason: str) -> Manifest:
    """The producer voids a manifest before departure; its batches go back to storage."""
    why = _need_reason(reason)
    with ctx.uow() as uow:
        s = uow.session
        manifest = _lock_manifest(s, actor, number)
        _require_member(actor, manifest.producer_id, "移出人")
        new = manifest_step(ManifestStatus(manifest.status), "cancel")
        loaded = s.scalar(
            sa.select(sa.func.count())
            .select_from(TransferLine)
            .where(
                TransferLine.booking_id == manifest.booking_id,
                TransferLine.outcome == LineOutcome.LOADED.value,
            )
        )
        if loaded:
            raise Conflict(
                "已有批次装车，请先卸车（退回库房）",
                "batches were loaded already; unload them first",
                code="manifest.illegal_transition",
            )
        manifest.status = new.value
        booking = s.get_one(Booking, manifest.booking_id)
        released = _release(s, booking)
        manifest.last_seq = _record(
            uow,
            actor,
            "manifest.cancel",
            number,
            {"prev": manifest.last_seq, "reason": why, "released": released},
        )
        uow.commit()
        return manifest


def _maybe_complete(uow: UnitOfWork, actor: Actor, manifest: Manifest) -> None:
    """Close a received manifest once no accepted batch waits for utilization/disposal."""
    if manifest.status != ManifestStatus.RECEIVED.value:
        return
    s = uow.session
    waiting = s.scalar(
        sa.select(sa.func.count())
        .select_from(TransferLine)
        .join(Batch, Batch.id == TransferLine.batch_id)
        .where(
            TransferLine.booking_id == manifest.booking_id,
            TransferLine.outcome.in_([LineOutcome.ACCEPTED.value, LineOutcome.PARTIAL.value]),
            Batch.status.not_in([st.value for st in TERMINAL]),
        )
    )
    if waiting:
        return
    manifest.status = manifest_step(ManifestStatus(manifest.status), "complete").value
    manifest.completed_at = uow.now()
    manifest.last_seq = _record(
        uow, actor, "manifest.complete", manifest.number, {"prev": manifest.last_seq}
    )


def list_manifests(ctx: Context, *, actor: Actor, status: str | None = None) -> list[Manifest]:
    """Return the manifests the caller is a party to (the whole park for park roles)."""
    cond = [_party_cond(actor, Manifest)]
    if status:
        cond.append(Manifest.status == status)
    with ctx.db.read_session() as s:
        return list(s.scalars(sa.select(Manifest).where(*cond).order_by(Manifest.id.desc())))


@dataclass
class ManifestView:
    """A manifest with everything its document shows."""

    manifest: Manifest
    producer: Enterprise
    transporter: Enterprise
    receiver: Enterprise
    driver: User
    lines: list[tuple[TransferLine, Batch, WasteProfile]]
    booking: Booking


def get_manifest(ctx: Context, *, actor: Actor, number: str) -> ManifestView:
    """Return one manifest the caller may see, with its parties and lines."""
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        if m is None or not _visible(actor, m):
            raise NotFound("联单不存在", "no such manifest", detail={"number": number})
        view = ManifestView(
            manifest=m,
            producer=s.get_one(Enterprise, m.producer_id),
            transporter=s.get_one(Enterprise, m.transporter_id),
            receiver=s.get_one(Enterprise, m.receiver_id),
            driver=s.get_one(User, m.driver_user_id),
            lines=_manifest_lines(s, m.booking_id),
            booking=s.get_one(Booking, m.booking_id),
        )
        s.expunge_all()
        return view


# --- discrepancies -----------------------------------------------------------------------------


def _open_discrepancy(
    uow: UnitOfWork,
    actor: Actor,
    manifest: Manifest,
    batch: Batch,
    kind: DiscrepancyKind,
    facts: dict[str, Any],
) -> Discrepancy:
    s = uow.session
    d = Discrepancy(
        park_id=manifest.park_id,
        manifest_id=manifest.id,
        batch_id=batch.id,
        code=batch.code,
        producer_id=manifest.producer_id,
        transporter_id=manifest.transporter_id,
        receiver_id=manifest.receiver_id,
        kind=kind.value,
        facts=facts,
        opened_seq=-1,
        opened_at=uow.now(),
    )
    s.add(d)
    s.flush()
    d.opened_seq = _record(
        uow,
        actor,
        "discrepancy.open",
        batch.code,
        {
            "prev": batch.last_seq,
            "discrepancy": d.id,
            "kind": kind.value,
            "manifest": manifest.number,
            "facts": facts,
        },
    )
    batch.last_seq = d.opened_seq
    return d


def list_discrepancies(ctx: Context, *, actor: Actor, open_only: bool = False) -> list[Discrepancy]:
    """Return the discrepancies the caller is a party to (the whole park for park roles)."""
    cond = [_party_cond(actor, Discrepancy)]
    if open_only:
        cond.append(Discrepancy.resolved_seq.is_(None))
    with ctx.db.read_session() as s:
        return list(s.scalars(sa.select(Discrepancy).where(*cond).order_by(Discrepancy.id)))


def resolve_discrepancy(
    ctx: Context, *, actor: Actor, discrepancy_id: int, resolution: str
) -> Discrepancy:
    """Close a discrepancy with an explanation (a new entry; the opening one stays)."""
    why = _need_reason(resolution)
    with ctx.uow() as uow:
        s = uow.session
        d = s.execute(
            sa.select(Discrepancy).where(Discrepancy.id == discrepancy_id).with_for_update()
        ).scalar_one_or_none()
        if d is None or not _visible(actor, d):
            raise NotFound("差异记录不存在", "no such discrepancy")
        if actor.role is Role.AUDITOR:
            raise Forbidden("审计人员只读", "auditors may not change anything")
        if d.resolved_seq is not None:
            raise Conflict(
                "该差异已处理", "the discrepancy was resolved already", code="discrepancy.resolved"
            )
        batch = s.get_one(Batch, d.batch_id)
        seq = _record(
            uow,
            actor,
            "discrepancy.resolve",
            d.code,
            {"prev": batch.last_seq, "discrepancy": d.id, "opened_seq": d.opened_seq, "note": why},
        )
        batch.last_seq = seq
        d.resolved_seq = seq
        d.resolved_at = ctx.now()
        d.resolution = why
        uow.commit()
        return d


# --- hooks called by services.batches.apply_event ----------------------------------------------


def on_unstore(s: Session, batch: Batch) -> bool:
    """Scan-out of a booked batch: the booking names the transporter and receiver.

    Returns True when the batch is on an accepted booking or a manifest (no ids needed).
    """
    if batch.booking_id is None:
        return False
    booking = s.get_one(Booking, batch.booking_id)
    return booking.status in (BookingStatus.ACCEPTED.value, BookingStatus.MANIFESTED.value) or (
        booking.status == BookingStatus.REQUESTED.value
    )


def on_store(s: Session, batch: Batch) -> None:
    """A rejected batch back in the producer's storage leaves its old manifest."""
    if batch.status == S.REJECTED.value:
        batch.booking_id = None
        batch.manifest_id = None
        batch.transporter_id = None
        batch.receiver_id = None


def _line(s: Session, batch: Batch) -> tuple[Manifest, TransferLine]:
    if batch.manifest_id is None:
        raise Conflict(
            "该批次不在任何转移联单上，不能装车或接收",
            "the batch is not on a transfer manifest",
            code="manifest.required",
            detail={"code": batch.code},
        )
    manifest = s.execute(
        sa.select(Manifest).where(Manifest.id == batch.manifest_id).with_for_update()
    ).scalar_one()
    line = s.execute(
        sa.select(TransferLine).where(
            TransferLine.booking_id == manifest.booking_id, TransferLine.batch_id == batch.id
        )
    ).scalar_one()
    return manifest, line


def require_on_manifest(ctx: Context, *, actor: Actor, number: str, code: str) -> None:
    """Refuse a scan of a code that is not on the manifest, before any batch lookup.

    The scanning party may not be allowed to see a stray batch at all; it still learns at once
    that the batch is not on its manifest, and nothing more.
    """
    codes.parse_scanned(code)
    norm = codes.normalize(code)
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        if m is None or not _visible(actor, m):
            raise NotFound("联单不存在", "no such manifest", detail={"number": number})
        on = s.scalar(
            sa.select(sa.func.count())
            .select_from(TransferLine)
            .where(TransferLine.booking_id == m.booking_id, TransferLine.code == norm)
        )
    if not on:
        raise Conflict(
            f"批次 {norm} 不在联单 {number} 上",
            f"batch {norm} is not on manifest {number}",
            code="manifest.not_on_manifest",
            detail={"code": norm, "manifest": number},
        )


def check_manifest(s: Session, batch: Batch, number: str | None) -> None:
    """Refuse a scan made against a manifest the batch is not on."""
    if number is None:
        return
    m = s.get(Manifest, batch.manifest_id) if batch.manifest_id else None
    if m is None or m.number != number:
        raise Conflict(
            f"批次 {batch.code} 不在联单 {number} 上",
            f"batch {batch.code} is not on manifest {number}",
            code="manifest.not_on_manifest",
            detail={"code": batch.code, "manifest": number},
        )


def on_load(s: Session, batch: Batch, now: dt.datetime) -> dict[str, Any]:
    """Loading: the batch must be on a manifest that has not left yet."""
    manifest, line = _line(s, batch)
    if manifest.status != ManifestStatus.CREATED.value:
        raise Conflict(
            "联单已发车或已作废，不能再装车",
            "the manifest has left or was voided",
            code="manifest.illegal_transition",
        )
    line.outcome = LineOutcome.LOADED.value
    line.loaded_at = now
    return {"manifest": manifest.number, "vehicle_plate": manifest.vehicle_plate}


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receiver records for one batch."""

    weight_g: int | None
    rejected_g: int
    reason: str
    scale_frame: str | None


def on_receipt(
    uow: UnitOfWork,
    actor: Actor,
    batch: Batch,
    action: Action,
    facts: ReceiptFacts,
    tolerance_pct: Any,
    now: dt.datetime,
) -> tuple[dict[str, Any], list[tuple[DiscrepancyKind, dict[str, Any]]]]:
    """Receipt or rejection at the receiver: update the line, say which discrepancies follow."""
    s = uow.session
    manifest, line = _line(s, batch)
    if manifest.status != ManifestStatus.IN_TRANSIT.value:
        raise Conflict(
            "联单不在运输中，不能接收",
            "the manifest is not in transit",
            code="manifest.illegal_transition",
        )
    if line.outcome != LineOutcome.LOADED.value:
        raise Conflict(
            "该批次未装车，不能接收", "the batch was not loaded", code="manifest.not_loaded"
        )
    follow: list[tuple[DiscrepancyKind, dict[str, Any]]] = []
    payload: dict[str, Any] = {"manifest": manifest.number}
    line.received_at = now
    if facts.weight_g is not None:
        line.received_g = facts.weight_g
        diff = weight_discrepancy(line.dispatched_g, facts.weight_g, tolerance_pct)
        if diff is not None:
            follow.append(
                (
                    DiscrepancyKind.WEIGHT,
                    {
                        "dispatched_kg": g_to_kg(line.dispatched_g),
                        "received_kg": g_to_kg(facts.weight_g),
                        **diff,
                    },
                )
            )
    if action is Action.REJECT:
        line.outcome = LineOutcome.REJECTED.value
        line.rejected_g = facts.weight_g if facts.weight_g is not None else line.dispatched_g
        line.reason = facts.reason
        follow.append((DiscrepancyKind.REJECTION, {"reason": facts.reason}))
    elif facts.rejected_g:
        assert facts.weight_g is not None
        if facts.rejected_g >= facts.weight_g:
            raise BadValue(
                "部分拒收的重量须小于接收重量；整批拒收请用拒收",
                "rejected_kg must be less than the received weight; reject the batch instead",
            )
        if not facts.reason:
            raise BadValue("部分拒收须填写原因", "a reason is required for a partial rejection")
        line.outcome = LineOutcome.PARTIAL.value
        line.rejected_g = facts.rejected_g
        line.reason = facts.reason
        payload["rejected_kg"] = g_to_kg(facts.rejected_g)
        follow.append(
            (
                DiscrepancyKind.PARTIAL_REJECTION,
                {"rejected_kg": g_to_kg(facts.rejected_g), "reason": facts.reason},
            )
        )
    else:
        line.outcome = LineOutcome.ACCEPTED.value
    if facts.scale_frame:
        payload["scale_frame"] = facts.scale_frame
    return payload, follow


def open_discrepancies(
    uow: UnitOfWork,
    actor: Actor,
    batch: Batch,
    follow: list[tuple[DiscrepancyKind, dict[str, Any]]],
) -> None:
    """Record the discrepancies a receipt produced (after the receipt entry itself)."""
    if not follow or batch.manifest_id is None:
        return
    manifest = uow.session.get_one(Manifest, batch.manifest_id)
    for kind, facts in follow:
        _open_discrepancy(uow, actor, manifest, batch, kind, facts)


def on_final(uow: UnitOfWork, actor: Actor, batch: Batch) -> None:
    """After utilization/disposal at the receiver: complete the manifest if nothing waits."""
    if batch.manifest_id is None:
        return
    manifest = uow.session.execute(
        sa.select(Manifest).where(Manifest.id == batch.manifest_id).with_for_update()
    ).scalar_one()
    _maybe_complete(uow, actor, manifest)


def parse_kg(value: str | None) -> int | None:
    """Return grams from an optional kg decimal string."""
    return None if value is None else kg_to_g(value)
