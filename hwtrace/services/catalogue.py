"""The national waste catalogue in use: the shipped editions (``schemas/reference/``) and the
editions imported into the database (``hwtrace catalogue import``), searched by the pages'
waste-code picker and the API.

The edition in use is the newest one known. A batch is registered under it and keeps it: the
batch row names the edition, and its registration entry in the ledger records the edition with
the code's wording, so importing a new edition never changes what was recorded under an older
one. An imported edition is never replaced; the import itself is an entry in the ledger."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import catalogue as C
from hwtrace.domain import catalogue_changes
from hwtrace.domain.access import Actor
from hwtrace.domain.errors import Conflict
from hwtrace.services.context import Context
from hwtrace.store.tables import CatalogueEdition, CatalogueEntry, Park

# Imported editions as built from their rows, by (park, edition, digest): an edition is never
# changed once imported, so a cached one stays right.
_CACHE: dict[tuple[int, str, str], C.Edition] = {}
_LOCK = threading.Lock()


def _park_id(s: Session, ctx: Context) -> int | None:
    return s.scalar(sa.select(Park.id).where(Park.code == ctx.settings.park_code))


def _imported(s: Session, ctx: Context) -> dict[str, tuple[int, str]]:
    """The imported editions of this park: edition -> (park id, digest)."""
    pid = _park_id(s, ctx)
    if pid is None:
        return {}
    rows = s.execute(
        sa.select(CatalogueEdition.edition, CatalogueEdition.sha256).where(
            CatalogueEdition.park_id == pid
        )
    )
    return {r.edition: (pid, r.sha256) for r in rows}


def _load(s: Session, pid: int, edition: str, digest: str) -> C.Edition:
    key = (pid, edition, digest)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    head = s.get_one(CatalogueEdition, (pid, edition))
    rows = s.scalars(
        sa.select(CatalogueEntry)
        .where(CatalogueEntry.park_id == pid, CatalogueEntry.edition == edition)
        .order_by(CatalogueEntry.position)
    )
    built = C.edition_from_rows((_row(r) for r in rows), edition=edition, source=head.source)
    with _LOCK:
        _CACHE[key] = built
    return built


def _row(r: CatalogueEntry) -> dict[str, str]:
    hz = C.parse_hazards(r.hazards_official)
    return {
        "category": r.category,
        "category_name": r.category_name,
        "industry": r.industry,
        "code": r.code,
        "description": r.description,
        "hazards": "/".join(hz.letters),
        "hazards_official": r.hazards_official,
    }


def editions(ctx: Context) -> list[tuple[str, str]]:
    """Every edition known here, oldest first, as (edition, "shipped" or "imported")."""
    with ctx.db.read_session() as s:
        imported = _imported(s, ctx)
    known = {e: "shipped" for e in C.shipped_editions()}
    known.update({e: "imported" for e in imported if e not in known})
    return sorted(known.items())


def edition_in(s: Session, ctx: Context, edition: str | None = None) -> C.Edition:
    """An edition (default: the one in use, the newest known), read inside a session."""
    imported = _imported(s, ctx)
    newest = max([*C.shipped_editions(), *imported])
    edition = edition or newest
    if edition in C.shipped_editions():
        return C.shipped(edition)
    if edition in imported:
        pid, digest = imported[edition]
        return _load(s, pid, edition, digest)
    return C.shipped(edition)  # raises catalogue.unknown_edition


def edition(ctx: Context, edition: str | None = None) -> C.Edition:
    """An edition by its year (default: the one in use)."""
    with ctx.db.read_session() as s:
        return edition_in(s, ctx, edition)


def current(ctx: Context) -> C.Edition:
    """Return the edition in use: the newest shipped or imported one."""
    return edition(ctx)


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


def check_categories(s: Session, ctx: Context, categories: Iterable[str]) -> list[str]:
    """Return the categories sorted and deduplicated, or refuse one the catalogue in use does not
    have (``catalogue.unknown_category``)."""
    ed = edition_in(s, ctx)
    return sorted({ed.check_category(c).code for c in categories})


def _digest(rows: list[dict[str, str]]) -> str:
    text = json.dumps([[r[c] for c in C.COLUMNS] for r in rows], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_edition(
    ctx: Context,
    *,
    rows: Iterable[Mapping[str, str]],
    edition: str,
    source: str,
    actor: str,
    dry_run: bool = False,
) -> catalogue_changes.EditionDiff:
    """Import an edition of the catalogue from rows in the shipped column format and return
    what changed from the edition in use before. Every row is checked first
    (``catalogue.invalid`` lists the problems); an edition already known is refused
    (``catalogue.edition_exists``). ``dry_run`` checks and compares, and writes nothing."""
    new = C.edition_from_rows(rows, edition=edition, source=source)
    clean = [c.as_row() for c in new.codes]
    with ctx.uow() as uow:
        s = uow.session
        if edition in C.shipped_editions() or edition in _imported(s, ctx):
            raise Conflict(
                zh=f"《国家危险废物名录》{edition}年版已存在，不能再次导入",
                en=f"the {edition} edition of the catalogue is already here; it is never replaced",
                code="catalogue.edition_exists",
                detail={"edition": edition},
            )
        before = edition_in(s, ctx)
        diff = catalogue_changes.compare(before, new)
        if dry_run:
            return diff
        pid = _park_id(s, ctx)
        if pid is None:
            raise Conflict(
                zh="数据库中还没有园区，请先运行 hwtrace db upgrade 并建立园区",
                en="the database has no park yet",
                code="catalogue.no_park",
            )
        digest = _digest(clean)
        entry = uow.record(
            entry_type="catalogue.import",
            subject=f"catalogue:{edition}",
            actor=actor,
            enterprise=None,
            payload={
                "edition": edition,
                "source": source,
                "sha256": digest,
                "codes": len(clean),
                "categories": len(new.categories),
                "compared_with": before.edition,
                **diff.as_dict(),
            },
        )
        s.add(
            CatalogueEdition(
                park_id=pid,
                edition=edition,
                source=source[:500],
                sha256=digest,
                code_count=len(clean),
                imported_at=ctx.now(),
                imported_by=actor[:64],
                seq=entry.seq,
            )
        )
        s.flush()
        s.add_all(
            CatalogueEntry(
                park_id=pid,
                edition=edition,
                code=r["code"],
                position=i,
                category=r["category"],
                category_name=r["category_name"],
                industry=r["industry"],
                description=r["description"],
                hazards_official=r["hazards_official"],
            )
            for i, r in enumerate(clean)
        )
        uow.commit()
    return diff
