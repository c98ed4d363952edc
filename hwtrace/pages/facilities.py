"""A facility's page (``/f/<USCC>/<code>``, the address its sign's QR code opens): what it
holds now, its limits and its alarms, with its printable signs."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request

from hwtrace.domain.errors import BadValue
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import facilities


@bp.get("/f/<uscc>/<code>")
def facility(uscc: str, code: str) -> Any:
    a = actor()
    f = facilities.by_reference(ctx(), actor=a, uscc=uscc.upper(), code=code.upper())
    v = facilities.view(ctx(), actor=a, facility=f)
    fill = None
    if v.room is not None and v.room.capacity_g:
        fill = min(999, round(100 * v.stored_g / v.room.capacity_g))
    return render_template("facility.html", v=v, fill=fill)


@bp.get("/facilities/<int:facility_id>/sign.<fmt>")
def facility_sign(facility_id: int, fmt: str) -> Any:
    if fmt not in ("pdf", "png"):
        raise BadValue(zh="标志只能输出 pdf 或 png", en="signs are pdf or png")
    data, mimetype = facilities.render_sign(
        ctx(),
        actor=actor(),
        facility_id=facility_id,
        fmt=fmt,
        page=request.args.get("page") or "A4",
        base_url=request.url_root,
    )
    return Response(data, mimetype=mimetype)
