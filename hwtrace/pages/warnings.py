"""Warnings: the list with counts by kind, and acknowledgement with a note."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain.access import Role
from hwtrace.domain.warnings import KIND_ZH, Kind
from hwtrace.pages.routing import actor, bp, ctx, local_target
from hwtrace.services import directory
from hwtrace.services import warnings as warnings_svc


@bp.get("/warnings")
def warnings() -> Any:
    a = actor()
    eid = request.args.get("enterprise_id", type=int)
    kind = request.args.get("kind") or None
    items, counts = warnings_svc.compute(ctx(), actor=a, enterprise_id=eid)
    if kind:
        items = [w for w in items if w.kind.value == kind]
    names = directory.enterprise_names(ctx(), actor=a)
    can_ack = a.role in (Role.PARK_ADMIN, Role.ADMIN, Role.OPERATOR)
    return render_template(
        "warnings.html",
        items=items[:300],  # the counts above give the totals; filter by kind for the rest
        counts=counts,
        names=names,
        kinds=list(Kind),
        kind_zh=KIND_ZH,
        current=kind,
        can_ack=can_ack,
    )


@bp.post("/warnings/ack")
def warnings_ack() -> Any:
    warnings_svc.acknowledge(
        ctx(),
        actor=actor(),
        key=request.form.get("key", "")[:120],
        note=request.form.get("note", "")[:500],
    )
    return redirect(local_target(request.form.get("back")) or url_for("pages.warnings"))
