"""The HJ 1259 record tables rebuilt from a producer's entries (no database): a year's lines
by section and the stock carried from one year to the next."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hwtrace.domain.annual_records import Replay, record_tables

SH = ZoneInfo("Asia/Shanghai")
ME, RECEIVER = "91320500MA1XY00010", "91320500MA1XY00050"


def _e(
    kind: str, subject: str, when: dt.datetime, payload: dict[str, Any], who: str = ME
) -> dict[str, Any]:
    return {
        "type": kind,
        "subject": subject,
        "actor": "p1op",
        "enterprise": who,
        "time": when,
        "payload": payload,
    }


def _entries() -> list[dict[str, Any]]:
    t = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)
    reg = {
        "producer": ME,
        "waste_code": "900-041-49",
        "category": "HW49",
        "name": "废包装桶",
        "packaging": "桶",
        "weight_kg": "100.000",
    }
    return [
        _e("batch.register", "A", t - dt.timedelta(days=400), reg),  # last year: opening stock
        _e(
            "batch.store",
            "A",
            t - dt.timedelta(days=399),
            {"to": "STORED", "room": {"name": "1号"}},
        ),
        _e("batch.register", "B", t, {**reg, "weight_kg": "50.000"}),
        _e("batch.store", "B", t, {"to": "STORED", "room": {"name": "1号"}}),
        _e(
            "manifest.create",
            "M1",
            t,
            {
                "producer": ME,
                "receiver": RECEIVER,
                "transporter": "T",
                "planned_method": "D10",
                "booking": "booking-1",
            },
        ),
        _e(
            "batch.unstore",
            "A",
            t,
            {"to": "AWAITING_PICKUP", "receiver": RECEIVER, "booking": "booking-1"},
        ),
        _e("manifest.depart", "M1", t + dt.timedelta(hours=1), {"loaded": ["A"]}),
        _e(
            "batch.receive",
            "A",
            t + dt.timedelta(days=1),
            {"to": "RECEIVED", "weight_kg": "99.000"},
            who=RECEIVER,
        ),
        _e("batch.dispose", "B", t + dt.timedelta(days=2), {"to": "DISPOSED", "method": "D10"}),
    ]


def _year(year: int) -> dict[str, list[list[Any]]]:
    replay = Replay(ME, dt.datetime(year, 1, 1, tzinfo=SH), dt.datetime(year + 1, 1, 1, tzinfo=SH))
    replay.run(_entries())
    tables = record_tables(replay, {RECEIVER: "绿源"}, {"p1op": "李工"}, SH)
    return {k: rows for k, (_, rows) in tables.items()}


def test_the_years_lines_by_section() -> None:
    t = _year(2026)
    assert [r[1] for r in t["generation"]] == ["B"]
    assert [r[1] for r in t["store_in"]] == ["B"]
    assert [(r[1], r[9], r[10]) for r in t["store_out"]] == [("A", "绿源", "M1")]
    assert [(r[1], r[8], r[9]) for r in t["self_disposal"]] == [("B", "D10 焚烧", "李工")]
    assert [(r[1], r[2], r[13]) for r in t["transfer"]] == [("M1", "A", "99.000")]


def test_stock_is_carried_over_the_years() -> None:
    (row,) = _year(2026)["summary"]
    opening, generated, disposed, transferred, closing = row[2:7]
    assert (opening, generated, disposed, transferred, closing) == (
        "100.000",
        "50.000",
        "50.000",
        "100.000",
        "0.000",
    )
    (last,) = _year(2025)["summary"]
    assert last[2] == "0.000" and last[6] == "100.000"
