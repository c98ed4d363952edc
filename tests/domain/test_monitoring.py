"""Room monitoring rules: topics, payloads, thresholds held for a time, silence, power, doors
and cards; each alarm clears when its condition ends."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain import monitoring as M
from hwtrace.domain.monitoring import AlarmKind as A
from hwtrace.domain.monitoring import SensorKind as K

T0 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai
SH = dt.timezone(dt.timedelta(hours=8))
RULES = M.RoomRules.from_json(
    {
        "thresholds": {"temperature": {"max": 30, "min": 0, "minutes": 5}},
        "silent_minutes": 10,
        "expected": ["temperature"],
        "working_hours": {"start": "08:00", "end": "18:00", "days": [1, 2, 3, 4, 5]},
        "cards": ["CARD-1"],
    }
)


def reading(kind: K, value: float | str, at: dt.datetime = T0) -> M.Reading:
    return M.Reading(kind, at, float(value) if isinstance(value, int) else value, "")


def test_topic_is_parsed_and_bad_ones_refused() -> None:
    t = M.parse_topic("hwtrace/P1/rooms/R-01/temperature")
    assert (t.park, t.room, t.kind) == ("P1", "R-01", K.TEMPERATURE)
    for bad in (
        "hwtrace/P1/rooms/R-01",
        "hwtrace/P1/rooms/R-01/smoke",
        "other/P1/rooms/R-01/door",
        "hwtrace/P1/room/R-01/door",
        "hwtrace/P1/rooms/R 01/door",
        "hwtrace/P1/rooms/R-01/door/extra",
    ):
        with pytest.raises(M.BadMessage) as err:
            M.parse_topic(bad)
        assert err.value.reason == "topic"


def test_payloads() -> None:
    r = M.parse_payload(
        K.TEMPERATURE, b'{"ts": "2026-11-30T10:00:00+08:00", "value": 21.5, "unit": "C"}'
    )
    assert r.ts == T0 and r.value == 21.5 and r.unit == "C"
    assert (
        M.parse_payload(K.POWER, b'{"ts": "2026-11-30T02:00:00Z", "value": "off"}').value == "off"
    )
    assert (
        M.parse_payload(K.ACCESS, b'{"ts": "2026-11-30T02:00:00Z", "value": "CARD-9"}').value
        == "CARD-9"
    )
    cases = [
        (K.TEMPERATURE, b"{not json", "json"),
        (K.TEMPERATURE, b"\xff\xfe", "json"),
        (K.TEMPERATURE, b"[1, 2]", "payload"),
        (K.TEMPERATURE, b'{"ts": "2026-11-30T02:00:00Z", "value": "hot"}', "payload"),
        (K.TEMPERATURE, b'{"ts": "2026-11-30T02:00:00Z", "value": true}', "payload"),
        (K.TEMPERATURE, b'{"ts": "2026-11-30T02:00:00", "value": 1}', "payload"),
        (K.TEMPERATURE, b'{"ts": "yesterday", "value": 1}', "payload"),
        (K.TEMPERATURE, b'{"value": 1}', "payload"),
        (K.DOOR, b'{"ts": "2026-11-30T02:00:00Z", "value": "ajar"}', "payload"),
        (K.POWER, b'{"ts": "2026-11-30T02:00:00Z", "value": 1}', "payload"),
        (K.VOC, b'{"ts": "2026-11-30T02:00:00Z", "value": 1e999}', "payload"),
    ]
    for kind, raw, reason in cases:
        with pytest.raises(M.BadMessage) as err:
            M.parse_payload(kind, raw)
        assert err.value.reason == reason, raw


def test_threshold_must_hold_for_its_minutes_then_clears() -> None:
    st = M.SensorState(K.TEMPERATURE)
    high = M.alarm_key(K.TEMPERATURE, A.ABOVE_MAX)
    d = M.step(RULES, st, reading(K.TEMPERATURE, 35), T0.astimezone(SH))
    assert d.get(high) is not True  # crossed, not yet held
    at = T0 + dt.timedelta(minutes=4)
    assert (
        M.step(RULES, st, reading(K.TEMPERATURE, 36, at), at.astimezone(SH)).get(high) is not True
    )
    at = T0 + dt.timedelta(minutes=5)
    assert M.step(RULES, st, reading(K.TEMPERATURE, 36, at), at.astimezone(SH))[high] is True
    at = T0 + dt.timedelta(minutes=6)
    d = M.step(RULES, st, reading(K.TEMPERATURE, 20, at), at.astimezone(SH))
    assert d[high] is False and st.beyond is None


def test_a_dip_back_within_limits_restarts_the_clock() -> None:
    st = M.SensorState(K.TEMPERATURE)
    high = M.alarm_key(K.TEMPERATURE, A.ABOVE_MAX)
    for minute, value in ((0, 35), (3, 25), (4, 35), (8, 35)):
        at = T0 + dt.timedelta(minutes=minute)
        d = M.step(RULES, st, reading(K.TEMPERATURE, value, at), at.astimezone(SH))
    assert d.get(high) is not True
    at = T0 + dt.timedelta(minutes=9)
    assert M.step(RULES, st, reading(K.TEMPERATURE, 35, at), at.astimezone(SH))[high] is True


def test_time_alone_raises_a_held_threshold_and_a_silent_sensor() -> None:
    st = M.SensorState(K.TEMPERATURE)
    M.step(RULES, st, reading(K.TEMPERATURE, -3), T0.astimezone(SH))
    low = M.alarm_key(K.TEMPERATURE, A.BELOW_MIN)
    silent = M.alarm_key(K.TEMPERATURE, A.SILENT)
    now = T0 + dt.timedelta(minutes=5)
    assert M.due(RULES, {K.TEMPERATURE: st}, now, now.astimezone(SH)) == {low: True}
    now = T0 + dt.timedelta(minutes=10)
    assert M.due(RULES, {K.TEMPERATURE: st}, now, now.astimezone(SH))[silent] is True
    # an expected sensor never heard of is silent too
    assert M.due(RULES, {}, now, now.astimezone(SH)) == {silent: True}
    # a new reading ends the silence
    d = M.step(RULES, st, reading(K.TEMPERATURE, 10, now), now.astimezone(SH))
    assert d[silent] is False and d[low] is False


def test_power_door_and_cards() -> None:
    power = M.SensorState(K.POWER)
    key = M.alarm_key(K.POWER, A.POWER_OFF)
    assert M.step(RULES, power, reading(K.POWER, "off"), T0.astimezone(SH))[key] is True
    later = T0 + dt.timedelta(seconds=1)
    assert M.step(RULES, power, reading(K.POWER, "on", later), later.astimezone(SH))[key] is False

    door = M.SensorState(K.DOOR)
    after = M.alarm_key(K.DOOR, A.DOOR_AFTER_HOURS)
    assert M.step(RULES, door, reading(K.DOOR, "open"), T0.astimezone(SH))[after] is False
    night = T0 + dt.timedelta(hours=12)  # 22:00 local
    assert M.step(RULES, door, reading(K.DOOR, "open", night), night.astimezone(SH))[after] is True
    sunday = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
    assert not RULES.hours.contains(sunday.astimezone(SH))
    # a door opened in working hours and left open past them: time raises it
    door2 = M.SensorState(K.DOOR)
    M.step(RULES, door2, reading(K.DOOR, "open"), T0.astimezone(SH))
    assert M.due(RULES, {K.DOOR: door2}, night, night.astimezone(SH))[after] is True

    card = M.SensorState(K.ACCESS)
    bad = M.alarm_key(K.ACCESS, A.UNAUTHORIZED_CARD)
    assert M.step(RULES, card, reading(K.ACCESS, "CARD-9"), T0.astimezone(SH))[bad] is True
    assert (
        M.step(RULES, card, reading(K.ACCESS, "CARD-1", later), later.astimezone(SH))[bad] is False
    )
    closed = M.step(
        RULES,
        door,
        reading(K.DOOR, "closed", night + dt.timedelta(seconds=1)),
        night.astimezone(SH),
    )
    assert closed[after] is False and closed[bad] is False


def test_an_older_reading_changes_nothing() -> None:
    st = M.SensorState(K.POWER)
    M.step(RULES, st, reading(K.POWER, "on"), T0.astimezone(SH))
    early = T0 - dt.timedelta(minutes=1)
    assert M.step(RULES, st, reading(K.POWER, "off", early), early.astimezone(SH)) == {}
    assert st.last_value == "on"


def test_rules_round_trip_and_refuse_nonsense() -> None:
    assert M.RoomRules.from_json(RULES.to_json()) == RULES
    with pytest.raises(ValueError):
        M.RoomRules.from_json({"thresholds": {"temperature": {"min": 5, "max": 5}}})
    with pytest.raises(ValueError):
        M.RoomRules.from_json({"thresholds": {"door": {"max": 1}}})


def test_downsampling_buckets_keep_a_year_small() -> None:
    ts = dt.datetime(2026, 11, 30, 2, 7, 31, tzinfo=dt.UTC)
    assert M.bucket_start(ts, "5m") == dt.datetime(2026, 11, 30, 2, 5, tzinfo=dt.UTC)
    assert M.bucket_start(ts, "1h") == dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
    rows = sum(M.RETENTION[r] * 86400 // M.BUCKET_SECONDS[r] for r in M.RETENTION)
    assert rows < 12_000  # against 525,600 raw readings a year at one a minute


def test_a_code_with_a_final_newline_is_refused() -> None:
    with pytest.raises(M.BadMessage):
        M.parse_topic("hwtrace/P1/rooms/R1\n/door")
    assert M.CODE_RE.match("R1\n") is None
