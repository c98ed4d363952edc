"""Ledger entries for people: type names in Chinese, payload summaries (no database)."""

from __future__ import annotations

from hwtrace.domain.entries import ENTRY_TYPE_ZH, payload_summary


def test_summaries_name_states_and_fields_in_chinese() -> None:
    text = payload_summary(
        {"from": "LABELLED", "to": "STORED", "prev": 4, "room": {"id": 1, "name": "1号"}}
    )
    assert text == "状态 已贴标→已入库；库房：1号"


def test_summaries_skip_empty_values_and_count_lines() -> None:
    text = payload_summary(
        {"reason": "", "lines": [{}, {}], "changes": {"weight_kg": {"old": "1", "new": "2"}}}
    )
    assert text == "更正：weight_kg=1→2；批次数：2"


def test_summaries_are_bounded() -> None:
    assert len(payload_summary({"note": "很" * 1000}, limit=50)) == 50


def test_every_batch_action_has_a_chinese_name() -> None:
    for action in ("register", "label", "store", "unstore", "load", "receive", "reject"):
        assert f"batch.{action}" in ENTRY_TYPE_ZH


def test_every_entry_type_has_an_english_name() -> None:
    from hwtrace.domain.entries import ENTRY_TYPE_EN, entry_title

    assert set(ENTRY_TYPE_EN) == set(ENTRY_TYPE_ZH)
    assert entry_title("batch.dispose", "en") == "Disposed of"
    assert entry_title("batch.dispose", "zh") == "处置"


def test_entries_in_words_carry_the_same_numbers_in_both_languages() -> None:
    from hwtrace.domain.entries import entry_words

    payload = {
        "from": "IN_TRANSIT",
        "to": "RECEIVED",
        "weight_kg": "31.450",
        "dispatched_kg": "31.500",
        "receiver": "91320500MA1XY00051",
        "window": ["2026-01-02T01:00:00+00:00", "2026-01-02T05:00:00+00:00"],
        "prev": 7,
    }
    names = {"91320500MA1XY00051": "绿源环保处置有限公司"}
    zh = dict(entry_words(payload, "zh", names, lambda v: v[:16]))
    en = dict(entry_words(payload, "en", names, lambda v: v[:16]))
    assert zh["状态"] == "转运中 → 已接收" and en["state"] == "in transit → received"
    assert zh["重量"] == en["weight"] == "31.450 kg"
    assert zh["发出重量"] == en["dispatched"] == "31.500 kg"
    assert zh["接收单位"] == en["receiver"] == "绿源环保处置有限公司"
    assert en["window"] == "2026-01-02T01:00 – 2026-01-02T05:00"
    assert "prev" not in zh and "prev" not in en
    facts = {
        "dispatched_kg": "43.600",
        "received_kg": "12.300",
        "difference_pct": "71.79",
        "tolerance_pct": "1",
    }
    zh_facts = dict(entry_words({"facts": facts, "kind": "weight"}, "zh"))
    en_facts = dict(entry_words({"facts": facts, "kind": "weight"}, "en"))
    assert "71.79" in zh_facts["差异"] and "71.79" in en_facts["difference"]
    assert zh_facts["类型"] == "重量差异" and en_facts["kind"] == "weight difference"
