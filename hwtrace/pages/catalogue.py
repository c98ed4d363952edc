"""The national waste catalogue for people: a page to browse and search it (works without
JavaScript) and the JSON the waste-code picker (``templates/_picker.html``) asks while typing."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request

from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import catalogue


def _query() -> tuple[str, str | None]:
    q = (request.args.get("q") or "").strip()[:50]
    cat = (request.args.get("category") or "").strip()[:20] or None
    return q, cat


@bp.get("/catalogue")
def catalogue_page() -> Any:
    q, cat = _query()
    found = catalogue.search(ctx(), actor=actor(), q=q, category=cat, limit=200)
    return render_template(
        "catalogue.html",
        q=q,
        category=cat or "",
        found=found,
        categories=catalogue.categories(ctx()),
    )


@bp.get("/catalogue/search")
def catalogue_search() -> Any:
    q, cat = _query()
    try:
        limit = int(request.args.get("limit", "12"))
    except ValueError:
        limit = 12
    found = catalogue.search(ctx(), actor=actor(), q=q, category=cat, limit=min(limit, 50))
    return jsonify(found)
