"""Working days (工作日): the deadlines of 《危险废物转移管理办法》(部令第23号) are counted in them.

- 第十八条: the receiver confirms receipt in the system within **5 working days** of accepting
  the waste (hwtrace counts from departure: the earliest the waste can be accepted, so the
  deadline is never later than the rule's).
- 第二十条: a transfer done on an emergency paper manifest is entered into the system within
  **10 working days** after the transfer.

A day is a working day when it is Monday to Friday and not a public holiday, or when it is a
Saturday or Sunday made a working day by the year's arrangement (调休上班). The calendar is
data: the State Council's arrangement of each year (shipped in
``schemas/reference/workdays-cn.csv`` with its source), which the park administrator may load
from a file and edit. A deadline ends at the end of its last working day in the park's time
zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

import schemas
from hwtrace.domain.errors import BadValue

RECEIPT_WORKING_DAYS = 5  # 部令第23号 第十八条
PAPER_ENTRY_WORKING_DAYS = 10  # 部令第23号 第二十条
COLUMNS = ("date", "kind", "name", "source")
MAX_ROWS = 5000


class DayKind(StrEnum):
    """What a listed day is; days not listed follow the week (Mon–Fri working)."""

    HOLIDAY = "holiday"  # 放假: no work, whatever the weekday
    WORKDAY = "workday"  # 调休上班: a Saturday or Sunday that is a working day


KIND_ZH = {DayKind.HOLIDAY: "放假", DayKind.WORKDAY: "调休上班"}
_KIND_WORDS = {
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
}


@dataclass(frozen=True)
class CalendarDay:
    """One day of a year's arrangement that differs from the plain week."""

    day: dt.date
    kind: DayKind
    name: str = ""
    source: str = ""


def check_day(day: dt.date, kind: DayKind) -> None:
    """Refuse a make-up working day on a weekday: it would change nothing and hides a typo."""
    if kind is DayKind.WORKDAY and day.weekday() < 5:
        raise BadValue(
            zh=f"{day} 是周一至周五，本来就是工作日；调休上班只能是周六或周日",
            en=f"{day} is a weekday, a working day already; a make-up working day is a weekend day",
            code="calendar.workday_on_weekday",
            detail={"day": day.isoformat()},
        )


def parse_kind(word: str) -> DayKind:
    """Return the kind named by ``holiday``/``workday`` (or 放假/休, 调休上班/上班/班)."""
    kind = _KIND_WORDS.get(word.strip().lower())
    if kind is None:
        raise BadValue(
            zh=f"「{word}」不是日期类型（应为 holiday/放假 或 workday/调休上班）",
            en=f"{word!r} is not a kind of day (holiday or workday)",
            code="calendar.invalid",
        )
    return kind


def parse_csv(text: str) -> list[CalendarDay]:
    """Read a calendar file: CSV with the columns ``date,kind,name,source`` (name and source
    optional), one listed day per line. Every line is checked; the first problems are
    reported together (``calendar.invalid``) and nothing is read from a file with problems."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if not reader.fieldnames or not {"date", "kind"} <= set(reader.fieldnames):
        raise BadValue(
            zh="日历文件须有表头 date,kind（可加 name,source）",
            en="a calendar file needs the header date,kind (name,source optional)",
            code="calendar.invalid",
        )
    days: dict[dt.date, CalendarDay] = {}
    problems: list[str] = []
    for n, row in enumerate(reader, start=2):
        if n > MAX_ROWS:
            problems.append(f"line {n}: more than {MAX_ROWS} lines")
            break
        try:
            day = dt.date.fromisoformat((row.get("date") or "").strip())
            kind = parse_kind(row.get("kind") or "")
            check_day(day, kind)
            if day in days:
                raise BadValue(zh=f"{day} 重复", en=f"{day} is listed twice")
        except (ValueError, BadValue) as err:
            why = err.message_en if isinstance(err, BadValue) else "the date is not YYYY-MM-DD"
            problems.append(f"line {n}: {why}")
            continue
        name = (row.get("name") or "").strip()[:60]
        days[day] = CalendarDay(day, kind, name, (row.get("source") or "").strip()[:200])
    if problems:
        raise BadValue(
            zh=f"日历文件有 {len(problems)} 处错误，未导入",
            en=f"the calendar file has {len(problems)} problem(s); nothing was imported",
            code="calendar.invalid",
            detail={"problems": problems[:20]},
        )
    return sorted(days.values(), key=lambda d: d.day)


def to_csv(days: Iterable[CalendarDay]) -> str:
    """Write days in the format ``parse_csv`` reads."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS)
    for d in sorted(days, key=lambda d: d.day):
        out.writerow([d.day.isoformat(), d.kind.value, d.name, d.source])
    return buf.getvalue()


class WorkCalendar:
    """Which days are working days: the week, changed by the listed days."""

    def __init__(self, days: Mapping[dt.date, DayKind], years: Iterable[int] = ()) -> None:
        self._days = dict(days)
        self.years = frozenset(years) | {d.year for d in self._days}

    def is_working_day(self, day: dt.date) -> bool:
        kind = self._days.get(day)
        if kind is not None:
            return kind is DayKind.WORKDAY
        return day.weekday() < 5

    def knows(self, year: int) -> bool:
        """Whether the year's arrangement was loaded (otherwise only weekends count)."""
        return year in self.years

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """Return the ``n``-th working day after ``start`` (``start`` itself not counted)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, left = start, n
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def deadline(
    cal: WorkCalendar, start: dt.datetime, working_days: int, tz: dt.tzinfo
) -> tuple[dt.date, dt.datetime]:
    """Return the last day of a deadline of ``working_days`` counted from ``start`` (the park's
    local date) and the instant it ends: the start of the next day in the park's time zone."""
    last = cal.add_working_days(start.astimezone(tz).date(), working_days)
    nxt = last + dt.timedelta(days=1)
    return last, dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)


SHIPPED = "workdays-cn"


def shipped_days() -> list[CalendarDay]:
    """The arrangements shipped with hwtrace (``schemas/reference/workdays-cn.csv``)."""
    text = resources.files("schemas").joinpath(f"reference/{SHIPPED}.csv").read_text("utf-8")
    return parse_csv(text)


def shipped_source() -> str:
    """Where the shipped arrangements come from (the State Council's notices)."""
    return str(schemas.source(SHIPPED)["source"])
