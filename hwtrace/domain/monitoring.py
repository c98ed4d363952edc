"""Storage rooms watched by their sensors (环境参数、断电告警、门禁): the MQTT topic and payload a
sensor or its gateway publishes, each room's rules, and the alarms they raise and clear.

Topic ``hwtrace/<park code>/rooms/<room code>/<kind>``; payload JSON
``{"ts": "<RFC 3339>", "value": <number or string>, "unit": "<unit>"}`` (docs/monitoring.md).

=====================  =====  ============================================================
alarm                  level  raised while
=====================  =====  ============================================================
above_max              red    a temperature, humidity or VOC reading has stayed above the
                              room's maximum for at least the rule's minutes
below_min              amber  ... below the room's minimum for at least the rule's minutes
silent                 amber  a sensor the room expects has sent nothing for the room's
                              silent minutes
power_off              red    the room's power sensor reports "off" (断电告警)
door_after_hours       red    the door is open outside the room's working hours
unauthorized_card      red    a card not on the room's list was presented (门禁); cleared by
                              an authorized card or the door closing
=====================  =====  ============================================================

An alarm clears when its condition ends. Readings are kept as 5-minute buckets for
``RETENTION["5m"]`` days and hourly buckets for ``RETENTION["1h"]`` days (min, max, mean), so a
year of one reading a minute per sensor is about 12,000 rows instead of 525,600.

The rules are the park's own settings, not a national standard's: GB 18597-2023 (6.1) asks
for storage that keeps wastes from sun, rain and leaks and for monitoring where the waste
gives off volatile organics; HJ 1259-2022 asks for video and records of the storage room. The
limits themselves are each room's configuration.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SensorKind(StrEnum):
    """What a sensor measures (the last part of the topic)."""

    TEMPERATURE = "temperature"
    HUMIDITY = "humidity"
    VOC = "voc"
    POWER = "power"
    DOOR = "door"
    ACCESS = "access"


NUMERIC = (SensorKind.TEMPERATURE, SensorKind.HUMIDITY, SensorKind.VOC)
STATES = {SensorKind.POWER: ("on", "off"), SensorKind.DOOR: ("open", "closed")}


class AlarmKind(StrEnum):
    """What an alarm is about."""

    ABOVE_MAX = "above_max"
    BELOW_MIN = "below_min"
    SILENT = "silent"
    POWER_OFF = "power_off"
    DOOR_AFTER_HOURS = "door_after_hours"
    UNAUTHORIZED_CARD = "unauthorized_card"


ALARM_ZH = {
    AlarmKind.ABOVE_MAX: "超上限",
    AlarmKind.BELOW_MIN: "低于下限",
    AlarmKind.SILENT: "传感器离线",
    AlarmKind.POWER_OFF: "断电",
    AlarmKind.DOOR_AFTER_HOURS: "非工作时间开门",
    AlarmKind.UNAUTHORIZED_CARD: "未授权门禁卡",
}
ALARM_EN = {
    AlarmKind.ABOVE_MAX: "above the maximum",
    AlarmKind.BELOW_MIN: "below the minimum",
    AlarmKind.SILENT: "sensor silent",
    AlarmKind.POWER_OFF: "power off",
    AlarmKind.DOOR_AFTER_HOURS: "door open outside working hours",
    AlarmKind.UNAUTHORIZED_CARD: "card not authorized",
}
SENSOR_ZH = {
    SensorKind.TEMPERATURE: "温度",
    SensorKind.HUMIDITY: "湿度",
    SensorKind.VOC: "VOC",
    SensorKind.POWER: "电源",
    SensorKind.DOOR: "门",
    SensorKind.ACCESS: "门禁",
}
RED = {
    AlarmKind.ABOVE_MAX,
    AlarmKind.POWER_OFF,
    AlarmKind.DOOR_AFTER_HOURS,
    AlarmKind.UNAUTHORIZED_CARD,
}

# Downsampling: bucket seconds and days kept, per resolution.
BUCKET_SECONDS = {"5m": 300, "1h": 3600}
RETENTION = {"5m": 8, "1h": 400}

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}\Z")
MAX_PAYLOAD = 1024


class BadMessage(Exception):
    """A message the monitor ignores: ``reason`` is ``topic``, ``json``, ``payload`` or
    ``room``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Topic:
    """Where a reading comes from."""

    park: str
    room: str
    kind: SensorKind


def topic_filter(park_code: str) -> str:
    """Return the subscription that receives every room's readings of a park."""
    return f"hwtrace/{park_code}/rooms/+/+"


def parse_topic(topic: str) -> Topic:
    """Split ``hwtrace/<park>/rooms/<room>/<kind>``; raise ``BadMessage('topic')``."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != "hwtrace" or parts[2] != "rooms":
        raise BadMessage("topic", topic[:200])
    park, room, kind = parts[1], parts[3], parts[4]
    if not CODE_RE.match(park) or not CODE_RE.match(room):
        raise BadMessage("topic", topic[:200])
    try:
        return Topic(park, room, SensorKind(kind))
    except ValueError:
        raise BadMessage("topic", topic[:200]) from None


@dataclass(frozen=True)
class Reading:
    """One sensor message: the sensor's time (UTC), its value and unit."""

    kind: SensorKind
    ts: dt.datetime
    value: float | str
    unit: str = ""

    @property
    def number(self) -> float | None:
        """Return the value as a number (numeric kinds only)."""
        return self.value if isinstance(self.value, float) else None


def parse_payload(kind: SensorKind, raw: bytes) -> Reading:
    """Read the JSON payload of a ``kind`` sensor; raise ``BadMessage('json'|'payload')``."""
    if len(raw) > MAX_PAYLOAD:
        raise BadMessage("payload", "too long")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadMessage("json", repr(raw[:80])) from None
    if not isinstance(doc, dict) or not {"ts", "value"} <= doc.keys():
        raise BadMessage("payload", "an object with ts and value is required")
    ts = _rfc3339(doc["ts"])
    unit = doc.get("unit", "")
    if not isinstance(unit, str) or len(unit) > 16:
        raise BadMessage("payload", "unit must be a short string")
    value = doc["value"]
    if kind in NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadMessage("payload", f"{kind} needs a number")
        number = float(value)
        if not math.isfinite(number):
            raise BadMessage("payload", "not a finite number")
        return Reading(kind, ts, number, unit)
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise BadMessage("payload", f"{kind} needs a string value")
    if kind in STATES and value not in STATES[kind]:
        raise BadMessage("payload", f"{kind} is one of {'/'.join(STATES[kind])}")
    return Reading(kind, ts, value, unit)


def _rfc3339(value: Any) -> dt.datetime:
    if not isinstance(value, str) or "T" not in value.upper():
        raise BadMessage("payload", "ts must be an RFC 3339 date-time")
    try:
        ts = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise BadMessage("payload", "ts must be an RFC 3339 date-time") from None
    if ts.tzinfo is None:
        raise BadMessage("payload", "ts needs a time zone offset")
    return ts.astimezone(dt.UTC)


@dataclass(frozen=True)
class Threshold:
    """Limits of a numeric sensor, crossed for at least ``minutes`` before an alarm."""

    min: float | None = None
    max: float | None = None
    minutes: int = 0


@dataclass(frozen=True)
class WorkingHours:
    """When the door may be open: ``start``–``end`` local time on ``days`` (1 = Monday)."""

    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(18, 0)
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})

    def contains(self, local: dt.datetime) -> bool:
        """Return whether a park-local time is within working hours."""
        return local.isoweekday() in self.days and self.start <= local.time() < self.end


@dataclass(frozen=True)
class RoomRules:
    """One room's monitoring settings."""

    thresholds: dict[SensorKind, Threshold] = field(default_factory=dict)
    silent_minutes: int = 10
    expected: frozenset[SensorKind] = frozenset()  # sensors whose silence raises an alarm
    hours: WorkingHours = field(default_factory=WorkingHours)
    cards: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (the API's body and the stored column)."""
        return {
            "thresholds": {
                k.value: {"min": t.min, "max": t.max, "minutes": t.minutes}
                for k, t in self.thresholds.items()
            },
            "silent_minutes": self.silent_minutes,
            "expected": sorted(k.value for k in self.expected),
            "working_hours": {
                "start": self.hours.start.strftime("%H:%M"),
                "end": self.hours.end.strftime("%H:%M"),
                "days": sorted(self.hours.days),
            },
            "cards": sorted(self.cards),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> RoomRules:
        """Read the JSON form (already checked against its schema); raise ``ValueError``."""
        thresholds = {}
        for name, t in (doc.get("thresholds") or {}).items():
            kind = SensorKind(name)
            if kind not in NUMERIC:
                raise ValueError(f"no thresholds for {name}")
            lo, hi = t.get("min"), t.get("max")
            if lo is not None and hi is not None and lo >= hi:
                raise ValueError(f"{name}: min must be below max")
            thresholds[kind] = Threshold(lo, hi, int(t.get("minutes", 0)))
        hours = doc.get("working_hours") or {}
        wh = WorkingHours(
            dt.time.fromisoformat(hours.get("start", "08:00")),
            dt.time.fromisoformat(hours.get("end", "18:00")),
            frozenset(hours.get("days", [1, 2, 3, 4, 5])),
        )
        return cls(
            thresholds=thresholds,
            silent_minutes=int(doc.get("silent_minutes", 10)),
            expected=frozenset(SensorKind(k) for k in doc.get("expected", [])),
            hours=wh,
            cards=frozenset(str(c) for c in doc.get("cards", [])),
        )


def alarm_key(kind: SensorKind, alarm: AlarmKind) -> str:
    """Return the key of an alarm in a room: ``<sensor kind>:<alarm kind>``."""
    return f"{kind.value}:{alarm.value}"


def split_key(key: str) -> tuple[SensorKind, AlarmKind]:
    """Return the sensor kind and the alarm kind of an alarm key."""
    sensor, alarm = key.split(":", 1)
    return SensorKind(sensor), AlarmKind(alarm)


@dataclass
class SensorState:
    """What the monitor remembers of a sensor between readings."""

    kind: SensorKind
    last_at: dt.datetime | None = None
    last_value: str = ""
    beyond: AlarmKind | None = None  # ABOVE_MAX / BELOW_MIN while the value is out of limits
    beyond_since: dt.datetime | None = None


# An alarm decision: key -> True (the condition holds) or False (it has ended). Keys not in
# the decision are unchanged.
Decision = dict[str, bool]


def step(rules: RoomRules, state: SensorState, reading: Reading, local: dt.datetime) -> Decision:
    """Apply a reading to its sensor's state (in place) and return the alarms it decides.

    ``local`` is the reading's time in the park's time zone (working hours are local). A
    reading older than the sensor's last one changes nothing but the chart.
    """
    if state.last_at is not None and reading.ts < state.last_at:
        return {}
    state.last_at = reading.ts
    state.last_value = str(reading.value)
    out: Decision = {alarm_key(reading.kind, AlarmKind.SILENT): False}
    if reading.kind in NUMERIC:
        out.update(_numeric(rules, state, reading))
    elif reading.kind is SensorKind.POWER:
        out[alarm_key(reading.kind, AlarmKind.POWER_OFF)] = reading.value == "off"
    elif reading.kind is SensorKind.DOOR:
        out[alarm_key(reading.kind, AlarmKind.DOOR_AFTER_HOURS)] = (
            reading.value == "open" and not rules.hours.contains(local)
        )
        if reading.value == "closed":
            out[alarm_key(SensorKind.ACCESS, AlarmKind.UNAUTHORIZED_CARD)] = False
    else:
        out[alarm_key(reading.kind, AlarmKind.UNAUTHORIZED_CARD)] = reading.value not in rules.cards
    return out


def _numeric(rules: RoomRules, state: SensorState, reading: Reading) -> Decision:
    high = alarm_key(reading.kind, AlarmKind.ABOVE_MAX)
    low = alarm_key(reading.kind, AlarmKind.BELOW_MIN)
    t = rules.thresholds.get(reading.kind)
    value = reading.number
    beyond = None
    if t is not None and value is not None:
        if t.max is not None and value > t.max:
            beyond = AlarmKind.ABOVE_MAX
        elif t.min is not None and value < t.min:
            beyond = AlarmKind.BELOW_MIN
    if beyond is None:
        state.beyond, state.beyond_since = None, None
        return {high: False, low: False}
    if state.beyond is not beyond or state.beyond_since is None:
        state.beyond, state.beyond_since = beyond, reading.ts
    out: Decision = {high if beyond is AlarmKind.BELOW_MIN else low: False}
    assert t is not None
    if reading.ts - state.beyond_since >= dt.timedelta(minutes=t.minutes):
        out[alarm_key(reading.kind, beyond)] = True
    return out


def due(
    rules: RoomRules, states: dict[SensorKind, SensorState], now: dt.datetime, local: dt.datetime
) -> Decision:
    """Return the alarms that time alone raises (run every few seconds by the monitor): a
    threshold crossed long enough, a silent sensor, a door left open past working hours."""
    out: Decision = {}
    for kind, st in states.items():
        t = rules.thresholds.get(kind)
        if (
            t is not None
            and st.beyond is not None
            and st.beyond_since is not None
            and now - st.beyond_since >= dt.timedelta(minutes=t.minutes)
        ):
            out[alarm_key(kind, st.beyond)] = True
        if kind is SensorKind.DOOR and st.last_value == "open" and not rules.hours.contains(local):
            out[alarm_key(kind, AlarmKind.DOOR_AFTER_HOURS)] = True
    silent_after = dt.timedelta(minutes=rules.silent_minutes)
    for kind in rules.expected:
        heard = states[kind].last_at if kind in states else None
        if heard is None or now - heard >= silent_after:
            out[alarm_key(kind, AlarmKind.SILENT)] = True
    return out


def level(alarm: AlarmKind) -> str:
    """Return ``red`` or ``amber``."""
    return "red" if alarm in RED else "amber"


def bucket_start(ts: dt.datetime, resolution: str) -> dt.datetime:
    """Return the start of the downsampling bucket holding ``ts`` (UTC)."""
    seconds = BUCKET_SECONDS[resolution]
    epoch = int(ts.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def describe(sensor: SensorKind, alarm: AlarmKind, room: str) -> tuple[str, str]:
    """Return the alarm's message in Chinese and English."""
    zh = f"库房 {room}：{SENSOR_ZH[sensor]}{ALARM_ZH[alarm]}"
    en = f"room {room}: {sensor.value} {ALARM_EN[alarm]}"
    return zh, en
