"""Times as the park reads them (no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hwtrace.domain import times
from hwtrace.domain.errors import BadValue

SH = ZoneInfo("Asia/Shanghai")


def test_zone_labels() -> None:
    assert times.zone_label("Asia/Shanghai") == "北京时间"
    assert times.zone_label("Europe/Berlin") == "Europe/Berlin"


def test_local_text() -> None:
    t = dt.datetime(2026, 1, 1, 16, 30, tzinfo=dt.UTC)
    assert times.local_text(t, SH) == "2026-01-02 00:30:00"
    assert times.local_text(None, SH) == ""


def test_day_ranges_are_whole_local_days() -> None:
    start, stop = times.day_range(dt.date(2026, 1, 1), dt.date(2026, 1, 1), SH)
    assert start == dt.datetime(2026, 1, 1, tzinfo=SH) and stop == dt.datetime(
        2026, 1, 2, tzinfo=SH
    )
    assert times.day_range(None, None, SH) == (None, None)
    with pytest.raises(BadValue):
        times.day_range(dt.date(2026, 1, 2), dt.date(2026, 1, 1), SH)
    with pytest.raises(BadValue):
        times.day_range(dt.datetime(2026, 1, 1), None, SH)  # a time without a zone
