"""A storage room's monitoring page: its code and rules, open and recent alarms, the last
24 hours and 7 days of readings as charts, and the door log."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template

from hwtrace.domain import monitoring as M
from hwtrace.pages import svg as S
from hwtrace.pages.routing import actor, bp, ctx, t
from hwtrace.services import monitoring


@bp.get("/rooms/<int:room_id>")
def room_page(room_id: int) -> Any:
    view = monitoring.room_view(ctx(), actor=actor(), room_id=room_id)
    now = ctx().now()
    tz = ZoneInfo(ctx().settings.timezone)
    day_from, week_from = now - dt.timedelta(hours=24), now - dt.timedelta(days=7)
    charts = [
        S.line_chart(view.day, day_from, now, t("最近 24 小时（5 分钟均值、最低、最高）"), tz),
        S.line_chart(view.week, week_from, now, t("最近 7 天（小时均值、最低、最高）"), tz),
    ]
    return render_template(
        "room.html",
        v=view,
        charts=charts,
        topic=f"hwtrace/{ctx().settings.park_code}/rooms/{view.code or '<code>'}/<kind>",
        sensor_zh={k.value: v for k, v in M.SENSOR_ZH.items()},
    )
