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
