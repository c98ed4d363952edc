"""Discrepancies of a transfer (weight, missing at loading or receipt, rejection): opened by the
step that finds them, resolved with an explanation; both are ledger entries about the batch."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hwtrace.domain.access import Actor, Role
from hwtrace.domain.batches import need_reason
from hwtrace.domain.errors import Conflict, Forbidden, NotFound
from hwtrace.domain.notifications import Event
from hwtrace.domain.receipts import ARTICLE_ZH, RECEIPT_KINDS
from hwtrace.domain.transport import (
    DISCREPANCY_ZH,
    DiscrepancyKind,
)
from hwtrace.services import notifications, parties
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Discrepancy,
    Enterprise,
    Manifest,
)
from hwtrace.store.unit_of_work import UnitOfWork


def open_discrepancy(
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
    d.opened_seq = parties.record(
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


def tell_shipper(uow: UnitOfWork, manifest: Manifest, opened: list[Discrepancy]) -> None:
    """Queue the ``receipt.mismatch`` notification of the discrepancies a receipt opened for
    the 移出人's enterprise (and the park), in the receipt's own transaction
    (《危险废物转移管理办法》第十八条第二款: the receiver informs the 移出人 promptly)."""
    found = [d for d in opened if DiscrepancyKind(d.kind) in RECEIPT_KINDS]
    if not found:
        return
    words = "、".join(f"{d.code} {DISCREPANCY_ZH[DiscrepancyKind(d.kind)]}" for d in found)
    receiver = uow.session.get_one(Enterprise, manifest.receiver_id)
    notifications.emit(
        uow,
        park_id=manifest.park_id,
        enterprise_ids=[manifest.producer_id],
        event=Event.RECEIPT_MISMATCH,
        data={
            "title": f"联单 {manifest.number} 接收核对不符：{words}",
            "manifest": manifest.number,
            "receiver": receiver.name,
            "article": ARTICLE_ZH,
            "batches": [
                {"code": d.code, "kind": d.kind, "discrepancy": d.id, "facts": d.facts}
                for d in found
            ],
        },
    )


def list_discrepancies(ctx: Context, *, actor: Actor, open_only: bool = False) -> list[Discrepancy]:
    """Return the discrepancies the caller is a party to (the whole park for park roles)."""
    cond = [parties.party_cond(actor, Discrepancy)]
    if open_only:
        cond.append(Discrepancy.resolved_seq.is_(None))
    with ctx.db.read_session() as s:
        return list(s.scalars(sa.select(Discrepancy).where(*cond).order_by(Discrepancy.id)))


def _check(actor: Actor, d: Discrepancy | None) -> Discrepancy:
    if d is None or not parties.visible(actor, d):
        raise NotFound(zh="差异记录不存在", en="no such discrepancy")
    if actor.role is Role.AUDITOR:
        raise Forbidden(zh="审计人员只读", en="auditors may not change anything")
    return d


def authorize(ctx: Context, *, actor: Actor, discrepancy_id: int) -> None:
    """Check, before the request is read, that the caller may resolve the discrepancy."""
    with ctx.db.read_session() as s:
        _check(actor, s.get(Discrepancy, discrepancy_id))


def resolve_discrepancy(
    ctx: Context, *, actor: Actor, discrepancy_id: int, resolution: str
) -> Discrepancy:
    """Close a discrepancy with an explanation (a new entry; the opening one stays)."""
    with ctx.uow() as uow:
        s = uow.session
        d = _check(
            actor,
            s.execute(
                sa.select(Discrepancy).where(Discrepancy.id == discrepancy_id).with_for_update()
            ).scalar_one_or_none(),
        )
        why = need_reason(resolution)
        if d.resolved_seq is not None:
            raise Conflict(
                zh="该差异已处理",
                en="the discrepancy was resolved already",
                code="discrepancy.resolved",
            )
        batch = s.get_one(Batch, d.batch_id)
        seq = parties.record(
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
