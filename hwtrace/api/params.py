"""Request values as the routes read them: query integers and dates, body dates, a device's
event time and a pickup window's times. A malformed value is a 400 with a stable code."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from flask import request

from hwtrace.api.routing import ctx
from hwtrace.domain.errors import BadValue


def int_arg(name: str) -> int | None:
    """Return a positive integer query parameter (None when absent or empty)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise BadValue(
            zh=f"参数 {name} 须为正整数", en=f"query parameter {name} must be a positive integer"
        )
    return int(raw)


def date_arg(name: str) -> dt.date | None:
    """Return a YYYY-MM-DD query parameter (None when absent or empty)."""
    value = request.args.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue(
            zh=f"参数 {name} 不是有效日期（YYYY-MM-DD）", en=f"{name} is not a date (YYYY-MM-DD)"
        ) from None


def body_date(value: str | None) -> dt.date | None:
    """Return a YYYY-MM-DD body field (None when absent)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue(zh="日期格式应为 YYYY-MM-DD", en="dates are YYYY-MM-DD") from None


def client_ts(value: str | None) -> dt.datetime | None:
    """Return a device's event time (RFC 3339 with a zone) in UTC; refuse what cannot be a
    scan time (before 2000, or more than a day ahead of the server)."""
    if value is None:
        return None
    try:
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadValue(zh="时间格式应为 RFC 3339", en="timestamps are RFC 3339") from None
    if ts.tzinfo is None:
        raise BadValue(zh="时间须带时区", en="timestamps need a time zone")
    try:
        utc = ts.astimezone(dt.UTC)
    except OverflowError:
        raise BadValue(zh="时间超出范围", en="the timestamp is out of range") from None
    # A device clock may be off, but not by years: refuse what cannot be a scan time.
    if not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= utc <= ctx().now() + dt.timedelta(days=1):
        raise BadValue(
            zh="客户端时间不合理（早于 2000 年或晚于明天）",
            en="client_ts is implausible (before 2000 or after tomorrow)",
            code="value.future_date" if utc.year >= 2000 else "value.invalid",
        )
    return utc


def window_time(value: str) -> dt.datetime:
    """Return a pickup-window time (RFC 3339 with zone) in UTC. Unlike a device's event time
    it may lie days ahead; the booking rules bound it."""
    try:
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if ts.tzinfo is None:
            raise ValueError
        return ts.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise BadValue(
            zh="预约时间格式应为带时区的 RFC 3339 时间", en="window times are RFC 3339 with a zone"
        ) from None


def status_query(enum: type[StrEnum]) -> dict[str, Any]:
    """Return the OpenAPI declaration of an optional ``status`` query parameter."""
    return {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"enum": [s.value for s in enum]},
    }
