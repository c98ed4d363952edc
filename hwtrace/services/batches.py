"""Batch use cases: register, lifecycle actions (label, store, unstore, load, receive, reject,
utilize, dispose, void), reprint, and the scoped queries (corrections: ``corrections.py``).

Each mutating function is one transaction: the batch row is locked, the state machine decides,
the read model changes and exactly one ledger entry is appended, then commit. A refusal raises
before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import batches as rules
from hwtrace.domain import codes
from hwtrace.domain import receipts as receipt_rules
from hwtrace.domain.access import (
    Actor,
    BatchParties,
    EnterpriseKind,
    Role,
    can_view_batch,
    require_party,
    require_role,
)
from hwtrace.domain.catalogue import waste_entry
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import Action, BatchStatus, Party, next_status
from hwtrace.domain.loading import LabelFacts
from hwtrace.domain.quantities import g_to_kg, kg_to_g
from hwtrace.domain.vocabularies import disposal_method
from hwtrace.domain.warnings import (
    OUTLIER_WINDOW,
    weight_outlier,
)
from hwtrace.services import allocation, bookings, catalogue, handover, parties, storage
from hwtrace.services.context import Context
from hwtrace.services.directory import require_authorized
from hwtrace.store.stats import add_monthly, month_of
from hwtrace.store.tables import (
    Batch,
    Enterprise,
    WasteProfile,
)
from hwtrace.store.unit_of_work import UnitOfWork

S = BatchStatus


@dataclass(frozen=True)
class RegisterBatch:
    """The fields an operator gives to register a batch."""

    profile_id: int
    weight_kg: str
    package_count: int = 1
    packaging: str | None = None
    process: str | None = None
    produced_on: dt.date | None = None
    container_volume_l: int | None = None
    remarks: str = ""
    client_ts: dt.datetime | None = None
    # A code reserved in advance (offline registration); None = allocate one now.
    code: str | None = None


@dataclass(frozen=True)
class BatchEvent:
    """One lifecycle action on a batch, with the parameters that action needs."""

    action: Action
    room_id: int | None = None
    transporter_id: int | None = None
    receiver_id: int | None = None
    weight_kg: str | None = None
    method: str | None = None
    reason: str | None = None
    note: str | None = None
    client_ts: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # label: the container volume the label was printed for, when the batch has none recorded
    container_volume_l: int | None = None
    # Transfers: the manifest a loading/receipt scan is made against (checked when given),
    # the part of a received batch the receiver rejects, and the scale's raw frame.
    manifest: str | None = None
    rejected_kg: str | None = None
    scale_frame: str | None = None
    # receipt: what else was found different from the manifest (第十八条第二款), and what
    mismatch: tuple[str, ...] = ()
    mismatch_note: str = ""
    # Loading: what the scanned label says (its QR payload's waste code and weight), checked
    # against the manifest line (第十三条第三款); None = only the code is known.
    label: LabelFacts | None = None


def batch_parties(batch: Batch) -> BatchParties:
    """Return the access-relevant parties of a batch row."""
    return BatchParties(
        park_id=batch.park_id,
        producer_id=batch.producer_id,
        transporter_id=batch.transporter_id,
        receiver_id=batch.receiver_id,
    )


def visible_batches(actor: Actor) -> sa.ColumnElement[bool]:
    """Return the SQL condition for the batches ``actor`` may see."""
    cond = Batch.park_id == actor.park_id
    if actor.sees_whole_park:
        return cond
    e = actor.enterprise_id
    return sa.and_(
        cond,
        sa.or_(Batch.producer_id == e, Batch.transporter_id == e, Batch.receiver_id == e),
    )


def batch_payload(batch: Batch, profile: WasteProfile, producer: Enterprise) -> dict[str, Any]:
    """Return the facts of a batch as recorded in its registration entry."""
    return {
        "code": batch.code,
        "producer": producer.uscc,
        "profile_id": profile.id,
        "waste_code": batch.waste_code,
        "category": batch.category,
        "catalogue_edition": batch.catalogue_edition,
        "waste_description": batch.waste_description,
        "name": profile.name,
        "form": profile.form,
        "hazards": list(profile.hazards),
        "weight_kg": g_to_kg(batch.weight_g),
        "packaging": batch.packaging,
        "package_count": batch.package_count,
        "process": batch.process,
        "produced_on": batch.produced_on.isoformat(),
        "container_volume_l": batch.container_volume_l,
        "remarks": batch.remarks,
    }


def _usable_profile(s: Session, actor: Actor, profile_id: int) -> WasteProfile:
    """The caller's enterprise's active profile that the caller is authorized for."""
    profile = s.get(WasteProfile, profile_id)
    if profile is None or profile.enterprise_id != actor.enterprise_id:
        raise NotFound(zh="废物档案不存在", en="no such waste profile")
    if not profile.active:
        raise Conflict(
            zh="该废物档案已停用", en="the waste profile is inactive", code="waste.profile_inactive"
        )
    require_authorized(s, actor, profile)
    return profile


def _recent_weights(s: Session, profile_id: int) -> list[int]:
    """The profile's last weights (newest first, voided batches left out): the outlier rule's
    history."""
    return list(
        s.scalars(
            sa.select(Batch.weight_g)
            .where(Batch.profile_id == profile_id, Batch.status != S.VOIDED)
            .order_by(Batch.id.desc())
            .limit(OUTLIER_WINDOW)
        )
    )


def _checked(ctx: Context, actor: Actor, command: RegisterBatch) -> tuple[int, dt.date]:
    """Refuse a registration before anything is read: who may register, and the command's own
    values. Return the weight in grams and the production date."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以登记危险废物", en="only producers register batches")
    weight_g = kg_to_g(command.weight_kg)
    today = ctx.today()
    produced_on = command.produced_on or (
        codes.parse_scanned(command.code).day if command.code else today
    )
    rules.check_produced_on(
        produced_on, today=today, storage_limit_days=ctx.settings.storage_limit_days
    )
    rules.check_package_count(command.package_count)
    rules.check_volume(command.container_volume_l)
    return weight_g, produced_on


def register_batch(ctx: Context, *, actor: Actor, command: RegisterBatch) -> Batch:
    """Register a new batch for the caller's enterprise and allocate its code."""
    weight_g, produced_on = _checked(ctx, actor, command)
    with ctx.uow() as uow:
        s = uow.session
        producer = parties.enterprise(s, actor.enterprise_id)
        profile = _usable_profile(s, actor, command.profile_id)
        # The edition in use; a profile whose code it no longer has cannot register.
        edition = catalogue.edition_in(s, ctx)
        listed = edition.entry(profile.waste_code)
        if command.code is None:
            code = allocation.allocate_code(
                s, uscc=producer.uscc, waste_code=profile.waste_code, day=produced_on
            )
        else:
            code = allocation.take_reserved(
                s, actor=actor, code=command.code, profile_id=profile.id, day=produced_on
            )
        now = ctx.now()
        outlier = weight_outlier(weight_g, _recent_weights(s, profile.id))
        batch = Batch(
            code=code,
            park_id=actor.park_id,
            producer_id=producer.id,
            profile_id=profile.id,
            waste_code=listed.code,
            category=listed.category,
            catalogue_edition=edition.edition,
            waste_description=listed.description,
            weight_g=weight_g,
            packaging=command.packaging or profile.packaging,
            package_count=command.package_count,
            container_volume_l=command.container_volume_l,
            process=command.process if command.process is not None else profile.process,
            produced_on=produced_on,
            remarks=command.remarks,
            status=S.REGISTERED,
            created_at=now,
            updated_at=now,
            event_at=command.client_ts or now,
            weight_outlier=outlier,
            last_seq=-1,
        )
        s.add(batch)
        month = (
            actor.park_id,
            producer.id,
            batch.category,
            month_of(produced_on),
            "gen",
            weight_g,
            1,
        )
        add_monthly(s, [month])
        payload = batch_payload(batch, profile, producer)
        if outlier is not None:
            payload["weight_check"] = outlier
        entry = uow.record(
            entry_type="batch.register",
            subject=code,
            actor=actor.username,
            enterprise=producer.uscc,
            client_ts=command.client_ts,
            payload=payload,
        )
        batch.last_seq = entry.seq
        uow.commit()
        return batch


def _record_volume(batch: Batch, volume: int | None, payload: dict[str, Any]) -> None:
    """Record the container volume a label was printed for, when the batch has none yet."""
    new = rules.volume_to_record(batch.container_volume_l, volume)
    if new is not None:
        batch.container_volume_l = new
        payload["container_volume_l"] = new


def lock_batch(ctx: Context, uow: UnitOfWork, actor: Actor, code: str) -> Batch:
    codes.parse_scanned(code)  # refuses a misread at once, before any lookup
    batch = uow.session.execute(
        sa.select(Batch).where(Batch.code == codes.normalize(code)).with_for_update()
    ).scalar_one_or_none()
    if batch is None or not can_view_batch(actor, batch_parties(batch)):
        raise NotFound(
            zh="未找到该识别码对应的批次", en="no batch with this code", detail={"code": code}
        )
    return batch


def refuse_voided(batch: Batch) -> None:
    rules.check_usable(batch.status, batch.code)


def _designated(s: Session, actor: Actor, enterprise_id: int | None, kind: EnterpriseKind) -> int:
    if enterprise_id is None:
        raise BadValue(
            zh=f"出库须指定{'运输' if kind is EnterpriseKind.TRANSPORTER else '接收'}单位",
            en=f"{kind.value}_id is required to hand a batch over",
        )
    ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.park_id != actor.park_id or ent.kind != kind.value:
        raise Conflict(
            zh="指定的单位不存在或类型不符",
            en=f"enterprise {enterprise_id} is not a {kind.value}",
            code="enterprise.wrong_kind",
        )
    return ent.id


def _effects(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    batch: Batch,
    event: BatchEvent,
    payload: dict[str, Any],
) -> list[Any]:
    """Change the read model for one action; return the discrepancies a receipt opens."""
    s = uow.session
    now = ctx.now()
    if event.action is Action.STORE:
        room = storage.room_for(s, batch, event.room_id)
        handover.on_store(s, batch)
        batch.room_id = room.id
        batch.stored_at = now
        payload["room"] = {"id": room.id, "name": room.name}
    elif event.action is Action.UNSTORE:
        _unstore(s, actor, batch, event, payload)
    elif event.action is Action.LOAD:
        checks = handover.LoadingChecks(
            ctx.today(), event.label, ctx.settings.label_weight_tolerance_pct
        )
        payload.update(handover.on_load(s, actor, batch, now, checks))
    elif event.action in (Action.RECEIVE, Action.REJECT):
        return _receipt(ctx, uow, actor, batch, event, payload)
    elif event.action is Action.VOID:
        rules.need_reason(event.reason)
        batch.room_id = None
        month = month_of(batch.produced_on)
        add_monthly(
            s,
            [(batch.park_id, batch.producer_id, batch.category, month, "gen", -batch.weight_g, -1)],
        )
    elif event.action in (Action.UTILIZE, Action.DISPOSE):
        payload["method"] = disposal_method(event.method)
        batch.room_id = None
        add_monthly(
            s,
            [
                (
                    batch.park_id,
                    batch.producer_id,
                    batch.category,
                    month_of(ctx.local_now()),
                    "fin",
                    batch.weight_g,
                    1,
                )
            ],
        )
    return []


def _unstore(
    s: Session, actor: Actor, batch: Batch, event: BatchEvent, payload: dict[str, Any]
) -> None:
    payload["room"] = {"id": batch.room_id}
    batch.room_id = None
    if handover.on_unstore(s, batch) and event.transporter_id is None:
        payload["booking"] = bookings.booking_subject(batch.booking_id or 0)
    else:
        if batch.booking_id is not None:
            raise Conflict(
                zh="该批次已预约转运，出库不能另行指定单位",
                en="the batch is booked; its transporter and receiver come from the booking",
                code="booking.batch_taken",
            )
        batch.transporter_id = _designated(
            s, actor, event.transporter_id, EnterpriseKind.TRANSPORTER
        )
        batch.receiver_id = _designated(s, actor, event.receiver_id, EnterpriseKind.RECEIVER)
    assert batch.transporter_id is not None and batch.receiver_id is not None
    payload["transporter"] = parties.enterprise(s, batch.transporter_id).uscc
    payload["receiver"] = parties.enterprise(s, batch.receiver_id).uscc


def _receipt(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    batch: Batch,
    event: BatchEvent,
    payload: dict[str, Any],
) -> list[Any]:
    if event.action is Action.RECEIVE and event.weight_kg is None:
        raise BadValue(zh="接收须称重并填写重量", en="weight_kg is required at receipt")
    if event.action is Action.REJECT:
        rules.need_reason(event.reason)
    weight_g = handover.parse_kg(event.weight_kg)
    facts = handover.ReceiptFacts(
        weight_g=weight_g,
        rejected_g=handover.parse_kg(event.rejected_kg) or 0,
        reason=(event.reason or "").strip(),
        scale_frame=event.scale_frame,
        aspects=receipt_rules.check_aspects(event.mismatch, event.mismatch_note),
        aspects_note=event.mismatch_note.strip(),
    )
    extra, follow = handover.on_receipt(
        uow, actor, batch, event.action, facts, ctx.settings.weight_tolerance_pct, ctx.now()
    )
    payload.update(extra)
    if weight_g is not None:
        batch.received_weight_g = weight_g
        payload["weight_kg"] = g_to_kg(weight_g)
        payload["dispatched_kg"] = g_to_kg(batch.weight_g)
    return follow


def apply_event(ctx: Context, *, actor: Actor, code: str, event: BatchEvent) -> Batch:
    """Apply one lifecycle action to a batch and record it; refuse illegal ones untouched."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    with ctx.uow() as uow:
        s = uow.session
        batch = lock_batch(ctx, uow, actor, code)
        refuse_voided(batch)
        before = batch.status
        after, party = next_status(before, event.action)
        require_party(actor, party, batch_parties(batch))
        payload: dict[str, Any] = {"from": before.value, "to": after.value, "prev": batch.last_seq}
        now = ctx.now()
        if event.manifest is not None:
            handover.check_manifest(s, batch, event.manifest, event.action)
        follow = _effects(ctx, uow, actor, batch, event, payload)
        if event.action is Action.LABEL:
            _record_volume(batch, event.container_volume_l, payload)
        if event.reason:
            payload["reason"] = event.reason.strip()
        if event.note:
            payload["note"] = event.note.strip()
        if event.extra:
            payload["extra"] = event.extra
        batch.status = after
        batch.updated_at = now
        when = event.client_ts or now
        out_of_order = rules.out_of_order(when, batch.event_at)
        if out_of_order:
            assert batch.event_at is not None
            payload["out_of_order"] = {"previous_event_at": batch.event_at.isoformat()}
        else:
            batch.event_at = when
        entry = uow.record(
            entry_type=f"batch.{event.action.value}",
            subject=batch.code,
            actor=actor.username,
            enterprise=parties.actor_uscc(s, actor),
            client_ts=event.client_ts,
            payload=payload,
        )
        batch.last_seq = entry.seq
        if out_of_order:
            batch.out_of_order_seq = entry.seq
        handover.open_discrepancies(uow, actor, batch, follow)
        if event.action in (Action.UTILIZE, Action.DISPOSE):
            handover.on_final(uow, actor, batch)
        uow.commit()
        return batch


def reprint(
    ctx: Context,
    *,
    actor: Actor,
    code: str,
    reason: str,
    fmt: str,
    container_volume_l: int | None = None,
) -> Batch:
    """Record a reprint of an already-printed label (no state change; a reason is required);
    the container volume it was printed for is recorded if the batch had none."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if not reason.strip():
        raise BadValue(zh="补打标签须填写原因", en="a reason is required to reprint a label")
    with ctx.uow() as uow:
        batch = lock_batch(ctx, uow, actor, code)
        refuse_voided(batch)
        require_party(actor, Party.PRODUCER, batch_parties(batch))
        rules.check_reprintable(batch.status)
        payload: dict[str, Any] = {"prev": batch.last_seq, "reason": reason.strip(), "format": fmt}
        _record_volume(batch, container_volume_l, payload)
        entry = uow.record(
            entry_type="batch.reprint",
            subject=batch.code,
            actor=actor.username,
            enterprise=parties.actor_uscc(uow.session, actor),
            payload=payload,
        )
        batch.last_seq = entry.seq
        uow.commit()
        return batch


def get_batch(ctx: Context, *, actor: Actor, code: str) -> Batch:
    """Return one batch the caller may see (404 otherwise, so existence is not leaked)."""
    codes.parse_scanned(code)
    with ctx.db.read_session() as s:
        batch = s.scalar(
            sa.select(Batch).where(Batch.code == codes.normalize(code), visible_batches(actor))
        )
    if batch is None:
        raise NotFound(
            zh="未找到该识别码对应的批次", en="no batch with this code", detail={"code": code}
        )
    return batch


def list_batches(
    ctx: Context,
    *,
    actor: Actor,
    status: str | None = None,
    waste_code: str | None = None,
    producer_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Batch], int]:
    """Return one page of the batches the caller may see, newest first, and the total."""
    cond = [visible_batches(actor)]
    if status:
        cond.append(Batch.status == status)
    if waste_code:
        cond.append(Batch.waste_code == waste_code)
    if producer_id is not None:
        cond.append(Batch.producer_id == producer_id)
    with ctx.db.read_session() as s:
        total = s.scalar(sa.select(sa.func.count()).select_from(Batch).where(*cond)) or 0
        rows = list(
            s.scalars(
                sa.select(Batch).where(*cond).order_by(Batch.id.desc()).limit(limit).offset(offset)
            )
        )
    return rows, int(total)


def batch_history(ctx: Context, *, actor: Actor, code: str) -> list[Any]:
    """Return every ledger entry about a batch the caller may see, in order."""
    batch = get_batch(ctx, actor=actor, code=code)
    with ctx.db.read_session() as s:
        return list(ctx.log.entries(s.connection(), subject=batch.code))


def waste_entry_for(code: str) -> dict[str, Any]:
    """Return the catalogue entry for a waste code (re-exported for the API)."""
    return waste_entry(code)
