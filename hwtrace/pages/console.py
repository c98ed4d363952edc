"""The park console: one file per enterprise (一企一档), the park map and the charts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain.errors import BadValue
from hwtrace.domain.facilities import KIND_ZH as FACILITY_KIND_ZH
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.warnings import KIND_ZH
from hwtrace.pages import svg as S
from hwtrace.pages.filters import KIND_ZH_ENT
from hwtrace.pages.routing import actor, bp, ctx, t
from hwtrace.services import console, facilities
from hwtrace.services import warnings as warnings_svc


@bp.get("/")
def home() -> Any:
    a = actor()
    if a.sees_whole_park:
        return redirect(url_for("pages.park_map"))
    return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))


def _date_arg(name: str) -> dt.date | None:
    v = request.args.get(name) or ""
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise BadValue(f"日期格式应为 YYYY-MM-DD：{v[:20]}", "dates are YYYY-MM-DD") from None


def _filters() -> console.Filters:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in BatchStatus}:
        raise BadValue("未知的状态", "unknown state")
    waste = (request.args.get("waste_code") or "").strip()[:10] or None
    try:
        page = max(0, min(int(request.args.get("page", "0")), 100000))
    except ValueError:
        page = 0
    return console.Filters(
        status=status,
        waste_code=waste,
        since=_date_arg("since"),
        until=_date_arg("until"),
        page=page,
    )


@bp.get("/enterprises/<int:enterprise_id>")
def enterprise(enterprise_id: int) -> Any:
    a = actor()
    f = _filters()
    file = console.enterprise_file(ctx(), actor=a, enterprise_id=enterprise_id, f=f)
    warns, _counts = warnings_svc.compute(ctx(), actor=a, enterprise_id=enterprise_id)
    warns = [w for w in warns if w.enterprise_id == enterprise_id][:100]
    return render_template(
        "enterprise.html",
        file=file,
        f=f,
        warnings=warns,
        facilities=facilities.list_facilities(ctx(), actor=a, enterprise_id=enterprise_id),
        facility_kind_zh=FACILITY_KIND_ZH,
        statuses=list(BatchStatus),
        kinds=KIND_ZH_ENT,
        kind_zh=KIND_ZH,
    )


@bp.get("/map")
def park_map() -> Any:
    a = actor()
    data = console.park_map(ctx(), actor=a)
    drawing = S.park_map(data.plots, lambda i: url_for("pages.enterprise", enterprise_id=i), t)
    return render_template("map.html", data=data, drawing=drawing)


@bp.get("/charts")
def charts() -> Any:
    a = actor()
    eid = request.args.get("enterprise_id", type=int)
    by_cat = console.monthly(ctx(), actor=a, by="category", enterprise_id=eid)
    by_ent = console.monthly(ctx(), actor=a, by="enterprise", enterprise_id=eid)
    figures = [
        S.bar_chart(by_cat, by_cat.generated, t("每月产生量（按类别，千克）")),
        S.bar_chart(by_cat, by_cat.disposed, t("每月利用处置量（按类别，千克）")),
    ]
    if a.sees_whole_park:
        figures += [
            S.bar_chart(by_ent, by_ent.generated, t("每月产生量（按单位，千克）")),
            S.bar_chart(by_ent, by_ent.disposed, t("每月利用处置量（按单位，千克）")),
        ]
    return render_template("charts.html", figures=figures)
