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
