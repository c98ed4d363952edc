"""What the readiness check and the metrics read: the schema revision against the code's head,
and the ledger's size against its newest signed checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext

from hwtrace import migrate
from hwtrace.services.context import Context


def schema_revisions(ctx: Context) -> tuple[str | None, str | None]:
    """Return the database's schema revision and the code's head (raises if unreachable)."""
    with ctx.db.read_session() as s:
        have = MigrationContext.configure(s.connection()).get_current_revision()
    return have, migrate.head(ctx.db.url)


@dataclass(frozen=True)
class LedgerState:
    """The park ledger's size and the size its newest signed checkpoint covers."""

    size: int
    signed_size: int


def ledger_state(ctx: Context) -> LedgerState:
    """Return the ledger's size and its newest signed checkpoint's tree size."""
    with ctx.db.read_session() as s:
        conn = s.connection()
        size = ctx.log.size(conn)
        note = ctx.log.latest_checkpoint(conn)
    # A C2SP checkpoint note: origin, tree size, root, blank line, signatures.
    signed = int(note.split("\n")[1]) if note else 0
    return LedgerState(size=size, signed_size=signed)


def open_room_alarms(ctx: Context) -> dict[str, int]:
    """Return the rooms' open alarms (raised, not yet cleared) by kind, across the database."""
    import sqlalchemy as sa

    from hwtrace.store.monitoring import RoomAlarm

    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(RoomAlarm.key, sa.func.count())
            .where(RoomAlarm.cleared_at.is_(None))
            .group_by(RoomAlarm.key)
        ).all()
    return {str(k): int(n) for k, n in rows}


def outbox_depth(ctx: Context) -> dict[str, int]:
    """Return the notifications queue: deliveries waiting (pending) and given up (failed)."""
    import sqlalchemy as sa

    from hwtrace.domain.notifications import DeliveryStatus
    from hwtrace.store.outbox import Delivery

    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(Delivery.status, sa.func.count())
            .where(Delivery.status != DeliveryStatus.DELIVERED)
            .group_by(Delivery.status)
        ).all()
    counts = {str(status): 0 for status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED)}
    counts.update({str(DeliveryStatus(k)): int(n) for k, n in rows})
    return counts
