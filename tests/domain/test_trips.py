"""部令第23号 第十六条: one manifest per trip and 移出人; several kinds on one manifest or one
per kind, as the 移出人 chooses."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hwtrace.domain.errors import Conflict
from hwtrace.domain.trips import check_one_shipper, split_by_kind, trip_day


def test_article_16_a_manifest_never_mixes_two_shippers() -> None:
    check_one_shipper(1, [1, 1, 1])
    with pytest.raises(Conflict) as e:
        check_one_shipper(1, [1, 2])
    assert e.value.code == "manifest.mixed_shippers"
    assert "第十六条" in e.value.message_zh and "art. 16" in e.value.message_en


def test_article_16_one_manifest_per_kind_when_the_shipper_chooses() -> None:
    kinds = {"a": "900-041-49", "b": "271-001-02", "c": "900-041-49"}
    assert split_by_kind(["a", "b", "c"], kinds) == [["a", "c"], ["b"]]
    assert split_by_kind(["a", "c"], kinds) == [["a", "c"]]


def test_article_16_a_trip_is_a_vehicle_on_a_park_day() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    planned = dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC)  # 3 March 01:00 in Beijing
    assert trip_day(None, planned, tz) == dt.date(2026, 3, 3)
    departed = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    assert trip_day(departed, planned, tz) == dt.date(2026, 3, 2)
