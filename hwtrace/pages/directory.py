"""The park's enterprises (park roles; an enterprise user goes to its own file)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for

from hwtrace.pages.filters import KIND_ZH_ENT
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import console, directory


@bp.get("/enterprises")
def enterprises() -> Any:
    a = actor()
    if not a.sees_whole_park:
        return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))
    rows = [e for e, _ in directory.list_enterprises(ctx(), actor=a)]
    plots = {p.id: p for p in console.park_map(ctx(), actor=a).plots}
    return render_template("enterprises.html", rows=rows, plots=plots, kinds=KIND_ZH_ENT)
