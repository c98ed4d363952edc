"""Alembic environment: the app's read-model metadata and the ledger's, one database URL."""

from __future__ import annotations

from alembic import context

import hwtrace.store.approvals
import hwtrace.store.fleet
import hwtrace.store.monitoring
import hwtrace.store.notices
import hwtrace.store.outbox
import hwtrace.store.plans
import hwtrace.store.receipts  # noqa: F401  (their tables join Base.metadata)
import ledger.schema
from hwtrace.store import workdays as _workdays  # noqa: F401  (its tables)
from hwtrace.store.tables import Base

config = context.config
target_metadata = [Base.metadata, ledger.schema.metadata]


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        import sqlalchemy as sa

        engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connectable)


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `hwtrace db upgrade`")
run_migrations_online()
