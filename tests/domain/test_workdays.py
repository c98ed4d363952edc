"""部令第23号 第十八条 (receipt: 5 working days) and 第二十条 (emergency paper manifest: 10
working days), counted on the shipped State Council arrangements of 2025 and 2026."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

import schemas
from hwtrace.domain.errors import BadValue
from hwtrace.domain.workdays import (
    PAPER_ENTRY_WORKING_DAYS,
    RECEIPT_WORKING_DAYS,
    DayKind,
    WorkCalendar,
    deadline,
    parse_csv,
    shipped_days,
    to_csv,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def _shipped() -> WorkCalendar:
    return WorkCalendar({d.day: d.kind for d in shipped_days()})


def test_article_18_receipt_across_spring_festival_2026() -> None:
    cal = _shipped()
    # Departure Friday 13 February 2026 (北京时间 evening, still the 13th in UTC too).
    start = dt.datetime(2026, 2, 13, 18, 0, tzinfo=SHANGHAI)
    last, ends = deadline(cal, start, RECEIPT_WORKING_DAYS, SHANGHAI)
    # Saturday 14 Feb is a make-up working day (1); 15–23 Feb is the holiday; then 24–27 (2–5).
    assert cal.is_working_day(D(2026, 2, 14))
    assert not any(cal.is_working_day(D(2026, 2, d)) for d in range(15, 24))
    assert last == D(2026, 2, 27)
    assert ends == dt.datetime(2026, 2, 28, tzinfo=SHANGHAI)
    # Without the arrangement (weekends only) the deadline would have been 20 February.
    assert WorkCalendar({}).add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 20)


def test_article_18_receipt_across_spring_festival_2025() -> None:
    cal = _shipped()
    # Friday 24 Jan 2025: Sunday 26 Jan works (1), Mon 27 (2), 28 Jan–4 Feb off, 5–7 Feb (3–5).
    assert cal.add_working_days(D(2025, 1, 24), RECEIPT_WORKING_DAYS) == D(2025, 2, 7)
    # Saturday 8 Feb 2025 is a make-up working day.
    assert cal.add_working_days(D(2025, 2, 7), 1) == D(2025, 2, 8)


def test_article_20_paper_manifest_entry_over_national_day_2026() -> None:
    cal = _shipped()
    # Paper transfer Wednesday 30 Sep 2026: 1–7 Oct off; 8, 9, Sat 10 (make-up), 12–16, 19–20
    assert cal.add_working_days(D(2026, 9, 30), PAPER_ENTRY_WORKING_DAYS) == D(2026, 10, 20)


def test_deadline_is_counted_on_the_parks_date() -> None:
    cal = _shipped()
    # 2026-02-13 17:00 UTC is already Saturday 14 Feb 01:00 in Beijing.
    start = dt.datetime(2026, 2, 13, 17, 0, tzinfo=dt.UTC)
    last, _ = deadline(cal, start, 1, SHANGHAI)
    assert last == D(2026, 2, 24)


def test_calendar_file_is_checked_line_by_line() -> None:
    text = "date,kind,name\n2026-02-14,workday,春节\n2026-02-16,workday,typo\nx,holiday,\n"
    with pytest.raises(BadValue) as e:
        parse_csv(text)
    assert e.value.code == "calendar.invalid"
    assert len(e.value.detail["problems"]) == 2
    days = parse_csv("date,kind\n2027-01-01,放假\n2027-01-02,holiday\n")
    assert [d.kind for d in days] == [DayKind.HOLIDAY, DayKind.HOLIDAY]
    assert parse_csv(to_csv(days)) == days


def test_shipped_arrangements_cover_2025_and_2026() -> None:
    src = schemas.source("workdays-cn")
    assert "国办发明电〔2024〕12号" in src["source"]
    days = shipped_days()
    assert {d.day.year for d in days} == {2025, 2026}
    assert sum(d.kind is DayKind.WORKDAY for d in days) == 5 + 6
