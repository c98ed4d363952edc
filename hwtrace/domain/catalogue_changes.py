"""What changed from one edition of the catalogue to the next (used when a new edition is
imported: ``hwtrace catalogue import --dry-run`` shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwtrace.domain.catalogue import Edition, WasteCode


@dataclass(frozen=True)
class Change:
    """A code present in both editions whose wording or hazards differ."""

    code: str
    fields: tuple[str, ...]
    old: WasteCode
    new: WasteCode


@dataclass(frozen=True)
class EditionDiff:
    """What changed from one edition to another."""

    old: str
    new: str
    added: tuple[WasteCode, ...]
    removed: tuple[WasteCode, ...]
    changed: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """The difference as text, one line per code (for the command line)."""
        out = [
            f"{self.old} -> {self.new}: {len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed)} changed"
        ]
        out += [f"+ {c.code} {c.category} {c.description}" for c in self.added]
        out += [f"- {c.code} {c.category} {c.description}" for c in self.removed]
        for ch in self.changed:
            for f in ch.fields:
                out.append(f"~ {ch.code} {f}: {ch.old.wording[f]} -> {ch.new.wording[f]}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "added": [c.code for c in self.added],
            "removed": [c.code for c in self.removed],
            "changed": {ch.code: list(ch.fields) for ch in self.changed},
        }


def compare(old: Edition, new: Edition) -> EditionDiff:
    """Return the codes added, removed, and changed (wording, industry, hazards) from ``old``
    to ``new``."""
    before = {c.code: c for c in old.codes}
    after = {c.code: c for c in new.codes}
    changed = []
    for code, n in after.items():
        o = before.get(code)
        if o is None:
            continue
        fields = tuple(k for k, val in n.wording.items() if o.wording[k] != val)
        if fields:
            changed.append(Change(code, fields, o, n))
    return EditionDiff(
        old.edition,
        new.edition,
        tuple(c for c in new.codes if c.code not in before),
        tuple(c for c in old.codes if c.code not in after),
        tuple(changed),
    )
