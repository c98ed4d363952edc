"""The park's working-day calendar: the State Council's arrangements shipped with hwtrace,
years the park administrator imported from a file (page or ``hwtrace calendar import``) and
days they edited. Deadlines in working days (部令第23号 第十八条, 第二十条) are computed on it.

Importing a file replaces the park's own listed days of every year the file covers; editing a
day first makes its year the park's own (a copy of the shipped arrangement). Each import and
edit is one ledger entry (``calendar.import``, ``calendar.set``) with the days it set."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import workdays as W
from hwtrace.domain.access import Actor, Role, require_role
from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.services.context import Context
from hwtrace.store.tables import Park
from hwtrace.store.workdays import CalendarDay, CalendarYear

SUBJECT = "calendar"


def _park_id(s: Session, ctx: Context) -> int | None:
    return s.scalar(sa.select(Park.id).where(Park.code == ctx.settings.park_code))


def _shipped_by_year() -> dict[int, list[W.CalendarDay]]:
    years: dict[int, list[W.CalendarDay]] = {}
    for d in W.shipped_days():
        years.setdefault(d.day.year, []).append(d)
    return years


def calendar_in(s: Session, ctx: Context) -> W.WorkCalendar:
    """The calendar in force: the park's own years, the shipped arrangement for the others."""
    pid = _park_id(s, ctx)
    own: set[int] = set()
    days: dict[dt.date, W.DayKind] = {}
    if pid is not None:
        own = set(s.scalars(sa.select(CalendarYear.year).where(CalendarYear.park_id == pid)))
        for row in s.scalars(sa.select(CalendarDay).where(CalendarDay.park_id == pid)):
            days[row.day] = row.kind
    for year, listed in _shipped_by_year().items():
        if year not in own:
            days.update({d.day: d.kind for d in listed})
    return W.WorkCalendar(days, own | set(_shipped_by_year()))


def deadline(
    s: Session, ctx: Context, start: dt.datetime, working_days: int
) -> tuple[dt.date, dt.datetime]:
    """The last day (park's date) and the end instant of a deadline in working days."""
    return W.deadline(calendar_in(s, ctx), start, working_days, ZoneInfo(ctx.settings.timezone))


@dataclass
class YearView:
    """One year of the calendar as the page shows it."""

    year: int
    own: bool
    source: str
    days: list[W.CalendarDay]


def year_view(ctx: Context, *, actor: Actor, year: int) -> YearView:
    """Return a year's listed days and where they come from (park roles only)."""
    require_role(actor, Role.PARK_ADMIN, Role.AUDITOR)
    with ctx.db.read_session() as s:
        pid = _park_id(s, ctx)
        head = s.get(CalendarYear, (pid, year)) if pid is not None else None
        if head is not None:
            rows = s.scalars(
                sa.select(CalendarDay)
                .where(
                    CalendarDay.park_id == pid,
                    CalendarDay.day >= dt.date(year, 1, 1),
                    CalendarDay.day <= dt.date(year, 12, 31),
                )
                .order_by(CalendarDay.day)
            )
            days = [W.CalendarDay(r.day, r.kind, r.name, r.source) for r in rows]
            return YearView(year, True, head.source, days)
    shipped = _shipped_by_year().get(year, [])
    return YearView(year, False, W.shipped_source() if shipped else "", shipped)


def _require_park(s: Session, ctx: Context) -> int:
    pid = _park_id(s, ctx)
    if pid is None:
        raise Conflict(
            zh="数据库中还没有园区", en="the database has no park yet", code="calendar.no_park"
        )
    return pid


def _replace_year(
    s: Session, pid: int, year: int, days: list[W.CalendarDay], source: str, seq: int
) -> None:
    s.execute(
        sa.delete(CalendarDay).where(
            CalendarDay.park_id == pid,
            CalendarDay.day >= dt.date(year, 1, 1),
            CalendarDay.day <= dt.date(year, 12, 31),
        )
    )
    s.add_all(
        CalendarDay(park_id=pid, day=d.day, kind=d.kind, name=d.name, source=d.source) for d in days
    )
    head = s.get(CalendarYear, (pid, year))
    if head is None:
        s.add(CalendarYear(park_id=pid, year=year, source=source[:500], seq=seq))
    else:
        head.source, head.seq, head.updated_at = source[:500], seq, dt.datetime.now(dt.UTC)


def import_calendar(
    ctx: Context, *, actor: Actor | None, by: str, text: str, source: str
) -> dict[int, int]:
    """Import a calendar file (``W.parse_csv``): each year in it becomes the park's own, with
    exactly the file's days. ``actor`` None is the command line (the server's operator).
    Returns the number of listed days per year."""
    if actor is not None:
        require_role(actor, Role.PARK_ADMIN)
    days = W.parse_csv(text)
    if not days:
        raise BadValue(
            zh="日历文件中没有日期", en="the file lists no days", code="calendar.invalid"
        )
    source = source.strip() or "import"
    by_year: dict[int, list[W.CalendarDay]] = {}
    for d in days:
        by_year.setdefault(d.day.year, []).append(d)
    with ctx.uow() as uow:
        s = uow.session
        pid = _require_park(s, ctx)
        entry = uow.record(
            entry_type="calendar.import",
            subject=SUBJECT,
            actor=actor.username if actor else by,
            enterprise=None,
            payload={
                "source": source,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "years": {str(y): len(v) for y, v in sorted(by_year.items())},
                "days": [[d.day.isoformat(), d.kind.value, d.name] for d in days],
            },
        )
        for year, listed in by_year.items():
            _replace_year(s, pid, year, listed, source, entry.seq)
        uow.commit()
    return {y: len(v) for y, v in sorted(by_year.items())}


def set_day(
    ctx: Context, *, actor: Actor, day: dt.date, kind: W.DayKind | None, name: str = ""
) -> None:
    """List a day as a holiday or a make-up working day, or (``kind`` None) take it off the
    list so it follows the week again. The year becomes the park's own if it was not."""
    require_role(actor, Role.PARK_ADMIN)
    if kind is not None:
        W.check_day(day, kind)
    name = name.strip()[:60]
    with ctx.uow() as uow:
        s = uow.session
        pid = _require_park(s, ctx)
        head = s.get(CalendarYear, (pid, day.year))
        entry = uow.record(
            entry_type="calendar.set",
            subject=SUBJECT,
            actor=actor.username,
            enterprise=None,
            payload={"day": day.isoformat(), "kind": kind.value if kind else None, "name": name},
        )
        if head is None:
            shipped = _shipped_by_year().get(day.year, [])
            src = W.shipped_source() if shipped else ""
            _replace_year(s, pid, day.year, shipped, f"{src}; 园区修改 edited", entry.seq)
            s.flush()
        else:
            head.seq, head.updated_at = entry.seq, ctx.now()
        row = s.get(CalendarDay, (pid, day))
        if kind is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(CalendarDay(park_id=pid, day=day, kind=kind, name=name, source="园区修改 edited"))
        else:
            row.kind, row.name, row.source = kind, name, "园区修改 edited"
        uow.commit()
