"""Warning rules: the weight outlier, the storage deadline, the map's colours (no database)."""

from __future__ import annotations

import datetime as dt

from hwtrace.domain import warnings as W


def test_weight_outlier_needs_history() -> None:
    history = [100_000 + 500 * (i % 5) for i in range(20)]
    assert W.weight_outlier(1_000_000, history[:9]) is None  # too little history to judge
    found = W.weight_outlier(1_000_000, history)
    assert found is not None and found["rule"] == "multiple" and found["ratio"] == "9.90"


def test_ordinary_variation_and_part_filled_containers_are_not_flagged() -> None:
    drums = [
        180_000,
        176_500,
        184_000,
        179_000,
        181_500,
        178_000,
        183_000,
        177_000,
        180_500,
        182_000,
    ]
    for w in (162_000, 165_600, 194_400, 198_000):  # ±8-10 % drum to drum
        assert W.weight_outlier(w, drums) is None, w
    assert W.weight_outlier(25_000, drums) is None  # a part-filled drum
    bags = [40_000 + 700 * (i % 7) - 2_000 for i in range(30)]
    assert W.weight_outlier(25_000, bags) is None  # a 25 kg bag among 40 kg ones
    assert W.weight_outlier(80_000, bags) is None  # a double bag: twice the median is not a slip


def test_multiples_are_flagged() -> None:
    drums = [180_000 + 1_000 * (i % 5) for i in range(12)]
    assert W.weight_outlier(1_820_000, drums) is not None  # a digit too many
    assert W.weight_outlier(180, drums) is not None  # kilograms typed as tonnes (0.18)
    found = W.weight_outlier(1_850_000, drums)
    assert found is not None and found["median_g"] == "181500" and found["history"] == 12


def test_corrections_that_multiply_a_weight_are_flagged() -> None:
    found = W.correction_outlier(40_000, 3_250_000)
    assert found is not None and found["rule"] == "correction" and found["ratio"] == "81.25"
    assert W.correction_outlier(3_250_000, 40_000) is not None  # divided, too
    assert W.correction_outlier(900_000, 1_500_000) is None  # a re-weighing
    assert W.correction_outlier(40_000, 44_000) is None


def test_outlier_messages_carry_the_same_numbers_in_both_languages() -> None:
    found = W.correction_outlier(40_000, 3_250_000)
    assert found is not None
    zh, en = W.outlier_messages(3_250_000, found)
    assert "40 千克" in zh and "3,250 千克" in zh and "81.25" in zh
    assert "40 kg" in en and "3,250 kg" in en and "81.25" in en
    drums = [180_000] * 12
    multiple = W.weight_outlier(1_800_000, drums)
    assert multiple is not None
    zh, en = W.outlier_messages(1_800_000, multiple)
    assert "1,800" in zh and "180" in zh and "10.00" in zh and "12" in zh
    assert "1,800" in en and "180" in en and "10.00" in en and "12" in en


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
    assert W.map_colour(**calm, fill_pct=0, open_red=1) == "red"
    assert W.map_colour(**calm, fill_pct=0, open_amber=1) == "amber"
    assert W.map_colour(**calm, fill_pct=0, open_red=1, open_amber=3) == "red"


def test_every_kind_has_its_names_and_level() -> None:
    for kind in W.Kind:
        assert W.KIND_ZH[kind] and W.KIND_EN[kind] and W.LEVEL[kind] in W.Level


def test_every_warning_kind_says_who_handles_its_case() -> None:
    """A warning kind added without its line in HANDLED_BY (and LEVEL, which sets its case's
    deadline) fails here: whoever adds a kind decides whose case it is."""
    from hwtrace.domain.warnings import HANDLED_BY, LEVEL, Kind

    assert set(HANDLED_BY) == set(Kind)
    assert set(LEVEL) == set(Kind)
    for kind, names in HANDLED_BY.items():
        assert all(n in ("receiver_id", "transporter_id", "producer_id") for n in names), kind


def test_an_overdue_receipt_is_the_receivers_and_a_missed_pickup_the_transporters() -> None:
    from hwtrace.domain.warnings import Kind, Warning

    def w(**facts: object) -> Warning:
        return Warning(Kind.TRANSFER_OVERDUE, "k", 1, "s", "zh", "en", facts=dict(facts))

    assert w(receiver_id=7, due=dt.date.today().isoformat()).handler_id == 7
    assert w(transporter_id=9).handler_id == 9
    assert w().handler_id == 1
    odd = Warning(Kind.DISCREPANCY, "k", 1, "s", "zh", "en", facts={"receiver_id": 7})
    assert odd.handler_id == 1  # a discrepancy is explained by the producer
