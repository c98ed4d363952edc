"""The rules hwtrace enforces, in plain words, each with a stable id and its source (the
standard or regulation and its clause, or "hwtrace's own rule" where no text says it), for the
handbook (企业危废环保手册); the text is data, ``schemas/reference/handbook-rules.json``. Every
warning kind names the rule it enforces (``RULE_OF_KIND``), so a warning links to its rule.
What is still to confirm against the texts is in docs/standards.md.

An id never changes once published (pages and warnings link to ``/handbook/rules#<id>``); a rule
that no longer applies is kept and marked, not renumbered.
"""

from __future__ import annotations

from dataclasses import dataclass

import schemas
from hwtrace.domain.warnings import Kind


@dataclass(frozen=True)
class Rule:
    """One rule: what it says and where it comes from."""

    id: str
    topic: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    source_zh: str
    source_en: str
    confirmed: bool = True  # False: the clause is recalled, not read from a shipped text


_DATA = schemas.reference("handbook-rules")
TOPICS: tuple[tuple[str, str, str], ...] = tuple(
    (t["id"], t["zh"], t["en"]) for t in _DATA["topics"]
)
RULES: tuple[Rule, ...] = tuple(Rule(**r) for r in _DATA["rules"])

BY_ID = {r.id: r for r in RULES}

# The rule each warning enforces (every kind has one; tests/domain/test_rules.py checks).
RULE_OF_KIND: dict[Kind, str] = {
    Kind.STORAGE_OVER_LIMIT: "storage.one-year",
    Kind.STORAGE_NEAR_LIMIT: "storage.one-year",
    Kind.ROOM_OVER_CAPACITY: "storage.room",
    Kind.LABELLED_NOT_STORED: "storage.store-promptly",
    Kind.TRANSFER_OVERDUE: "transfer.receipt-deadline",
    Kind.DISCREPANCY: "transfer.receipt-check",
    Kind.OUT_OF_ORDER: "declarations.event-order",
    Kind.WEIGHT_OUTLIER: "labelling.declared-weight",
    Kind.CONTRACT_EXPIRING: "contracts.covering",
    Kind.CONTRACT_NEARLY_USED: "contracts.covering",
    Kind.PAPER_MANIFEST_LATE: "transfer.paper-manifest",
}


def rule_for(kind: Kind | str) -> Rule | None:
    """The rule a warning of ``kind`` enforces (None for a kind without one)."""
    try:
        rid = RULE_OF_KIND.get(Kind(kind))
    except ValueError:
        return None
    return BY_ID.get(rid) if rid else None


def by_topic() -> list[tuple[str, str, str, list[Rule]]]:
    """The rules grouped by topic, in the handbook's order."""
    return [(t, zh, en, [r for r in RULES if r.topic == t]) for t, zh, en in TOPICS]
