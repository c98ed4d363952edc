"""The rules of a mismatch at receipt (部令第23号 第十八条第二款) and of emergency paper manifests
(第二十条), without a database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hwtrace.domain import paper_manifests as P
from hwtrace.domain import receipts as R
from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.workdays import DayKind, WorkCalendar, deadline


def test_art18_2_what_a_decision_accepts() -> None:
    assert R.accepted_g(R.Decision.ACCEPT, 25_500, 30_000, 0) == 25_500
    assert R.accepted_g(R.Decision.ACCEPT_MEASURED, 25_500, 30_000, 1_000) == 29_000
    assert R.accepted_g(R.Decision.REJECT_RETURN, 25_500, 30_000, 0) == 0


def test_art18_2_aspects_need_a_note_and_come_in_order() -> None:
    assert R.check_aspects(["packaging", "name"], "桶破损") == [R.Aspect.NAME, R.Aspect.PACKAGING]
    assert R.check_aspects([], "") == []
    with pytest.raises(BadValue) as e:
        R.check_aspects(["colour"], "x")
    assert e.value.code == "receipt.aspect"
    with pytest.raises(BadValue) as e:
        R.check_aspects(["form"], " ")
    assert e.value.code == "receipt.aspect_note"


def test_art18_2_a_decision_needs_a_reason_and_a_mismatch() -> None:
    assert R.check_decision("accept_measured", " 以实测为准 ") == (
        R.Decision.ACCEPT_MEASURED,
        "以实测为准",
    )
    for value, reason in (("keep", "x"), ("accept", " "), ("accept", "x" * 501)):
        with pytest.raises(BadValue):
            R.check_decision(value, reason)
    with pytest.raises(Conflict) as c:
        R.require_decidable("C1", {"missing_at_receipt"}, False, "RECEIVED")
    assert c.value.code == "receipt.no_mismatch"
    with pytest.raises(Conflict) as c:
        R.require_decidable("C1", {"weight"}, True, "RECEIVED")
    assert c.value.code == "receipt.decided"
    with pytest.raises(Conflict) as c:
        R.require_decidable("C1", {"mismatch"}, False, "DISPOSED")
    assert c.value.code == "receipt.not_received"
    R.require_decidable("C1", {"partial_rejection"}, False, "RECEIVED")
    assert "第十八条第二款" in R.ARTICLE_ZH


def test_art20_ten_working_days_across_a_holiday_and_late_entries() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    # a week of holiday (1st-7th) and a make-up Saturday (the 8th) in a made-up October
    days = {dt.date(2030, 10, d): DayKind.HOLIDAY for d in range(1, 8)}
    cal = WorkCalendar(days | {dt.date(2030, 10, 12): DayKind.WORKDAY})
    at = P.transfer_instant(dt.date(2030, 9, 30), tz)
    assert at.hour == 12 and at.tzinfo is tz
    last, _ = deadline(cal, at, P.WORKING_DAYS, tz)
    # Tue 8th .. Fri 11th, Saturday the 12th (make-up), Mon 14th .. Fri 18th: ten working days
    assert last == dt.date(2030, 10, 18)
    assert not P.is_late(last, last) and P.is_late(last, last + dt.timedelta(days=1))
    assert P.WORKING_DAYS == 10 and "第二十条" in P.ARTICLE_ZH


def test_art20_what_an_entry_must_carry() -> None:
    today = dt.date(2030, 5, 6)
    assert P.check_entry(" js-0001 ", today, today, "停电") == "JS-0001"
    for number, day, reason, code in (
        ("", today, "x", "paper.number"),
        ("有汉字", today, "x", "paper.number"),
        ("A1", today + dt.timedelta(days=1), "x", "paper.transfer_day"),
        ("A1", today, " ", "paper.reason"),
    ):
        with pytest.raises(BadValue) as e:
            P.check_entry(number, day, today, reason)
        assert e.value.code == code
    P.check_scan(P.Scan("a.pdf", "application/pdf", b"%PDF-1.4"))
    for scan, code in (
        (P.Scan("a.pdf", "application/pdf", b""), "paper.scan_required"),
        (P.Scan("a.exe", "application/x-msdownload", b"MZ"), "paper.scan_type"),
        (P.Scan("a.pdf", "application/pdf", b"0" * (P.MAX_SCAN_BYTES + 1)), "paper.scan_too_large"),
    ):
        with pytest.raises(BadValue) as e:
            P.check_scan(scan)
        assert e.value.code == code
