"""The working-day calendar in the console (工作日历): a year's holidays and make-up working
days, where they come from; the park administrator imports a calendar file and lists or
unlists single days. Deadlines in working days (部令第23号 第十八条, 第二十条) use it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain import workdays as W
from hwtrace.domain.access import Role, require_role
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import workdays as svc

MAX_FILE = 200_000


def _year() -> int:
    raw = (request.args.get("year") or request.form.get("year") or "").strip()
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return ctx().today().year


def _day(name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(F.text(name, 10))
    except ValueError:
        raise BadValue(zh="日期格式应为 YYYY-MM-DD", en="dates are YYYY-MM-DD") from None


def _post(year: int) -> int:
    a = actor()
    what = F.text("action", 10)
    if what == "import":
        upload = request.files.get("file")
        data = upload.read(MAX_FILE + 1) if upload else b""
        if not data or len(data) > MAX_FILE:
            raise BadValue(zh="请选择日历文件（CSV，200 KB 以内）", en="choose a calendar file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadValue(zh="文件须为 UTF-8 编码", en="the file must be UTF-8") from None
        source = F.text("source", 200) or (upload.filename if upload else "") or "upload"
        years = svc.import_calendar(ctx(), actor=a, by=a.username, text=text, source=source)
        F.done(f"已导入 {sorted(years)} 年日历", f"calendar of {sorted(years)} imported")
        return min(years)
    day = _day("day")
    if what == "unset":
        svc.set_day(ctx(), actor=a, day=day, kind=None)
        F.done(f"{day} 已恢复为按星期计", f"{day} follows the week again")
    else:
        kind = W.parse_kind(F.text("kind", 10))
        svc.set_day(ctx(), actor=a, day=day, kind=kind, name=F.text("name", 60))
        F.done(f"{day} 已设为{W.KIND_ZH[kind]}", f"{day} is now a {kind.value}")
    return day.year


@bp.route("/calendar", methods=["GET", "POST"])
def calendar() -> Any:
    a = actor()
    year = _year()
    view = svc.year_view(ctx(), actor=a, year=year)  # park roles only
    error, status = None, 200
    if request.method == "POST":
        require_role(a, Role.PARK_ADMIN)  # before anything sent is read
        try:
            year = _post(year)
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            return redirect(url_for("pages.calendar", year=year))
    return (
        render_template(
            "calendar.html",
            view=view,
            year=year,
            kind_zh=W.KIND_ZH,
            editable=a.role is Role.PARK_ADMIN,
            weekday="一二三四五六日",
            error=error,
            form=request.form if error else {},
        ),
        status,
    )
