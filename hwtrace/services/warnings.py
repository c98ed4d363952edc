"""Warnings for the caller: computed from the read model with indexed queries (never a ledger
scan), each with a stable key; an acknowledgement with a note is a ledger entry.

The rules and their thresholds are in ``hwtrace.domain.warnings``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain.access import Actor, Role, require_role
from hwtrace.domain.contracts import EXPIRY_WARN_DAYS, ContractStatus, g_to_t, used_pct
from hwtrace.domain.contracts import nearly_used as contract_nearly_used
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.rules import rule_for
from hwtrace.domain.times import zone_label
from hwtrace.domain.transport import DISCREPANCY_ZH, BookingStatus, DiscrepancyKind, ManifestStatus
from hwtrace.domain.warnings import (
    KIND_EN,
    KIND_ZH,
    Kind,
    Warning,
    outlier_messages,
    storage_deadline,
    storage_messages,
)
from hwtrace.services import contracts as contracts_svc
from hwtrace.services import paper_manifests
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Booking,
    Contract,
    ContractLine,
    Discrepancy,
    Enterprise,
    Manifest,
    StorageRoom,
    WarningAck,
)

S = BatchStatus
# A batch is still the producer's responsibility (and its storage clock runs) in these states.
AT_PRODUCER = [S.REGISTERED, S.LABELLED, S.STORED, S.AWAITING_PICKUP]
PER_KIND_LIMIT = 500


def _scope(actor: Actor, col: Any, enterprise_id: int | None) -> list[Any]:
    if actor.sees_whole_park:
        return [col == enterprise_id] if enterprise_id is not None else []
    return [col == actor.enterprise_id]


def _batch_cond(actor: Actor, enterprise_id: int | None) -> list[Any]:
    return [Batch.park_id == actor.park_id, *_scope(actor, Batch.producer_id, enterprise_id)]


def _party(actor: Actor, model: Any, enterprise_id: int | None) -> list[Any]:
    cond = [model.park_id == actor.park_id]
    target = enterprise_id if actor.sees_whole_park else actor.enterprise_id
    if target is not None:
        cond.append(
            sa.or_(
                model.producer_id == target,
                model.transporter_id == target,
                model.receiver_id == target,
            )
        )
    return cond


def compute(
    ctx: Context, *, actor: Actor, enterprise_id: int | None = None
) -> tuple[list[Warning], Counter[str]]:
    """Return the caller's warnings (at most PER_KIND_LIMIT listed per kind) and full counts."""
    now = ctx.now()
    today = ctx.today()
    st = ctx.settings
    out: list[Warning] = []
    counts: Counter[str] = Counter()
    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(Enterprise.id, Enterprise.name).where(Enterprise.park_id == actor.park_id)
        )
        names = {r.id: r.name for r in rows}
        _storage(
            s, actor, enterprise_id, today, st.storage_limit_days, st.storage_warn_days, out, counts
        )
        _rooms(s, actor, enterprise_id, out, counts)
        _labelled(
            s, actor, enterprise_id, now - dt.timedelta(hours=st.label_to_store_hours), out, counts
        )
        _transfers(s, actor, enterprise_id, now, out, counts, st.timezone)
        _discrepancies(s, actor, enterprise_id, out, counts)
        _batch_flags(s, actor, enterprise_id, out, counts)
        _contracts(s, actor, enterprise_id, today, out, counts)
        paper_manifests.late_warnings(s, actor, enterprise_id, out, counts, st.timezone)
        keys = [w.key for w in out]
        acks = {
            a.key: a
            for chunk in _chunks(keys, 500)
            for a in s.scalars(sa.select(WarningAck).where(WarningAck.key.in_(chunk)))
        }
    for w in out:
        w.facts.setdefault("enterprise", names.get(w.enterprise_id, ""))
        a = acks.get(w.key)
        if a is not None:
            w.acknowledged = {"note": a.note, "by": a.actor, "at": a.at.isoformat(), "seq": a.seq}
    return out, counts


def _chunks(xs: list[str], n: int) -> list[list[str]]:
    return [xs[i : i + n] for i in range(0, len(xs), n)]


def _storage(
    s: Session,
    actor: Actor,
    ent: int | None,
    today: dt.date,
    limit_days: int,
    warn_days: tuple[int, ...],
    out: list[Warning],
    counts: Counter[str],
) -> None:
    lead = max(warn_days) if warn_days else 0
    near_from = today - dt.timedelta(days=limit_days - lead)
    cond = [*_batch_cond(actor, ent), Batch.status.in_([x.value for x in AT_PRODUCER])]
    over_day = today - dt.timedelta(days=limit_days)
    for kind, extra in (
        (Kind.STORAGE_OVER_LIMIT, Batch.produced_on <= over_day),
        (
            Kind.STORAGE_NEAR_LIMIT,
            sa.and_(Batch.produced_on <= near_from, Batch.produced_on > over_day),
        ),
    ):
        counts[kind] = int(s.scalar(sa.select(sa.func.count()).where(*cond, extra)) or 0)
        rows = s.execute(
            sa.select(
                Batch.code, Batch.producer_id, Batch.produced_on, Batch.waste_code, Batch.weight_g
            )
            .where(*cond, extra)
            .order_by(Batch.produced_on)
            .limit(PER_KIND_LIMIT)
        ).all()
        for r in rows:
            deadline, days = storage_deadline(r.produced_on, limit_days=limit_days, today=today)
            zh, en = storage_messages(r.produced_on, deadline, days)
            out.append(
                Warning(
                    kind=kind,
                    key=f"{kind.value}:{r.code}",
                    enterprise_id=r.producer_id,
                    subject=r.code,
                    message_zh=zh,
                    message_en=en,
                    facts={
                        "produced_on": r.produced_on.isoformat(),
                        "deadline": deadline.isoformat(),
                        "days_left": days,
                        "waste_code": r.waste_code,
                        "weight_kg": g_to_kg(r.weight_g),
                    },
                )
            )


def _rooms(
    s: Session, actor: Actor, ent: int | None, out: list[Warning], counts: Counter[str]
) -> None:
    stored = sa.func.sum(Batch.weight_g)
    rows = s.execute(
        sa.select(
            StorageRoom.id,
            StorageRoom.name,
            StorageRoom.enterprise_id,
            StorageRoom.capacity_g,
            stored,
        )
        .join(Batch, Batch.room_id == StorageRoom.id)
        # phrased on the rooms, so the (room_id, status, weight_g) index covers the sum
        .where(StorageRoom.enterprise_id.in_(_room_owners(actor, ent)), Batch.status == S.STORED)
        .group_by(
            StorageRoom.id, StorageRoom.name, StorageRoom.enterprise_id, StorageRoom.capacity_g
        )
        .having(stored > StorageRoom.capacity_g)
    ).all()
    counts[Kind.ROOM_OVER_CAPACITY] = len(rows)
    for r in rows:
        total = int(r[4])
        cap = g_to_kg(r.capacity_g)
        out.append(
            Warning(
                kind=Kind.ROOM_OVER_CAPACITY,
                key=f"{Kind.ROOM_OVER_CAPACITY.value}:room-{r.id}",
                enterprise_id=r.enterprise_id,
                subject=f"room-{r.id}",
                message_zh=f"库房「{r.name}」贮存 {g_to_kg(total)} 千克，超过容量 {cap} 千克",
                message_en=f"room {r.name} holds {g_to_kg(total)} kg, over its {cap} kg",
                facts={
                    "room": r.name,
                    "stored_kg": g_to_kg(total),
                    "capacity_kg": g_to_kg(r.capacity_g),
                },
            )
        )


def _room_owners(actor: Actor, ent: int | None) -> Any:
    target = ent if actor.sees_whole_park else actor.enterprise_id
    if target is not None:
        return [target]
    return sa.select(Enterprise.id).where(Enterprise.park_id == actor.park_id)


def _labelled(
    s: Session,
    actor: Actor,
    ent: int | None,
    before: dt.datetime,
    out: list[Warning],
    counts: Counter[str],
) -> None:
    cond = [
        *_batch_cond(actor, ent),
        Batch.status.in_([S.REGISTERED, S.LABELLED]),
        Batch.created_at < before,
    ]
    counts[Kind.LABELLED_NOT_STORED] = int(s.scalar(sa.select(sa.func.count()).where(*cond)) or 0)
    rows = s.execute(
        sa.select(Batch.code, Batch.producer_id, Batch.created_at, Batch.status)
        .where(*cond)
        .order_by(Batch.created_at)
        .limit(PER_KIND_LIMIT)
    ).all()
    for r in rows:
        out.append(
            Warning(
                kind=Kind.LABELLED_NOT_STORED,
                key=f"{Kind.LABELLED_NOT_STORED.value}:{r.code}",
                enterprise_id=r.producer_id,
                subject=r.code,
                message_zh=f"登记于 {r.created_at:%Y-%m-%d %H:%M}，至今未入库",
                message_en=f"registered {r.created_at:%Y-%m-%d %H:%M} and never stored",
                facts={"registered_at": r.created_at.isoformat(), "status": r.status},
            )
        )


def _transfers(
    s: Session,
    actor: Actor,
    ent: int | None,
    now: dt.datetime,
    out: list[Warning],
    counts: Counter[str],
    timezone: str,
) -> None:
    n = 0
    for m in s.scalars(
        sa.select(Manifest)
        .where(
            *_party(actor, Manifest, ent),
            Manifest.status == ManifestStatus.IN_TRANSIT,
            Manifest.receipt_due_at < now,
        )
        .limit(PER_KIND_LIMIT)
    ):
        assert m.receipt_due_at is not None
        # The deadline's last day, as the park reads it (部令第23号 第十八条: 5 working days).
        last = (m.receipt_due_at - dt.timedelta(microseconds=1)).astimezone(ZoneInfo(timezone))
        zone = zone_label(timezone)
        n += 1
        out.append(
            Warning(
                kind=Kind.TRANSFER_OVERDUE,
                key=f"{Kind.TRANSFER_OVERDUE.value}:{m.number}",
                enterprise_id=m.producer_id,
                subject=m.number,
                message_zh=(
                    f"联单 {m.number} 运输中，接收确认期限 {last:%Y-%m-%d}（{zone}）已过"
                    "（第十八条：接受后 5 个工作日内确认接收）"
                ),
                message_en=(
                    f"manifest {m.number} is in transit past its receipt deadline "
                    f"{last:%Y-%m-%d} ({timezone}; art. 18: confirm within 5 working days)"
                ),
                facts={
                    "due": m.receipt_due_at.isoformat(),
                    "due_date": f"{last:%Y-%m-%d}",
                    "receiver_id": m.receiver_id,
                },
            )
        )
    for b in s.scalars(
        sa.select(Booking)
        .where(
            *_party(actor, Booking, ent),
            Booking.status == BookingStatus.ACCEPTED,
            Booking.window_end < now,
        )
        .limit(PER_KIND_LIMIT)
    ):
        n += 1
        out.append(
            Warning(
                kind=Kind.TRANSFER_OVERDUE,
                key=f"{Kind.TRANSFER_OVERDUE.value}:booking-{b.id}",
                enterprise_id=b.producer_id,
                subject=f"booking-{b.id}",
                message_zh=f"转运预约 {b.id} 的时间窗已过，尚未生成联单",
                message_en=f"booking {b.id}: the pickup window ended without a manifest",
                facts={"window_end": b.window_end.isoformat(), "transporter_id": b.transporter_id},
            )
        )
    counts[Kind.TRANSFER_OVERDUE] = n


def _discrepancies(
    s: Session, actor: Actor, ent: int | None, out: list[Warning], counts: Counter[str]
) -> None:
    cond = [*_party(actor, Discrepancy, ent), Discrepancy.resolved_seq.is_(None)]
    counts[Kind.DISCREPANCY] = int(
        s.scalar(sa.select(sa.func.count()).select_from(Discrepancy).where(*cond)) or 0
    )
    for d in s.scalars(
        sa.select(Discrepancy).where(*cond).order_by(Discrepancy.id).limit(PER_KIND_LIMIT)
    ):
        kind = DiscrepancyKind(d.kind)
        out.append(
            Warning(
                kind=Kind.DISCREPANCY,
                key=f"{Kind.DISCREPANCY.value}:{d.id}",
                enterprise_id=d.producer_id,
                subject=d.code,
                message_zh=f"{DISCREPANCY_ZH[kind]}，待说明" + _weight_zh(d.facts),
                message_en=f"{kind.value.replace('_', ' ')}, to be explained",
                facts={"discrepancy_id": d.id, "kind": kind.value, **d.facts},
            )
        )


def _contracts(
    s: Session,
    actor: Actor,
    ent: int | None,
    today: dt.date,
    out: list[Warning],
    counts: Counter[str],
) -> None:
    """Confirmed contracts in force that end within EXPIRY_WARN_DAYS, or of which most of a
    waste code's quantity is used (``domain/contracts.py``)."""
    rows = list(
        s.scalars(
            sa.select(Contract)
            .where(
                *_party(actor, Contract, ent),
                Contract.status == ContractStatus.CONFIRMED.value,
                Contract.valid_from <= today,
                Contract.valid_to >= today,
            )
            .order_by(Contract.id)
        )
    )
    expiring = [c for c in rows if (c.valid_to - today).days <= EXPIRY_WARN_DAYS]
    for c in expiring[:PER_KIND_LIMIT]:
        left = (c.valid_to - today).days
        out.append(
            Warning(
                kind=Kind.CONTRACT_EXPIRING,
                key=f"{Kind.CONTRACT_EXPIRING.value}:contract-{c.id}:{c.valid_to.isoformat()}",
                enterprise_id=c.producer_id,
                subject=f"contract-{c.id}",
                message_zh=f"合同 {c.number} 将于 {c.valid_to} 到期（还有 {left} 天），请及时续签",
                message_en=f"contract {c.number} ends on {c.valid_to} ({left} days left): renew it",
                facts={"contract_id": c.id, "number": c.number, "valid_to": c.valid_to.isoformat()},
            )
        )
    counts[Kind.CONTRACT_EXPIRING] = len(expiring)
    ids = [c.id for c in rows]
    by_id = {c.id: c for c in rows}
    use = contracts_svc.used(s, ids)
    n = 0
    for ln in (
        s.scalars(
            sa.select(ContractLine)
            .where(ContractLine.contract_id.in_(ids))
            .order_by(ContractLine.contract_id, ContractLine.waste_code)
        )
        if ids
        else []
    ):
        got = use.get((ln.contract_id, ln.waste_code), 0)
        if not contract_nearly_used(got, ln.quantity_g):
            continue
        n += 1
        if n > PER_KIND_LIMIT:
            continue
        c = by_id[ln.contract_id]
        pct = used_pct(got, ln.quantity_g)
        out.append(
            Warning(
                kind=Kind.CONTRACT_NEARLY_USED,
                key=f"{Kind.CONTRACT_NEARLY_USED.value}:contract-{c.id}:{ln.waste_code}",
                enterprise_id=c.producer_id,
                subject=f"contract-{c.id}",
                message_zh=(
                    f"合同 {c.number} 中 {ln.waste_code} 已使用 {pct}%"
                    f"（{g_to_t(got)} / {g_to_t(ln.quantity_g)} 吨）"
                ),
                message_en=(
                    f"contract {c.number}: {pct}% of {ln.waste_code} used "
                    f"({g_to_t(got)} of {g_to_t(ln.quantity_g)} t)"
                ),
                facts={"contract_id": c.id, "waste_code": ln.waste_code, "used_pct": pct},
            )
        )
    counts[Kind.CONTRACT_NEARLY_USED] = n


def _weight_zh(facts: dict[str, Any]) -> str:
    if "difference_pct" in facts:
        sent, got, pct = facts["dispatched_kg"], facts["received_kg"], facts["difference_pct"]
        return f"（发出 {sent} 千克，接收 {got} 千克，差 {pct}%）"
    return ""


def _flag_scope(actor: Actor, ent: int | None) -> list[Any]:
    """Scope for the flagged-batch queries, phrased on producer_id so the partial indexes on
    (producer_id) WHERE <flag> serve both an enterprise and the whole park."""
    target = ent if actor.sees_whole_park else actor.enterprise_id
    if target is not None:
        return [Batch.producer_id == target]
    park = sa.select(Enterprise.id).where(Enterprise.park_id == actor.park_id)
    return [Batch.producer_id.in_(park)]


def _batch_flags(
    s: Session, actor: Actor, ent: int | None, out: list[Warning], counts: Counter[str]
) -> None:
    base = _flag_scope(actor, ent)
    cond_o = [*base, Batch.out_of_order_seq.is_not(None)]
    counts[Kind.OUT_OF_ORDER] = int(s.scalar(sa.select(sa.func.count()).where(*cond_o)) or 0)
    for r in s.execute(
        sa.select(Batch.code, Batch.producer_id, Batch.out_of_order_seq)
        .where(*cond_o)
        .order_by(Batch.id.desc())
        .limit(PER_KIND_LIMIT)
    ):
        out.append(
            Warning(
                kind=Kind.OUT_OF_ORDER,
                key=f"{Kind.OUT_OF_ORDER.value}:{r.code}:{r.out_of_order_seq}",
                enterprise_id=r.producer_id,
                subject=r.code,
                message_zh=f"台账记录 #{r.out_of_order_seq} 的设备时间早于该批次上一事件",
                message_en=f"entry #{r.out_of_order_seq}: device time before the previous event",
                facts={"seq": r.out_of_order_seq},
            )
        )
    cond_w = [*base, Batch.weight_outlier.is_not(None), Batch.status != S.VOIDED]
    counts[Kind.WEIGHT_OUTLIER] = int(s.scalar(sa.select(sa.func.count()).where(*cond_w)) or 0)
    for r in s.execute(
        sa.select(Batch.code, Batch.producer_id, Batch.weight_g, Batch.weight_outlier)
        .where(*cond_w)
        .order_by(Batch.id.desc())
        .limit(PER_KIND_LIMIT)
    ):
        if r.weight_outlier is None:  # JSON null on some engines
            continue
        f = r.weight_outlier
        zh, en = outlier_messages(r.weight_g, f)
        out.append(
            Warning(
                kind=Kind.WEIGHT_OUTLIER,
                key=f"{Kind.WEIGHT_OUTLIER.value}:{r.code}",
                enterprise_id=r.producer_id,
                subject=r.code,
                message_zh=zh,
                message_en=en,
                facts={"weight_kg": g_to_kg(r.weight_g), **f},
            )
        )


def acknowledge(ctx: Context, *, actor: Actor, key: str, note: str) -> Warning:
    """Acknowledge a current warning with a note: one ledger entry about its subject."""
    require_role(actor, Role.PARK_ADMIN, Role.ADMIN, Role.OPERATOR)
    text = note.strip()
    if not text:
        raise BadValue(zh="须填写处理说明", en="a note is required")
    warnings, _ = compute(ctx, actor=actor)
    w = next((x for x in warnings if x.key == key), None)
    if w is None:
        raise NotFound(zh="预警不存在或已消除", en="no such current warning", detail={"key": key})
    if not actor.sees_whole_park and w.enterprise_id != actor.enterprise_id:
        raise Forbidden(zh="只能处理本单位的预警", en="only the enterprise's own warnings")
    with ctx.uow() as uow:
        s = uow.session
        if s.get(WarningAck, key) is not None:
            raise Conflict(
                zh="该预警已处理", en="already acknowledged", code="warning.acknowledged"
            )
        ent = s.get_one(Enterprise, actor.enterprise_id)
        entry = uow.record(
            entry_type="warning.acknowledge",
            subject=w.subject,
            actor=actor.username,
            enterprise=ent.uscc,
            payload={"key": key, "kind": w.kind.value, "note": text, "message": w.message_zh},
        )
        s.add(
            WarningAck(
                key=key,
                park_id=actor.park_id,
                enterprise_id=w.enterprise_id,
                seq=entry.seq,
                note=text,
                actor=actor.username,
                at=ctx.now(),
            )
        )
        uow.commit()
        w.acknowledged = {
            "note": text,
            "by": actor.username,
            "at": ctx.now().isoformat(),
            "seq": entry.seq,
        }
        return w


def as_json(w: Warning) -> dict[str, Any]:
    """Return the JSON form of a warning."""
    return {
        "key": w.key,
        "kind": w.kind.value,
        "kind_zh": KIND_ZH[w.kind],
        "kind_en": KIND_EN[w.kind],
        "level": w.level.value,
        "enterprise_id": w.enterprise_id,
        "subject": w.subject,
        "message": w.message_zh,
        "message_en": w.message_en,
        "facts": w.facts,
        "acknowledged": w.acknowledged,
        "rule": rule.id if (rule := rule_for(w.kind)) else None,
    }
