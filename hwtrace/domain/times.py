"""Times as the park reads them. The ledger keeps UTC; business dates (production dates, storage
days, report years, chart months) and every time shown to people are in the park's zone
(``HWTRACE_TIMEZONE``, default Asia/Shanghai: 北京时间), and say so."""

from __future__ import annotations

import datetime as dt

from hwtrace.domain.errors import BadValue

BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


def local_text(ts: dt.datetime | None, tz: dt.tzinfo) -> str:
    """Return a time as the park reads it ("2026-01-02 11:04:05"), empty for None."""
    return ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _bound(value: dt.date | dt.datetime | None, *, end: bool, tz: dt.tzinfo) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise BadValue(zh="时间须带时区", en="timestamps need a time zone")
        return value + dt.timedelta(microseconds=1) if end else value
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def day_range(
    since: dt.date | dt.datetime | None, until: dt.date | dt.datetime | None, tz: dt.tzinfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Return [start, stop): ``since`` and ``until`` are inclusive (whole days for dates)."""
    start, stop = _bound(since, end=False, tz=tz), _bound(until, end=True, tz=tz)
    if start is not None and stop is not None and start >= stop:
        raise BadValue(zh="起始日期晚于截止日期", en="since is after until")
    return start, stop


def zone_label(timezone: str) -> str:
    """Return how headers name the park's time: 北京时间, or the zone's name elsewhere."""
    return "北京时间" if timezone in BEIJING_ZONES else timezone
