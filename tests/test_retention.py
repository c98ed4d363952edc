"""Retention: manifests at least 10 years (部令第23号 第二十条), ledger records 5 years
(HJ 1259-2022). Nothing in hwtrace deletes them earlier — or at all: every delete in the code
names a table outside the records, and the ledger's tables refuse DELETE on the database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tests.factories import World

ROOT = Path(__file__).parents[1]
# Read-model rows that may be deleted: none of them is a manifest or ledger record.
DELETABLE = {
    "LoginAttempt",
    "ProfileAuthorization",
    "CalendarDay",
    "RateCounter",
    "RecoveryCode",
    # room monitoring's downsampled sensor readings and door/power/card log, pruned after 400
    # days (docs/monitoring.md); the alarms themselves are ledger entries and stay
    "ReadingBucket",
    "RoomEvent",
}
RECORDS = ("manifest", "transfer_line", "discrepancy", "batch", "ledger_entry", "ledger_node")


def _sources() -> list[Path]:
    out = []
    for pkg in ("hwtrace", "ledger", "printer", "pda_client"):
        out += [p for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    return out


def test_article_20_no_code_deletes_manifests_or_ledger_records() -> None:
    deletes: list[str] = []
    for path in _sources():
        text = path.read_text("utf-8")
        deletes += re.findall(r"sa\.delete\((\w+)\)", text)
        for m in re.finditer(r"(?i)\b(DELETE\s+FROM|TRUNCATE)\s+(\w+)", text):
            assert m.group(2).lower() not in RECORDS, f"{path}: {m.group(0)}"
        for m in re.finditer(r"\bs(?:ession)?\.delete\((\w+)\)", text):
            assert "manifest" not in m.group(1).lower(), f"{path}: {m.group(0)}"
    assert deletes, "the scan found no deletes at all: the pattern is broken"
    assert set(deletes) <= DELETABLE, set(deletes) - DELETABLE


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_node"])
def test_ledger_records_cannot_be_deleted_on_the_database(world: World, table: str) -> None:
    """HJ 1259-2022's 5 years and 第二十条's 10 years hold because the database itself refuses."""
    code = world.as_("p1op").register(world.profiles["p1"], "5")["code"]
    assert code
    log = world.ctx.settings.park_code
    engine = world.ctx.db.write_engine
    count = sa.text(f"SELECT count(*) FROM {table} WHERE log_id = :log")
    with engine.begin() as conn:
        before = conn.execute(count, {"log": log}).scalar_one()
    assert before > 0
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {table} WHERE log_id = :log"), {"log": log})
    with engine.begin() as conn:
        assert conn.execute(count, {"log": log}).scalar_one() == before
