"""The enterprise's hazardous-waste handbook (企业危废环保手册): the catalogue browser (search by
code, name, industry, category or everyday word, each code with the exempt stages of the
exemption list that name it or its category, with their conditions), the exemption list, and
the rules hwtrace enforces (``domain/rules.py``). Any logged-in user reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hwtrace.domain import catalogue as C
from hwtrace.domain.access import Actor
from hwtrace.services import catalogue
from hwtrace.services.context import Context

MAX_HITS = 100


@dataclass
class Browse:
    """A search of the catalogue in use, and what the form offers."""

    edition: str
    q: str
    category: str
    industry: str
    hits: list[dict[str, Any]] = field(default_factory=list)
    categories: list[C.Category] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    searched: bool = False


def _exempt(e: C.Exemption) -> dict[str, Any]:
    return {
        "item": e.item,
        "applies_to": list(e.applies_to),
        "waste": e.waste,
        "stage": e.stage,
        "condition": e.condition,
        "exemption": e.exemption,
    }


def exemptions_of(edition: str, code: C.WasteCode) -> list[dict[str, Any]]:
    """The exempt stages of ``edition``'s list that name this code or its category."""
    return [
        _exempt(e)
        for e in C.exemptions(edition)
        if code.code in e.applies_to or code.category in e.applies_to
    ]


def browse(ctx: Context, *, actor: Actor, q: str, category: str = "", industry: str = "") -> Browse:
    """Search the catalogue in use (nothing typed or chosen: no hits, only the form)."""
    del actor  # any logged-in user reads the handbook
    ed = catalogue.current(ctx)
    q, category, industry = q.strip()[:50], category.strip()[:20], industry.strip()[:40]
    out = Browse(
        ed.edition,
        q,
        category,
        industry,
        categories=list(ed.categories),
        industries=list(dict.fromkeys(c.industry for c in ed.codes)),
    )
    if not (q or category or industry):
        return out
    out.searched = True
    for h in ed.search(q, category=category or None, industry=industry or None, limit=MAX_HITS):
        out.hits.append({**h.as_dict(), "exemptions": exemptions_of(ed.edition, h.entry)})
    return out


def exemption_list(ctx: Context, *, actor: Actor, q: str = "") -> tuple[str, list[dict[str, Any]]]:
    """The exemption list of the edition in use (the 2021 list if that edition has none of its
    own), optionally only the items whose waste, codes or conditions contain every word of
    ``q``."""
    del actor
    ed = catalogue.current(ctx)
    edition = ed.edition if C.exemptions(ed.edition) else "2021"
    words = [w for w in q.strip()[:50].split() if w]
    rows = []
    for e in C.exemptions(edition):
        text = " ".join((*e.applies_to, e.waste, e.stage, e.condition, e.exemption))
        if all(w.lower() in text.lower() for w in words):
            rows.append(_exempt(e))
    return edition, rows
