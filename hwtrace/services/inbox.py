"""The to-do inbox (待办): what waits for the caller, gathered from the services that own each
thing — cases to handle or verify, bookings to accept, manifests to receive, declarations
due, park notices not yet acknowledged — and any source registered in ``SOURCES``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from hwtrace.domain.access import Actor, EnterpriseKind, Role
from hwtrace.domain.cases import STATUS_ZH, CaseStatus
from hwtrace.domain.transport import BookingStatus, ManifestStatus
from hwtrace.services import declarations, notices, receipts
from hwtrace.services.context import Context
from hwtrace.store.monitoring import CaseFile
from hwtrace.store.tables import Booking, Enterprise, Manifest


@dataclass(frozen=True)
class Todo:
    """One thing waiting for the caller; ``ref`` names it for its page (a case id, a booking
    id, a manifest number, a period)."""

    kind: str  # case / booking / manifest / declaration / notice / mismatch / receipt
    ref: str
    title_zh: str
    title_en: str
    due: dt.datetime | dt.date | None = None
    urgent: bool = False


# Further sources of to-dos, each called with the context and the caller:
#     inbox.SOURCES.append(lambda ctx, actor: [Todo("...", ...), ...])
SOURCES: list[Callable[[Context, Actor], list[Todo]]] = []


def todo(ctx: Context, *, actor: Actor) -> list[Todo]:
    """Return the caller's to-dos, the urgent and the earliest first."""
    items = [
        *_cases(ctx, actor),
        *_transfers(ctx, actor),
        *_declarations(ctx, actor),
        *_notices(ctx, actor),
        *_receipts(ctx, actor),
    ]
    for source in SOURCES:
        items += source(ctx, actor)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def when(t: Todo) -> dt.datetime:
        if t.due is None:
            return far
        if isinstance(t.due, dt.datetime):
            return t.due
        return dt.datetime.combine(t.due, dt.time(), dt.UTC)

    return sorted(items, key=lambda t: (not t.urgent, when(t), t.kind, t.ref))


def _cases(ctx: Context, actor: Actor) -> list[Todo]:
    now = ctx.now()
    with ctx.db.read_session() as s:
        q = sa.select(CaseFile).where(CaseFile.park_id == actor.park_id)
        if actor.role is Role.PARK_ADMIN:
            q = q.where(
                sa.or_(
                    CaseFile.status == CaseStatus.HANDLED.value,
                    sa.and_(CaseFile.status != CaseStatus.CLOSED.value, CaseFile.escalation >= 2),
                )
            )
        elif actor.role in (Role.ADMIN, Role.OPERATOR):
            q = q.where(
                CaseFile.assignee_id == actor.enterprise_id,
                CaseFile.status == CaseStatus.ASSIGNED.value,
            )
        else:
            return []
        rows = list(s.scalars(q.order_by(CaseFile.due_at).limit(200)))
    return [
        Todo(
            "case",
            str(c.id),
            f"{STATUS_ZH[CaseStatus(c.status)]}：{c.title_zh}",
            f"{c.status}: {c.title_en}",
            c.due_at,
            c.due_at <= now or c.severity == "red",
        )
        for c in rows
    ]


def _transfers(ctx: Context, actor: Actor) -> list[Todo]:
    if actor.role not in (Role.ADMIN, Role.OPERATOR):
        return []
    out: list[Todo] = []
    with ctx.db.read_session() as s:
        names = {
            r.id: r.name
            for r in s.execute(
                sa.select(Enterprise.id, Enterprise.name).where(Enterprise.park_id == actor.park_id)
            )
        }
        if actor.enterprise_kind is EnterpriseKind.TRANSPORTER:
            for b in s.scalars(
                sa.select(Booking).where(
                    Booking.transporter_id == actor.enterprise_id,
                    Booking.status == BookingStatus.REQUESTED.value,
                )
            ):
                who = names.get(b.producer_id, "")
                out.append(
                    Todo(
                        "booking",
                        str(b.id),
                        f"待受理预约 #{b.id}：{who}",
                        f"booking #{b.id} to accept: {who}",
                        b.window_start,
                    )
                )
        if actor.enterprise_kind is EnterpriseKind.RECEIVER:
            for m in s.scalars(
                sa.select(Manifest).where(
                    Manifest.receiver_id == actor.enterprise_id,
                    Manifest.status == ManifestStatus.IN_TRANSIT.value,
                )
            ):
                who = names.get(m.producer_id, "")
                out.append(
                    Todo(
                        "manifest",
                        m.number,
                        f"待接收联单 {m.number}：{who}",
                        f"manifest {m.number} to receive: {who}",
                        m.receipt_due_at,
                    )
                )
    return out


def _declarations(ctx: Context, actor: Actor) -> list[Todo]:
    if actor.role is not Role.ADMIN:
        return []
    return [
        Todo(
            "declaration",
            d.period.key,
            f"待申报 {d.period.key}（截止 {d.deadline.isoformat()}）",
            f"declaration {d.period.key} due {d.deadline.isoformat()}",
            d.deadline,
            d.late or d.remind,
        )
        for d in declarations.todo(ctx, actor=actor)
        if d.version == 0
    ]


def _notices(ctx: Context, actor: Actor) -> list[Todo]:
    """The park's notices the caller's enterprise has not acknowledged yet."""
    return [
        Todo("notice", str(n.id), f"园区通知：{n.title}", f"park notice: {n.title}", n.published_at)
        for n in notices.unacknowledged(ctx, actor=actor)
    ]


def _receipts(ctx: Context, actor: Actor) -> list[Todo]:
    """Receipt mismatches (第十八条第二款): for the receiver, batches to decide about; for the
    移出人, the mismatches it was told of and has not explained yet."""
    out = []
    for what, number, n in receipts.todo_counts(ctx, actor=actor):
        if what == "decide":
            out.append(
                Todo(
                    "receipt",
                    number,
                    f"联单 {number} 接收核对不符：{n} 批待决定是否接收",
                    f"manifest {number} not as declared: decide about {n} batch(es)",
                    urgent=True,
                )
            )
        else:
            out.append(
                Todo(
                    "mismatch",
                    number,
                    f"联单 {number} 接收核对不符：{n} 项待说明",
                    f"manifest {number} not as declared at receipt: {n} to explain",
                    urgent=True,
                )
            )
    return out
