"""Room monitoring: each room's code and rules, readings stored downsampled, alarms raised and
cleared (each a ledger entry; a raised alarm opens a case). The rules are in
``domain/monitoring.py``; the MQTT subscriber (``hwtrace/monitor.py``) calls ``ingest`` and
``sweep`` and never writes tables itself."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import monitoring as M
from hwtrace.domain.access import Actor, Role, require_role
from hwtrace.domain.cases import Severity
from hwtrace.domain.errors import BadValue, Conflict, NotFound
from hwtrace.domain.notifications import Event
from hwtrace.services import cases, notifications
from hwtrace.services.context import Context
from hwtrace.store.monitoring import (
    CaseFile,
    ReadingBucket,
    RoomAlarm,
    RoomEvent,
    RoomMonitor,
    SensorStateRow,
)
from hwtrace.store.tables import Enterprise, Park, StorageRoom
from hwtrace.store.unit_of_work import UnitOfWork

MONITOR = "monitor"


def _room(s: Session, actor: Actor, room_id: int) -> StorageRoom:
    room = s.get(StorageRoom, room_id)
    ent = s.get(Enterprise, room.enterprise_id) if room is not None else None
    if (
        room is None
        or ent is None
        or ent.park_id != actor.park_id
        or (not actor.sees_whole_park and room.enterprise_id != actor.enterprise_id)
    ):
        raise NotFound(zh="库房不存在", en="no such storage room", detail={"room_id": room_id})
    return room


def configure(
    ctx: Context, *, actor: Actor, room_id: int, code: str, rules: dict[str, Any]
) -> dict[str, Any]:
    """Set a room's monitoring code and rules (the room's enterprise administrator, or the
    park administrator); a ledger entry ``room.monitoring``."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    if not M.CODE_RE.match(code):
        raise BadValue(
            zh="监测编码只能含字母、数字、-、_",
            en="a code is 1-32 of A-Z a-z 0-9 - _",
            code="monitor.invalid_rules",
        )
    try:
        parsed = M.RoomRules.from_json(rules)
    except (ValueError, TypeError, KeyError) as err:
        raise BadValue(
            zh=f"监测规则无效：{err}",
            en=f"invalid monitoring rules: {err}",
            code="monitor.invalid_rules",
        ) from None
    with ctx.uow() as uow:
        s = uow.session
        room = _room(s, actor, room_id)
        ent = s.get_one(Enterprise, room.enterprise_id)
        taken = s.scalar(
            sa.select(RoomMonitor.room_id).where(
                RoomMonitor.park_id == ent.park_id,
                RoomMonitor.code == code,
                RoomMonitor.room_id != room.id,
            )
        )
        if taken is not None:
            raise Conflict(
                zh="园区内已有库房使用该监测编码",
                en="another room of the park has this code",
                code="monitor.duplicate_code",
            )
        row = s.get(RoomMonitor, room.id) or RoomMonitor(
            room_id=room.id, park_id=ent.park_id, enterprise_id=ent.id
        )
        row.code, row.rules, row.updated_at = code, parsed.to_json(), uow.now()
        s.add(row)
        uow.record(
            entry_type="room.monitoring",
            subject=f"room:{code}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={
                "room": room.name,
                "code": code,
                "rules": json.dumps(row.rules, sort_keys=True),
            },
        )
        uow.commit()
        return {"room_id": room.id, "code": code, "rules": row.rules}


def authorize_room(ctx: Context, *, actor: Actor, room_id: int, write: bool = False) -> None:
    """Raise ``NotFound`` for a room the caller may not see, ``Forbidden`` when it may see it
    but not set its rules (before the request is validated)."""
    with ctx.db.read_session() as s:
        _room(s, actor, room_id)
    if write:
        require_role(actor, Role.ADMIN, Role.PARK_ADMIN)


def get_config(ctx: Context, *, actor: Actor, room_id: int) -> dict[str, Any]:
    """Return a room's monitoring code and rules (``code`` null when not monitored)."""
    with ctx.db.read_session() as s:
        room = _room(s, actor, room_id)
        row = s.get(RoomMonitor, room.id)
        return {
            "room_id": room.id,
            "code": row.code if row else None,
            "rules": row.rules if row else M.RoomRules().to_json(),
        }


# -- the subscriber's use cases -----------------------------------------------------------


def park_id(ctx: Context) -> int:
    """Return the id of the park this instance serves."""
    with ctx.db.read_session() as s:
        pid = s.scalar(sa.select(Park.id).where(Park.code == ctx.settings.park_code))
    if pid is None:
        raise NotFound(zh="园区未初始化", en="the park is not set up")
    return int(pid)


def ingest(ctx: Context, topic: M.Topic, reading: M.Reading) -> list[str]:
    """Store one reading and apply the alarms it decides; return the alarm changes
    (``+key`` raised, ``-key`` cleared). Raise ``BadMessage('room')`` for an unknown room."""
    if topic.park != ctx.settings.park_code:
        raise M.BadMessage("room", f"park {topic.park}")
    with ctx.uow() as uow:
        s = uow.session
        mon = s.scalar(
            sa.select(RoomMonitor)
            .join(Park, Park.id == RoomMonitor.park_id)
            .where(Park.code == topic.park, RoomMonitor.code == topic.room)
        )
        if mon is None:
            raise M.BadMessage("room", topic.room)
        rules = M.RoomRules.from_json(mon.rules)
        state_row = s.get(SensorStateRow, (mon.room_id, reading.kind.value))
        if state_row is None:
            state_row = SensorStateRow(room_id=mon.room_id, kind=reading.kind.value, last_value="")
            s.add(state_row)
        state = _state(state_row)
        before = state.last_value
        local = reading.ts.astimezone(ZoneInfo(ctx.settings.timezone))
        decision = M.step(rules, state, reading, local)
        _save_state(state_row, state)
        _store(s, mon.room_id, reading, changed=before != state.last_value)
        changes = _apply(
            uow, mon, decision, reading.ts, {"value": str(reading.value), "unit": reading.unit}
        )
        uow.commit()
        return changes


def sweep(ctx: Context) -> list[str]:
    """Apply the alarms time alone raises in every monitored room (silent sensors, thresholds
    held long enough, doors left open after hours); return the changes."""
    now = ctx.now()
    local = now.astimezone(ZoneInfo(ctx.settings.timezone))
    changes: list[str] = []
    with ctx.uow() as uow:
        s = uow.session
        monitors = s.scalars(
            sa.select(RoomMonitor)
            .join(Park, Park.id == RoomMonitor.park_id)
            .where(Park.code == ctx.settings.park_code)
        ).all()
        for mon in monitors:
            rules = M.RoomRules.from_json(mon.rules)
            states = {
                M.SensorKind(r.kind): _state(r)
                for r in s.scalars(
                    sa.select(SensorStateRow).where(SensorStateRow.room_id == mon.room_id)
                )
            }
            changes += _apply(uow, mon, M.due(rules, states, now, local), now, {})
        uow.commit()
    return changes


def prune(ctx: Context) -> int:
    """Delete buckets and room events past their retention; return how many rows went."""
    now = ctx.now()
    gone = 0
    with ctx.uow() as uow:
        s = uow.session
        for res, days in M.RETENTION.items():
            r = s.execute(
                sa.delete(ReadingBucket).where(
                    ReadingBucket.res == res, ReadingBucket.start < now - dt.timedelta(days=days)
                )
            )
            gone += int(getattr(r, "rowcount", 0) or 0)
        r = s.execute(
            sa.delete(RoomEvent).where(RoomEvent.at < now - dt.timedelta(days=M.RETENTION["1h"]))
        )
        gone += int(getattr(r, "rowcount", 0) or 0)
        uow.commit()
    return gone


def _state(row: SensorStateRow) -> M.SensorState:
    return M.SensorState(
        kind=M.SensorKind(row.kind),
        last_at=row.last_at,
        last_value=row.last_value or "",
        beyond=M.AlarmKind(row.beyond) if row.beyond else None,
        beyond_since=row.beyond_since,
    )


def _save_state(row: SensorStateRow, st: M.SensorState) -> None:
    row.last_at, row.last_value = st.last_at, st.last_value[:64]
    row.beyond = st.beyond.value if st.beyond else None
    row.beyond_since = st.beyond_since


def _store(s: Session, room_id: int, reading: M.Reading, *, changed: bool) -> None:
    number = reading.number
    if number is None:
        if changed or reading.kind is M.SensorKind.ACCESS:
            s.add(
                RoomEvent(
                    room_id=room_id,
                    kind=reading.kind.value,
                    value=str(reading.value)[:64],
                    at=reading.ts,
                )
            )
        return
    for res in M.BUCKET_SECONDS:
        start = M.bucket_start(reading.ts, res)
        b = s.get(ReadingBucket, (room_id, reading.kind.value, res, start))
        if b is None:
            s.add(
                ReadingBucket(
                    room_id=room_id,
                    kind=reading.kind.value,
                    res=res,
                    start=start,
                    n=1,
                    total=number,
                    lo=number,
                    hi=number,
                )
            )
        else:
            b.n, b.total, b.lo, b.hi = (
                b.n + 1,
                b.total + number,
                min(b.lo, number),
                max(b.hi, number),
            )


def _apply(
    uow: UnitOfWork, mon: RoomMonitor, decision: M.Decision, at: dt.datetime, facts: dict[str, Any]
) -> list[str]:
    if not decision:
        return []
    s = uow.session
    open_alarms = {
        a.key: a
        for a in s.scalars(
            sa.select(RoomAlarm).where(
                RoomAlarm.room_id == mon.room_id, RoomAlarm.cleared_at.is_(None)
            )
        )
    }
    changes = []
    for key, active in sorted(decision.items()):
        if active and key not in open_alarms:
            _raise(uow, mon, key, at, facts)
            changes.append("+" + key)
        elif not active and key in open_alarms:
            _clear(uow, mon, open_alarms[key], at, facts)
            changes.append("-" + key)
    return changes


def _raise(
    uow: UnitOfWork, mon: RoomMonitor, key: str, at: dt.datetime, facts: dict[str, Any]
) -> None:
    s = uow.session
    sensor, kind = M.split_key(key)
    room = s.get_one(StorageRoom, mon.room_id)
    ent = s.get_one(Enterprise, mon.enterprise_id)
    zh, en = M.describe(sensor, kind, f"{room.name}（{mon.code}）")
    level = M.level(kind)
    entry = uow.record(
        entry_type="room.alarm",
        subject=f"room:{mon.code}",
        actor=MONITOR,
        enterprise=ent.uscc,
        payload={
            "room": mon.code,
            "alarm": key,
            "level": level,
            "message": zh,
            "at": at.isoformat(),
            **facts,
        },
    )
    alarm = RoomAlarm(
        park_id=mon.park_id,
        enterprise_id=mon.enterprise_id,
        room_id=mon.room_id,
        key=key,
        level=level,
        message_zh=zh[:300],
        message_en=en[:300],
        facts={k: v for k, v in facts.items() if v is not None},
        raised_at=at,
        raised_seq=entry.seq,
    )
    s.add(alarm)
    s.flush()
    case = cases.open_case(
        uow,
        cases.NewCase(
            park_id=mon.park_id,
            enterprise_id=mon.enterprise_id,
            source="alarm",
            source_key=f"alarm:{alarm.id}",
            subject=f"room:{mon.code}",
            severity=Severity(level),
            title_zh=zh,
            title_en=en,
        ),
    )
    alarm.case_id = case.id
    notifications.emit(
        uow,
        park_id=mon.park_id,
        enterprise_ids=[mon.enterprise_id],
        event=Event.ALARM_RAISED,
        data={**_alarm_data(mon, alarm), "case": case.id},
    )


def _alarm_data(mon: RoomMonitor, alarm: RoomAlarm) -> dict[str, Any]:
    return {
        "room": mon.code,
        "room_id": mon.room_id,
        "enterprise_id": mon.enterprise_id,
        "alarm": alarm.key,
        "level": alarm.level,
        "message": alarm.message_zh,
        "message_en": alarm.message_en,
        "raised_at": alarm.raised_at.isoformat(),
        "raised_seq": alarm.raised_seq,
    }


def _clear(
    uow: UnitOfWork, mon: RoomMonitor, alarm: RoomAlarm, at: dt.datetime, facts: dict[str, Any]
) -> None:
    ent = uow.session.get_one(Enterprise, mon.enterprise_id)
    entry = uow.record(
        entry_type="room.alarm_clear",
        subject=f"room:{mon.code}",
        actor=MONITOR,
        enterprise=ent.uscc,
        payload={
            "room": mon.code,
            "alarm": alarm.key,
            "raised_seq": alarm.raised_seq,
            "at": at.isoformat(),
            **facts,
        },
    )
    alarm.cleared_at, alarm.cleared_seq = max(at, alarm.raised_at), entry.seq
    if alarm.case_id is not None:  # the case waits for its note and the park's check still
        uow.session.get_one(CaseFile, alarm.case_id).cleared_at = alarm.cleared_at
    notifications.emit(
        uow,
        park_id=mon.park_id,
        enterprise_ids=[mon.enterprise_id],
        event=Event.ALARM_CLEARED,
        data={**_alarm_data(mon, alarm), "cleared_at": alarm.cleared_at.isoformat()},
    )


# -- what the pages show -------------------------------------------------------------------


@dataclass
class Series:
    """One sensor's chart: bucket starts with mean, min and max."""

    kind: str
    unit_zh: str
    points: list[tuple[dt.datetime, float, float, float]] = field(default_factory=list)


@dataclass
class RoomView:
    """A room's monitoring page."""

    room: StorageRoom
    code: str | None
    rules: dict[str, Any]
    open_alarms: list[RoomAlarm]
    recent_alarms: list[RoomAlarm]
    day: list[Series]
    week: list[Series]
    events: list[RoomEvent]
    states: dict[str, SensorStateRow]


UNITS = {"temperature": "°C", "humidity": "%RH", "voc": "mg/m³"}


def room_view(ctx: Context, *, actor: Actor, room_id: int) -> RoomView:
    """Return what the room page shows: rules, alarms, 24 hours and 7 days of readings."""
    now = ctx.now()
    with ctx.db.read_session() as s:
        room = _room(s, actor, room_id)
        mon = s.get(RoomMonitor, room.id)
        alarms = list(
            s.scalars(
                sa.select(RoomAlarm)
                .where(RoomAlarm.room_id == room.id)
                .order_by(RoomAlarm.id.desc())
                .limit(50)
            )
        )
        events = list(
            s.scalars(
                sa.select(RoomEvent)
                .where(RoomEvent.room_id == room.id)
                .order_by(RoomEvent.at.desc())
                .limit(50)
            )
        )
        states = {
            r.kind: r
            for r in s.scalars(sa.select(SensorStateRow).where(SensorStateRow.room_id == room.id))
        }
        day = _series(s, room.id, "5m", now - dt.timedelta(hours=24))
        week = _series(s, room.id, "1h", now - dt.timedelta(days=7))
    return RoomView(
        room=room,
        code=mon.code if mon else None,
        rules=mon.rules if mon else M.RoomRules().to_json(),
        open_alarms=[a for a in alarms if a.cleared_at is None],
        recent_alarms=alarms,
        day=day,
        week=week,
        events=events,
        states=states,
    )


def _series(s: Session, room_id: int, res: str, since: dt.datetime) -> list[Series]:
    out: dict[str, Series] = {}
    rows = s.scalars(
        sa.select(ReadingBucket)
        .where(
            ReadingBucket.room_id == room_id, ReadingBucket.res == res, ReadingBucket.start >= since
        )
        .order_by(ReadingBucket.kind, ReadingBucket.start)
    )
    for b in rows:
        series = out.setdefault(b.kind, Series(b.kind, UNITS.get(b.kind, "")))
        series.points.append((b.start, b.total / b.n, b.lo, b.hi))
    return [out[k] for k in sorted(out)]


def alarmed_rooms(ctx: Context, *, actor: Actor) -> dict[int, list[tuple[int, str]]]:
    """Return, per enterprise, its rooms (id, name) with an open alarm (the park map)."""
    with ctx.db.read_session() as s:
        q = (
            sa.select(RoomAlarm.enterprise_id, StorageRoom.id, StorageRoom.name)
            .join(StorageRoom, StorageRoom.id == RoomAlarm.room_id)
            .where(RoomAlarm.park_id == actor.park_id, RoomAlarm.cleared_at.is_(None))
            .distinct()
        )
        if not actor.sees_whole_park:
            q = q.where(RoomAlarm.enterprise_id == actor.enterprise_id)
        out: dict[int, list[tuple[int, str]]] = {}
        for eid, rid, name in s.execute(q):
            out.setdefault(int(eid), []).append((int(rid), str(name)))
    return out


def open_alarms(ctx: Context, *, actor: Actor, room_id: int | None = None) -> list[RoomAlarm]:
    """Return the open alarms the caller may see (one room's, or all)."""
    with ctx.db.read_session() as s:
        q = sa.select(RoomAlarm).where(
            RoomAlarm.park_id == actor.park_id, RoomAlarm.cleared_at.is_(None)
        )
        if room_id is not None:
            _room(s, actor, room_id)
            q = q.where(RoomAlarm.room_id == room_id)
        elif not actor.sees_whole_park:
            q = q.where(RoomAlarm.enterprise_id == actor.enterprise_id)
        return list(s.scalars(q.order_by(RoomAlarm.id)))


def alarm_json(a: RoomAlarm) -> dict[str, Any]:
    """Return the JSON form of an alarm."""
    return {
        "id": a.id,
        "room_id": a.room_id,
        "key": a.key,
        "level": a.level,
        "message": a.message_zh,
        "message_en": a.message_en,
        "facts": a.facts,
        "raised_at": a.raised_at.isoformat(),
        "raised_seq": a.raised_seq,
        "cleared_at": a.cleared_at.isoformat() if a.cleared_at else None,
        "cleared_seq": a.cleared_seq,
        "case_id": a.case_id,
    }
