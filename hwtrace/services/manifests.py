"""Electronic transfer manifests (转移联单): made by the producer from an accepted booking, departed
by the transporter after loading, confirmed by the receiver, completed when every accepted batch
is utilized or disposed of; voided before departure. Each step is one ledger entry
``manifest.<step>``; batches missing at departure or at receipt become discrepancies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain.access import Actor
from hwtrace.domain.batches import need_reason
from hwtrace.domain.contracts import Terms
from hwtrace.domain.errors import Conflict, NotFound
from hwtrace.domain.lifecycle import TERMINAL
from hwtrace.domain.loading import not_on_manifest
from hwtrace.domain.manifest_numbers import counter_name, national_number
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.transport import (
    DiscrepancyKind,
    LineOutcome,
    ManifestStatus,
    booking_step,
    check_departure,
    manifest_step,
)
from hwtrace.domain.trips import check_one_shipper
from hwtrace.domain.workdays import RECEIPT_WORKING_DAYS
from hwtrace.services import approvals, bookings, contracts, discrepancies, parties, workdays
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Booking,
    DailyCounter,
    Enterprise,
    Manifest,
    TransferLine,
    User,
    WasteProfile,
)
from hwtrace.store.unit_of_work import UnitOfWork


def next_serial(s: Session, name: str) -> int:
    """Take the next number of a counter inside the caller's transaction.

    The row is created if missing (an UPSERT that never overwrites), then locked (``SELECT …
    FOR UPDATE`` on PostgreSQL; SQLite's write transactions begin IMMEDIATE, one at a time), so
    concurrent creators queue on it; a transaction that rolls back gives its number back, which
    keeps the serials gap-free (部令第23号 第十五条).
    """
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(DailyCounter).values(name=name, last_seq=0).on_conflict_do_nothing())
    counter = s.execute(
        sa.select(DailyCounter).where(DailyCounter.name == name).with_for_update()
    ).scalar_one()
    counter.last_seq += 1
    return counter.last_seq


def create_payload(
    booking: Booking,
    manifest: Manifest,
    lines: list[tuple[TransferLine, Batch, WasteProfile]],
    chosen: dict[str, Terms],
    who: tuple[Enterprise, Enterprise, Enterprise],
) -> dict[str, Any]:
    """The ``manifest.create`` entry's payload: the parties, the vehicle, the permits, the lines
    and the contracts that cover them."""
    producer, transporter, receiver = who
    return {
        "booking": bookings.booking_subject(booking.id),
        "producer": producer.uscc,
        "transporter": transporter.uscc,
        "receiver": receiver.uscc,
        "vehicle_plate": manifest.vehicle_plate,
        "driver_licence": manifest.driver_licence,
        "transport_permit": manifest.transport_permit,
        "operating_permit": manifest.operating_permit,
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
        "contracts": {code: contracts.contract_subject(t.id) for code, t in chosen.items()},
        "approval": approvals.approval_subject(booking.approval_id)
        if booking.approval_id
        else None,
    }


def _covers(
    ctx: Context,
    s: Session,
    booking: Booking,
    lines: list[tuple[TransferLine, Batch, WasteProfile]],
    who: tuple[Enterprise, Enterprise, Enterprise],
) -> dict[str, Terms]:
    """Check the booking's covers again on the day the manifest is made: the contracts (one
    may have ended or been terminated since the booking; each line is counted against the one
    that covers it today) and, across provinces, the approval (第二十一–二十八条)."""
    producer, transporter, receiver = who
    wanted: dict[str, int] = {}
    for line, b, _p in lines:
        wanted[b.waste_code] = wanted.get(b.waste_code, 0) + line.dispatched_g
    chosen = contracts.cover(
        s,
        producer_id=producer.id,
        receiver=receiver,
        transporter_id=transporter.id,
        wanted_g=wanted,
        day=ctx.today(),
        exclude_booking=booking.id,
    )
    for line, b, _p in lines:
        line.contract_id = chosen[b.waste_code].id
    booking.approval_id = approvals.cover(
        ctx, s, producer.id, receiver, booking.planned_method, wanted, exclude_booking=booking.id
    )
    return chosen


def create_manifest(ctx: Context, *, actor: Actor, booking_id: int) -> Manifest:
    """The producer (移出人) makes the manifest from an accepted booking: its confirmation."""
    with ctx.uow() as uow:
        s = uow.session
        booking = bookings.lock_booking(s, actor, booking_id)
        parties.require_member(actor, booking.producer_id, "移出人")
        booking.status = booking_step(booking.status, "manifest")
        now = ctx.now()
        receiver = parties.enterprise(s, booking.receiver_id)
        transporter = parties.enterprise(s, booking.transporter_id)
        producer = parties.enterprise(s, booking.producer_id)
        op_permit = str((receiver.permits.get("operating") or {}).get("number") or "")
        today = ctx.today()
        lines = manifest_lines(s, booking.id)
        check_one_shipper(booking.producer_id, [b.producer_id for _, b, _ in lines])
        chosen = _covers(ctx, s, booking, lines, (producer, transporter, receiver))
        province, city = ctx.settings.province_code, ctx.settings.city_code
        number = national_number(
            today.year,
            province,
            city,
            next_serial(s, counter_name(today.year, province, city)),
        )
        assert booking.vehicle_plate and booking.driver_user_id and booking.driver_licence
        manifest = Manifest(
            number=number,
            booking_id=booking.id,
            park_id=booking.park_id,
            producer_id=booking.producer_id,
            transporter_id=booking.transporter_id,
            receiver_id=booking.receiver_id,
            status=ManifestStatus.CREATED,
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
        for b in s.scalars(sa.select(Batch).where(Batch.booking_id == booking.id)):
            b.manifest_id = manifest.id
        booking.updated_at = now
        seq = parties.record(
            uow,
            actor,
            "manifest.create",
            number,
            create_payload(booking, manifest, lines, chosen, (producer, transporter, receiver)),
        )
        manifest.last_seq = seq
        booking.last_seq = seq
        uow.commit()
        return manifest


def manifest_lines(s: Session, booking_id: int) -> list[tuple[TransferLine, Batch, WasteProfile]]:
    rows = s.execute(
        sa.select(TransferLine, Batch, WasteProfile)
        .join(Batch, Batch.id == TransferLine.batch_id)
        .join(WasteProfile, WasteProfile.id == Batch.profile_id)
        .where(TransferLine.booking_id == booking_id)
        .order_by(TransferLine.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def require_step_party(actor: Actor, manifest: Manifest, step: str) -> None:
    """Raise unless the caller may take ``step`` on a manifest it sees: loading and departing
    for the assigned driver (or the transporter's administrator), receipt for the receiver,
    cancelling for the producer."""
    if step in ("load", "depart"):
        parties.require_driver(actor, manifest)
    elif step in ("receive", "confirm"):
        parties.require_member(actor, manifest.receiver_id, "接受人")
    elif step == "cancel":
        parties.require_member(actor, manifest.producer_id, "移出人")
    else:
        raise ValueError(step)


def authorize(ctx: Context, *, actor: Actor, number: str, step: str) -> None:
    """Check, before the request is read, that the caller may take ``step`` on the manifest:
    404 if it may not see it, 403 if it may see it but not act."""
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        if m is None or not parties.visible(actor, m):
            raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
        require_step_party(actor, m, step)


def lock_manifest(s: Session, actor: Actor, number: str) -> Manifest:
    manifest = s.execute(
        sa.select(Manifest).where(Manifest.number == number).with_for_update()
    ).scalar_one_or_none()
    if manifest is None or not parties.visible(actor, manifest):
        raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
    return manifest


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
        manifest = lock_manifest(s, actor, number)
        parties.require_driver(actor, manifest)
        new = manifest_step(manifest.status, "depart")
        lines = manifest_lines(s, manifest.booking_id)
        loaded = [ln.code for ln, _, _ in lines if ln.outcome == LineOutcome.LOADED]
        missing = [ln.code for ln, _, _ in lines if ln.outcome == LineOutcome.PENDING]
        check_departure(loaded, missing, missing_reason)
        now = ctx.now()
        manifest.status = new
        manifest.departed_at = now
        # 部令第23号 第十八条: receipt is confirmed within 5 working days (counted from departure,
        # the earliest the receiver can accept the waste), on the park's working-day calendar.
        due_day, manifest.receipt_due_at = workdays.deadline(s, ctx, now, RECEIPT_WORKING_DAYS)
        manifest.last_seq = parties.record(
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
                "receipt_due": due_day.isoformat(),
            },
        )
        for ln, b, _ in lines:
            if ln.outcome != LineOutcome.PENDING:
                continue
            ln.outcome = LineOutcome.NOT_LOADED
            discrepancies.open_discrepancy(
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
        manifest = lock_manifest(s, actor, number)
        parties.require_member(actor, manifest.receiver_id, "接受人")
        new = manifest_step(manifest.status, "confirm")
        lines = manifest_lines(s, manifest.booking_id)
        now = ctx.now()
        missing = [ln.code for ln, _, _ in lines if ln.outcome == LineOutcome.LOADED]
        summary = {o.value: sum(1 for ln, _, _ in lines if ln.outcome == o) for o in LineOutcome}
        manifest.status = new
        manifest.received_at = now
        manifest.last_seq = parties.record(
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
        opened = []
        for ln, b, _ in lines:
            if ln.outcome == LineOutcome.LOADED:
                ln.outcome = LineOutcome.MISSING
                opened.append(
                    discrepancies.open_discrepancy(
                        uow, actor, manifest, b, DiscrepancyKind.MISSING_AT_RECEIPT, {}
                    )
                )
        discrepancies.tell_shipper(uow, manifest, opened)
        maybe_complete(uow, actor, manifest)
        uow.commit()
        return manifest


def cancel_manifest(ctx: Context, *, actor: Actor, number: str, reason: str) -> Manifest:
    """The producer voids a manifest before departure; its batches go back to storage."""
    with ctx.uow() as uow:
        s = uow.session
        manifest = lock_manifest(s, actor, number)
        parties.require_member(actor, manifest.producer_id, "移出人")
        why = need_reason(reason)
        new = manifest_step(manifest.status, "cancel")
        loaded = s.scalar(
            sa.select(sa.func.count())
            .select_from(TransferLine)
            .where(
                TransferLine.booking_id == manifest.booking_id,
                TransferLine.outcome == LineOutcome.LOADED,
            )
        )
        if loaded:
            raise Conflict(
                zh="已有批次装车，请先卸车（退回库房）",
                en="batches were loaded already; unload them first",
                code="manifest.illegal_transition",
            )
        manifest.status = new
        booking = s.get_one(Booking, manifest.booking_id)
        released = bookings.release(s, booking)
        manifest.last_seq = parties.record(
            uow,
            actor,
            "manifest.cancel",
            number,
            {"prev": manifest.last_seq, "reason": why, "released": released},
        )
        uow.commit()
        return manifest


def maybe_complete(uow: UnitOfWork, actor: Actor, manifest: Manifest) -> None:
    """Close a received manifest once no accepted batch waits for utilization/disposal."""
    if manifest.status != ManifestStatus.RECEIVED:
        return
    s = uow.session
    waiting = s.scalar(
        sa.select(sa.func.count())
        .select_from(TransferLine)
        .join(Batch, Batch.id == TransferLine.batch_id)
        .where(
            TransferLine.booking_id == manifest.booking_id,
            TransferLine.outcome.in_([LineOutcome.ACCEPTED, LineOutcome.PARTIAL]),
            Batch.status.not_in(list(TERMINAL)),
        )
    )
    if waiting:
        return
    manifest.status = manifest_step(manifest.status, "complete")
    manifest.completed_at = uow.now()
    manifest.last_seq = parties.record(
        uow, actor, "manifest.complete", manifest.number, {"prev": manifest.last_seq}
    )


def list_manifests(ctx: Context, *, actor: Actor, status: str | None = None) -> list[Manifest]:
    """Return the manifests the caller is a party to (the whole park for park roles)."""
    cond = [parties.party_cond(actor, Manifest)]
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
        if m is None or not parties.visible(actor, m):
            raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
        view = ManifestView(
            manifest=m,
            producer=s.get_one(Enterprise, m.producer_id),
            transporter=s.get_one(Enterprise, m.transporter_id),
            receiver=s.get_one(Enterprise, m.receiver_id),
            driver=s.get_one(User, m.driver_user_id),
            lines=manifest_lines(s, m.booking_id),
            booking=s.get_one(Booking, m.booking_id),
        )
        s.expunge_all()
        return view


def require_on_manifest(
    ctx: Context, *, actor: Actor, number: str, code: str, loading: bool = False
) -> None:
    """Refuse a scan of a code that is not on the manifest, before any batch lookup (at
    ``loading``, citing 第十三条第三款).

    The scanning party may not be allowed to see a stray batch at all; it still learns at once
    that the batch is not on its manifest, and nothing more.
    """
    codes.parse_scanned(code)
    norm = codes.normalize(code)
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        if m is None or not parties.visible(actor, m):
            raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
        on = s.scalar(
            sa.select(sa.func.count())
            .select_from(TransferLine)
            .where(TransferLine.booking_id == m.booking_id, TransferLine.code == norm)
        )
    if not on and loading:
        raise not_on_manifest(norm, number)
    if not on:
        raise Conflict(
            zh=f"批次 {norm} 不在联单 {number} 上",
            en=f"batch {norm} is not on manifest {number}",
            code="manifest.not_on_manifest",
            detail={"code": norm, "manifest": number},
        )


def number_for_booking(ctx: Context, *, actor: Actor, booking_id: int) -> str | None:
    """Return the number of the manifest made from a booking the caller may see, if any."""
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.booking_id == booking_id))
        return m.number if m is not None and parties.visible(actor, m) else None
