"""A batch's own facts, decided before anything is written (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain import batches as rules
from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.lifecycle import BatchStatus as S

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize("day", [TODAY, TODAY - dt.timedelta(days=365)])
def test_production_dates_within_the_storage_limit_pass(day: dt.date) -> None:
    rules.check_produced_on(day, today=TODAY, storage_limit_days=365)


def test_a_future_production_date_is_refused() -> None:
    with pytest.raises(BadValue) as e:
        rules.check_produced_on(TODAY + dt.timedelta(days=1), today=TODAY, storage_limit_days=365)
    assert e.value.code == "value.future_date"


def test_a_production_date_past_the_storage_limit_is_refused() -> None:
    day = TODAY - dt.timedelta(days=366)
    with pytest.raises(BadValue) as e:
        rules.check_produced_on(day, today=TODAY, storage_limit_days=365)
    assert e.value.detail == {"produced_on": day.isoformat()}


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (10000, True), (10001, False)])
def test_package_count_bounds(count: int, ok: bool) -> None:
    if ok:
        rules.check_package_count(count)
    else:
        with pytest.raises(BadValue):
            rules.check_package_count(count)


def test_the_container_volume_is_recorded_once() -> None:
    assert rules.volume_to_record(None, 200) == 200  # none recorded yet: record it
    assert rules.volume_to_record(200, 200) is None  # the same again: nothing to record
    assert rules.volume_to_record(200, None) is None  # none given
    with pytest.raises(Conflict) as e:
        rules.volume_to_record(200, 30)
    assert e.value.code == "batch.volume_differs"
    with pytest.raises(BadValue):
        rules.volume_to_record(None, 0)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_blank_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(BadValue):
        rules.need_reason(reason)


def test_a_reason_is_trimmed() -> None:
    assert rules.need_reason("  包装破损 ") == "包装破损"


def test_which_batches_can_be_corrected_reprinted_booked() -> None:
    for status in S:
        corrected = status in {S.REGISTERED, S.LABELLED, S.STORED, S.AWAITING_PICKUP}
        if corrected:
            rules.check_correctable(status)
        else:
            with pytest.raises(Conflict):
                rules.check_correctable(status)
    with pytest.raises(Conflict):
        rules.check_reprintable(S.REGISTERED)
    rules.check_reprintable(S.LABELLED)
    rules.check_bookable("C1", S.STORED, None)
    rules.check_bookable("C1", S.AWAITING_PICKUP, None)
    with pytest.raises(Conflict) as e:
        rules.check_bookable("C1", S.LABELLED, None)
    assert e.value.code == "batch.illegal_transition"
    with pytest.raises(Conflict) as e:
        rules.check_bookable("C1", S.STORED, 7)
    assert e.value.code == "booking.batch_taken" and e.value.detail["booking_id"] == 7


def test_a_voided_label_is_unusable() -> None:
    rules.check_usable(S.STORED, "C1")
    with pytest.raises(Conflict) as e:
        rules.check_usable(S.VOIDED, "C1")
    assert e.value.code == "batch.voided"


def test_events_out_of_order_beyond_the_clock_slack() -> None:
    t = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)
    assert not rules.out_of_order(t, None)
    assert not rules.out_of_order(t - dt.timedelta(minutes=5), t)  # within the slack
    assert rules.out_of_order(t - dt.timedelta(minutes=5, seconds=1), t)
    assert not rules.out_of_order(t + dt.timedelta(hours=1), t)
