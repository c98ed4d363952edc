"""Trips (车次) in the console and on the handheld: each vehicle on each day with the manifests
it carries — one or more per 移出人, never one mixing two (部令第23号 第十六条). The transporter's
dispatcher and the park see them at ``/trips``; the driver on the phone at ``/m/trips``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template, request

from hwtrace.domain.access import EnterpriseKind
from hwtrace.domain.errors import Forbidden
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import trips as svc

MAX_TRIPS = 30  # the newest trips; a day's are all shown when asked for


def _day() -> dt.date | None:
    raw = (request.args.get("day") or "").strip()[:10]
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _allowed() -> Any:
    a = actor()
    if not (a.sees_whole_park or a.enterprise_kind is EnterpriseKind.TRANSPORTER):
        raise Forbidden(
            zh="只有运输单位和园区可以查看车次", en="trips are for transporters and the park"
        )
    return a


@bp.get("/trips")
def trips() -> Any:
    a = _allowed()
    day = _day()
    found = svc.list_trips(ctx(), actor=a, day=day)
    return render_template("trips.html", trips=found[:MAX_TRIPS], day=day or "")


@bp.get("/m/trips")
def m_trips() -> Any:
    a = _allowed()
    today = ctx().today()
    return render_template(
        "m/trips.html", trips=svc.list_trips(ctx(), actor=a, day=_day() or today), today=today
    )
