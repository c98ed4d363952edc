"""Write-time aggregates of the read model (see ``MonthlyStat``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hwtrace.store.tables import MonthlyStat

# (park_id, producer_id, category, month "YYYY-MM", kind "gen"|"fin", grams, batches)
Delta = tuple[int, int, str, str, str, int, int]


def month_of(day: dt.date | dt.datetime) -> str:
    """Return the month key of a date."""
    return f"{day:%Y-%m}"


def add_monthly(session: Session, deltas: Iterable[Delta]) -> None:
    """Add grams and batch counts to the monthly aggregate (upsert, inside the caller's tx)."""
    merged: dict[tuple[int, int, str, str, str], list[int]] = {}
    for park, producer, cat, month, kind, grams, n in deltas:
        acc = merged.setdefault((park, producer, cat, month, kind), [0, 0])
        acc[0] += grams
        acc[1] += n
    if not merged:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "park_id": k[0],
            "producer_id": k[1],
            "category": k[2],
            "month": k[3],
            "kind": k[4],
            "grams": v[0],
            "batches": v[1],
        }
        for k, v in merged.items()
    ]
    stmt = insert(MonthlyStat)
    stmt = stmt.on_conflict_do_update(
        index_elements=["park_id", "producer_id", "category", "month", "kind"],
        set_={
            "grams": MonthlyStat.grams + stmt.excluded.grams,
            "batches": MonthlyStat.batches + stmt.excluded.batches,
        },
    )
    session.execute(stmt, rows)


__all__ = ["Delta", "add_monthly", "month_of", "sa"]
