"""A handheld's sync batch: its items are applied in groups (see ``api/sync.py``).

On SQLite the items of a group share one database transaction, each item in a savepoint
(``store.unit_of_work.shared_transaction``): one write lock and one commit for the group. On
PostgreSQL each item keeps its own transaction (row locks carried from one item into the next
could deadlock with another writer).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hwtrace.services.context import Context
from hwtrace.store.unit_of_work import shared_transaction


@contextmanager
def item_group(ctx: Context) -> Iterator[None]:
    """Apply the items inside the block as one group (committed together on SQLite)."""
    if ctx.db.dialect != "sqlite":
        yield
        return
    with shared_transaction(ctx.db):
        yield
