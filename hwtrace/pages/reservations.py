"""Code reservations in the console: a producer reserves a block of identification codes for
one waste profile and production date, for handhelds that register offline; the list shows how
many of each block were used."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template, request

from hwtrace.domain.access import EnterpriseKind
from hwtrace.domain.errors import BadValue, Forbidden, HwtraceError
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import directory
from hwtrace.services import reservations as svc


@bp.route("/reservations", methods=["GET", "POST"])
def reservations() -> Any:
    a = actor()
    if a.enterprise_kind is not EnterpriseKind.PRODUCER or a.sees_whole_park:
        raise Forbidden(zh="只有产废单位可以预留识别码", en="only producers reserve codes")
    error, status = None, 200
    block: list[str] = []
    if request.method == "POST":
        try:
            day = F.text("produced_on", 10)
            count = F.text("count", 6)
            if not count.isdigit():
                raise BadValue(zh="数量应为正整数", en="the count is a whole number")
            _res, block = svc.reserve_codes(
                ctx(),
                actor=a,
                profile_id=F.number("profile_id", "废物档案", "waste profile"),
                produced_on=_date(day),
                count=int(count),
            )
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已预留 {len(block)} 个识别码", f"{len(block)} codes reserved")
    profiles = directory.list_profiles(ctx(), actor=a)
    return (
        render_template(
            "reservations.html",
            rows=svc.list_reservations(ctx(), actor=a),
            profiles=profiles,
            profile_names={p.id: f"{p.waste_code} {p.name}" for p in profiles},
            block=block,
            error=error,
            form=request.form if error else {},
            today=ctx().today().isoformat(),
        ),
        status,
    )


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue(zh="日期格式应为 YYYY-MM-DD", en="dates are YYYY-MM-DD") from None
