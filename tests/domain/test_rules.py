"""The handbook's rules: every warning kind names a rule, every rule has both languages and a
source, ids are unique and of the published form."""

from __future__ import annotations

import re

from hwtrace.domain.rules import BY_ID, RULE_OF_KIND, RULES, TOPICS, by_topic, rule_for
from hwtrace.domain.warnings import Kind


def test_every_warning_kind_links_to_a_rule() -> None:
    missing = [k.value for k in Kind if rule_for(k) is None]
    assert not missing, f"add these kinds to RULE_OF_KIND in hwtrace/domain/rules.py: {missing}"
    assert set(RULE_OF_KIND.values()) <= set(BY_ID)
    assert rule_for("no_such_kind") is None


def test_rules_are_complete_and_ids_stable() -> None:
    assert len(BY_ID) == len(RULES) >= 15
    topics = {t for t, _, _ in TOPICS}
    for r in RULES:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9-]+", r.id), r.id
        assert r.id.split(".")[0] == r.topic and r.topic in topics
        for text in (r.title_zh, r.text_zh, r.source_zh):
            assert re.search(r"[\u4e00-\u9fff]", text), r.id
        for text in (r.title_en, r.text_en, r.source_en):
            assert not re.search(r"[\u4e00-\u9fff]", text), (r.id, text)
    # ids the pages and warnings already link to (never renamed)
    for rid in ("storage.one-year", "transfer.receipt-deadline", "contracts.covering"):
        assert rid in BY_ID
    assert sum(len(rules) for *_, rules in by_topic()) == len(RULES)
