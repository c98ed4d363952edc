"""Console forms: reading fields, park-local times, and an error answered in the form.

A form posts to a view that calls one use case. A refusal of what was typed (a bad value, a
state that does not allow the step: 400, 409, 422) is shown in the form, in the user's
language, with what was typed kept; nothing was written because the use case is one
transaction. An authorization failure (403, 404) is not a form error: the error page answers it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, g, request

from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.pages.routing import ctx

FORM_STATUSES = frozenset({400, 409, 422})


def message(err: HwtraceError) -> str:
    """Return an error's message in the page's language."""
    return err.message_en if g.get("lang", "zh") == "en" else err.message_zh


def is_form_error(err: HwtraceError) -> bool:
    """Return True for refusals the form shows in place (not authorization failures)."""
    return err.status in FORM_STATUSES


def text(name: str, limit: int = 500) -> str:
    """Return a stripped text field, cut to ``limit`` characters."""
    return (request.form.get(name) or "").strip()[:limit]


def number(name: str, what_zh: str, what_en: str) -> int:
    """Return a required integer field (an id chosen from a list), or refuse in words."""
    raw = text(name, 20)
    if not raw.isdigit():
        raise BadValue(zh=f"请选择{what_zh}", en=f"choose the {what_en}", detail={"field": name})
    return int(raw)


def date(name: str) -> dt.date:
    """Return a date field (YYYY-MM-DD, as the browser's date input posts it), or refuse."""
    try:
        return dt.date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise BadValue(
            zh="日期格式应为 YYYY-MM-DD", en="dates are YYYY-MM-DD", detail={"field": name}
        ) from None


def zone() -> ZoneInfo:
    """Return the park's time zone."""
    return ZoneInfo(ctx().settings.timezone)


def local_input(name: str, what_zh: str, what_en: str) -> dt.datetime:
    """Return a ``datetime-local`` field read in the park's zone, as an aware time."""
    raw = text(name, 40)
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadValue(
            zh=f"请填写{what_zh}（年-月-日 时:分）",
            en=f"give the {what_en} (YYYY-MM-DD hh:mm)",
            detail={"field": name},
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    return value


def input_value(ts: dt.datetime) -> str:
    """Return a time as a ``datetime-local`` input value in the park's zone."""
    return ts.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


def done(zh: str, en: str) -> None:
    """Say on the next page what was done, in the user's language."""
    flash(en if g.get("lang", "zh") == "en" else zh)


def form_values() -> dict[str, Any]:
    """Return what was typed, to fill the form again after a refusal."""
    return {k: (v if len(vs) == 1 else vs) for k, vs in request.form.lists() for v in vs[:1]}
