"""The park's enterprises (park roles; an enterprise user goes to its own file) and an
enterprise's waste profiles."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain import catalogue as C
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import Forbidden, HwtraceError
from hwtrace.pages.filters import KIND_ZH_ENT
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import catalogue, console, directory


@bp.get("/enterprises")
def enterprises() -> Any:
    a = actor()
    if not a.sees_whole_park:
        return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))
    rows = [e for e, _ in directory.list_enterprises(ctx(), actor=a)]
    plots = {p.id: p for p in console.park_map(ctx(), actor=a).plots}
    return render_template("enterprises.html", rows=rows, plots=plots, kinds=KIND_ZH_ENT)


HAZARD_NAMES = (
    ("T", "毒性", "toxic"),
    ("C", "腐蚀性", "corrosive"),
    ("I", "易燃性", "ignitable"),
    ("R", "反应性", "reactive"),
    ("In", "感染性", "infectious"),
)


@bp.route("/profiles", methods=["GET", "POST"])
def profiles() -> Any:
    """The caller's waste profiles (废物档案) and, for a producer's admin, the form that adds
    one; the waste code is chosen with the catalogue picker."""
    a = actor()
    can_add = a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER
    error: HwtraceError | None = None
    created = None
    if request.method == "POST":
        if not can_add:
            raise Forbidden(
                "只有产废单位管理员可以建立废物档案", "only a producer's admin adds profiles"
            )
        f = request.form
        try:
            code = f.get("waste_code", "").strip()
            entry = catalogue.current(ctx()).entry(code)
            hazards = f.getlist("hazards") or entry.hazards.canonical
            created = directory.create_profile(
                ctx(),
                actor=a,
                new=directory.NewProfile(
                    waste_code=entry.code,
                    name=f.get("name", "").strip()[:200],
                    form=f.get("form", ""),
                    hazards=[h for h in hazards if h in {k for k, _, _ in HAZARD_NAMES}],
                    packaging=f.get("packaging", ""),
                    main_components=f.get("main_components", "").strip()[:500],
                    harmful_components=f.get("harmful_components", "").strip()[:500],
                    precautions=f.get("precautions", "").strip()[:500],
                    process=f.get("process", "").strip()[:200],
                ),
            )
        except HwtraceError as err:
            error = err
    rows = directory.list_profiles(ctx(), actor=a)
    return render_template(
        "profiles.html",
        rows=rows,
        can_add=can_add,
        error=error,
        created=created,
        form=request.form if error else {},
        forms=C.waste_forms(),
        packagings=C.packaging_types(),
        hazard_names=HAZARD_NAMES,
        form_hazards=request.form.getlist("hazards") if error else [],
    ), (error.status if error else 200)
