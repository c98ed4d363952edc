"""The national waste catalogue in use: the shipped editions (``schemas/reference/``) and the
editions imported into the database (``hwtrace catalogue import``), searched by the pages'
waste-code picker and the API.

The edition in use is the newest one known: a batch is registered under it and keeps it (its
code, wording and the edition are recorded in the batch row and its ledger entry), so importing
a new edition never changes what was recorded under an older one."""

from __future__ import annotations

from typing import Any

from hwtrace.domain import catalogue as C
from hwtrace.domain.access import Actor
from hwtrace.services.context import Context


def current(ctx: Context) -> C.Edition:
    """Return the edition in use: the newest shipped or imported one."""
    return C.shipped()


def search(
    ctx: Context, *, actor: Actor, q: str, category: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """Search the edition in use for the picker: ``{"edition", "items"}``, best first."""
    del actor  # any logged-in user may search the catalogue
    ed = current(ctx)
    hits = ed.search(q[:50], category=category or None, limit=max(1, min(limit, 200)))
    return {"edition": ed.edition, "items": [h.as_dict() for h in hits]}


def categories(ctx: Context) -> list[C.Category]:
    """Return the categories of the edition in use, in catalogue order."""
    return list(current(ctx).categories)
