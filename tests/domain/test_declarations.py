"""HJ 1259-2022 declarations: periods, deadlines by management class (§7.2), the report's
arithmetic (appendix C) and the moves read from ledger entries."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain.declarations import (
    ManagementClass,
    Move,
    Period,
    PeriodKind,
    c_headers,
    c_rows,
    due,
    late,
    moves_from_entries,
    province_of,
    report_rows,
)
from hwtrace.domain.errors import HwtraceError

D = dt.date
M, Q, Y = PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR


def test_periods_parse_and_deadlines() -> None:
    assert Period.parse("2026-03") == Period(2026, M, 3)
    assert Period.parse("2026-q4") == Period(2026, Q, 4)
    assert Period.parse("2026") == Period(2026, Y)
    for bad in ("2026-13", "2026-Q5", "26-01", "x", "2026-00"):
        with pytest.raises(HwtraceError) as e:
            Period.parse(bad)
        assert e.value.code == "declaration.invalid_period"
    # by the 15th of the next month; the 15th of the quarter's next month; 31 March
    assert Period(2026, M, 3).deadline == D(2026, 4, 15)
    assert Period(2026, M, 12).deadline == D(2027, 1, 15)
    assert Period(2026, Q, 1).deadline == D(2026, 4, 15)
    assert Period(2026, Q, 4).deadline == D(2027, 1, 15)
    assert Period(2026, Y).deadline == D(2027, 3, 31)
    assert Period(2026, M, 1).previous() == Period(2025, M, 12)
    assert Period(2026, Q, 1).next_day == D(2026, 4, 1)


def test_what_each_class_owes() -> None:
    today = D(2026, 5, 20)
    since = D(2026, 1, 10)
    key = [p.key for p in due(ManagementClass.KEY, today, since=since)]
    assert key == ["2026-01", "2026-02", "2026-03", "2026-04"]
    simple = [p.key for p in due(ManagementClass.SIMPLIFIED, today, since=since)]
    assert simple == ["2026-Q1"]
    assert due(ManagementClass.REGISTERED, today, since=since) == []
    yearly = [p.key for p in due(ManagementClass.REGISTERED, D(2027, 1, 2), since=since)]
    assert yearly == ["2026"]
    assert late(Period(2026, M, 4), None, D(2026, 5, 16))
    assert not late(Period(2026, M, 4), None, D(2026, 5, 15))
    assert late(Period(2026, M, 4), D(2026, 5, 16), D(2026, 6, 1))
    assert not late(Period(2026, M, 4), D(2026, 5, 15), D(2026, 6, 1))


def _t(day: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=dt.UTC)


def test_report_rows_balance() -> None:
    moves = [
        Move(_t(20, 2), "900-041-49", "generated", 1_000_000),
        Move(_t(1), "900-041-49", "generated", 500_000),
        Move(_t(2), "900-041-49", "self", 200_000, method="D10"),
        Move(_t(3), "900-041-49", "out", 700_000, "D10", "RCV"),
        Move(_t(4), "900-041-49", "out", 100_000, "R9", "RCV2"),
        Move(_t(5, 4), "900-041-49", "generated", 9_000_000),  # after the period
    ]
    start, stop = _t(1) - dt.timedelta(hours=9), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    (row,) = report_rows(moves, start, stop)
    assert (row.opening_g, row.generated_g, row.closing_g) == (1_000_000, 500_000, 500_000)
    assert row.self_g == {"D10": 200_000}
    assert row.out_g == {("RCV", "D10"): 700_000, ("RCV2", "R9"): 100_000}
    assert row.balanced()
    table = c_rows([row], {}, {"RCV": ("绿源", "JS001")})
    assert len(table) == 2 and len(table[0]) == len(c_headers(M))
    assert table[0][8] == "0.500000" and table[0][14] == "绿源" and table[0][15] == "JS001"
    assert table[1][8] == "" and table[1][17] == "0.100000" and table[1][18] == "t"


def test_headers_follow_appendix_c() -> None:
    h = c_headers(Q)
    assert h[0] == "序号" and h[4] == "危险废物代码" and h[8] == "产生量"
    assert h[19] == "上季度底剩余贮存量" and h[21] == "本季度底剩余贮存量"
    assert c_headers(M)[19] == "上月底剩余贮存量" and c_headers(Y)[21] == "本年底剩余贮存量"
    assert province_of("91320500MA1XY00010") == "江苏省" and province_of("x") == ""


def _e(kind: str, subject: str, ent: str, day: int, **payload: object) -> dict[str, object]:
    return {
        "type": kind,
        "subject": subject,
        "enterprise": ent,
        "payload": payload,
        "time": _t(day),
    }


def test_moves_from_entries() -> None:
    p, t, r = "P" * 18, "T" * 18, "R" * 18
    entries = [
        _e("batch.register", "A", p, 1, waste_code="900-041-49", weight_kg="100.000"),
        _e("batch.register", "B", p, 1, waste_code="900-041-49", weight_kg="50.000"),
        _e("batch.register", "C", p, 1, waste_code="271-001-02", weight_kg="10.000"),
        _e("batch.register", "X", "O" * 18, 1, waste_code="900-041-49", weight_kg="7"),
        _e("batch.correct", "A", p, 2, changes={"weight_kg": {"old": "100", "new": "110"}}),
        _e("batch.void", "C", p, 2),
        _e("manifest.create", "M1", p, 3, producer=p, receiver=r, planned_method="D10"),
        _e("batch.load", "A", t, 4, manifest="M1"),
        _e("batch.load", "B", t, 4, manifest="M1"),
        _e("batch.reject", "B", r, 5, manifest="M1"),
        _e("batch.dispose", "A", r, 6, method={"code": "D10"}),
        _e("batch.dispose", "B", p, 7, method={"code": "D9"}),
    ]
    moves = moves_from_entries(p, entries)
    assert [(m.kind, m.waste_code, m.grams, m.method, m.receiver) for m in moves] == [
        ("generated", "900-041-49", 100_000, "", ""),
        ("generated", "900-041-49", 50_000, "", ""),
        ("generated", "271-001-02", 10_000, "", ""),
        ("generated", "900-041-49", 10_000, "", ""),
        ("generated", "271-001-02", -10_000, "", ""),
        ("out", "900-041-49", 110_000, "D10", r),
        ("out", "900-041-49", 50_000, "D10", r),
        ("out", "900-041-49", -50_000, "D10", r),
        ("self", "900-041-49", 50_000, "D9", ""),
    ]
