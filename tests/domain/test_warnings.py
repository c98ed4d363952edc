"""Warning rules: the weight outlier, the storage deadline, the map's colours (no database)."""

from __future__ import annotations

import datetime as dt

from hwtrace.domain import warnings as W


def test_weight_outlier_needs_history_and_uses_the_modified_z_score() -> None:
    history = [100_000 + 500 * (i % 5) for i in range(20)]
    assert W.weight_outlier(500_000, history[:9]) is None  # too little history to judge
    assert W.weight_outlier(101_000, history) is None
    found = W.weight_outlier(500_000, history)
    assert found is not None and float(found["score"]) > 3.5


def test_identical_history_flags_a_weight_half_off() -> None:
    history = [100_000] * 10
    assert W.weight_outlier(149_000, history) is None
    found = W.weight_outlier(151_000, history)
    assert found is not None and found["score"] == "inf"


def test_storage_deadline_and_messages() -> None:
    deadline, left = W.storage_deadline(
        dt.date(2025, 6, 20), limit_days=365, today=dt.date(2026, 6, 15)
    )
    assert deadline == dt.date(2026, 6, 20) and left == 5
    zh, en = W.storage_messages(dt.date(2025, 6, 20), deadline, left)
    assert "还有 5 天" in zh and "5 days left" in en
    zh, en = W.storage_messages(dt.date(2025, 6, 1), dt.date(2026, 6, 1), -14)
    assert "已超过一年贮存期限 14 天" in zh and "14 days past" in en


def test_map_colours() -> None:
    calm = {"over_limit": 0, "near_limit": 0, "open_discrepancies": 0, "overdue_transfers": 0}
    assert W.map_colour(**calm, fill_pct=79) == "green"
    assert W.map_colour(**calm, fill_pct=80) == "amber"
    assert W.map_colour(**{**calm, "near_limit": 1}, fill_pct=0) == "amber"
    assert W.map_colour(**calm, fill_pct=101) == "red"
    for key in ("over_limit", "open_discrepancies", "overdue_transfers"):
        assert W.map_colour(**{**calm, key: 1}, fill_pct=0) == "red"


def test_every_kind_has_its_names_and_level() -> None:
    for kind in W.Kind:
        assert W.KIND_ZH[kind] and W.KIND_EN[kind] and W.LEVEL[kind] in W.Level
