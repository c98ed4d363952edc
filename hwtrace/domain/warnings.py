"""Warnings: what a park administrator or an enterprise must look at, and the plain rules that
raise them (docs/domain.md, "Storage", "Transfers", "Warnings").

Every rule is explainable in one sentence, shown next to the warning:

=======================  =====  ============================================================
kind                     level  rule
=======================  =====  ============================================================
storage_over_limit       red    a batch still at the producer was produced more than
                                STORAGE_LIMIT_DAYS ago (Solid Waste Law art. 81)
storage_near_limit       amber  ... within the first of STORAGE_WARN_DAYS of that limit
room_over_capacity       red    the batches stored in a room weigh more than its capacity
labelled_not_stored      amber  a batch was registered/labelled more than
                                LABEL_TO_STORE_HOURS ago and never scanned into storage
transfer_overdue         red    a manifest in transit is past its receipt deadline (the 5th
                                working day after departure on the park's calendar, 部令第23号
                                第十八条), or an accepted booking's window ended without
                                departure
discrepancy              red    an open weight / mismatch / missing / rejection discrepancy
out_of_order             amber  an event's device time is earlier than the batch's previous
                                event (an offline PDA synced late, or a wrong device clock)
weight_outlier           amber  the declared weight is a multiple of what the same waste
                                profile's last 50 batches weigh: at least 3 times their
                                median and twice their 90th percentile, or under a 20th of
                                the median (a slip of the unit or an extra digit); or a
                                correction multiplied or divided a weight by 3 or more and
                                the new weight is not in line with that history.
                                It ends when the cause does: a correction brings the
                                weight back in line, or the receiver's scale confirms it
contract_expiring        amber  a confirmed contract ends within EXPIRY_WARN_DAYS
                                (domain/contracts.py)
contract_nearly_used     amber  USE_WARN_PCT % or more of a waste code's agreed quantity
                                of a confirmed contract is used (domain/contracts.py)
paper_manifest_late      amber  an emergency paper manifest was entered more than 10 working
                                days after its transfer (部令第23号 第二十条;
                                domain/paper_manifests.py)
=======================  =====  ============================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """How urgent a warning is (the colours of the map)."""

    RED = "red"
    AMBER = "amber"


class Kind(StrEnum):
    """What a warning is about."""

    STORAGE_OVER_LIMIT = "storage_over_limit"
    STORAGE_NEAR_LIMIT = "storage_near_limit"
    ROOM_OVER_CAPACITY = "room_over_capacity"
    LABELLED_NOT_STORED = "labelled_not_stored"
    TRANSFER_OVERDUE = "transfer_overdue"
    DISCREPANCY = "discrepancy"
    OUT_OF_ORDER = "out_of_order"
    WEIGHT_OUTLIER = "weight_outlier"
    CONTRACT_EXPIRING = "contract_expiring"
    CONTRACT_NEARLY_USED = "contract_nearly_used"
    PAPER_MANIFEST_LATE = "paper_manifest_late"


KIND_ZH = {
    Kind.STORAGE_OVER_LIMIT: "贮存超期",
    Kind.STORAGE_NEAR_LIMIT: "贮存即将到期",
    Kind.ROOM_OVER_CAPACITY: "库房超容",
    Kind.LABELLED_NOT_STORED: "贴标未入库",
    Kind.TRANSFER_OVERDUE: "转移超时",
    Kind.DISCREPANCY: "转移差异",
    Kind.OUT_OF_ORDER: "事件时序异常",
    Kind.WEIGHT_OUTLIER: "申报重量异常",
    Kind.CONTRACT_EXPIRING: "合同即将到期",
    Kind.CONTRACT_NEARLY_USED: "合同数量将用完",
    Kind.PAPER_MANIFEST_LATE: "纸质联单逾期补录",
}

KIND_EN = {
    Kind.STORAGE_OVER_LIMIT: "storage past the limit",
    Kind.STORAGE_NEAR_LIMIT: "storage limit near",
    Kind.ROOM_OVER_CAPACITY: "room over capacity",
    Kind.LABELLED_NOT_STORED: "labelled, never stored",
    Kind.TRANSFER_OVERDUE: "transfer overdue",
    Kind.DISCREPANCY: "transfer discrepancy",
    Kind.OUT_OF_ORDER: "event out of order",
    Kind.WEIGHT_OUTLIER: "declared weight out of line",
    Kind.CONTRACT_EXPIRING: "contract ends soon",
    Kind.CONTRACT_NEARLY_USED: "contract quantity nearly used",
    Kind.PAPER_MANIFEST_LATE: "paper manifest entered late",
}

LEVEL = {
    Kind.STORAGE_OVER_LIMIT: Level.RED,
    Kind.STORAGE_NEAR_LIMIT: Level.AMBER,
    Kind.ROOM_OVER_CAPACITY: Level.RED,
    Kind.LABELLED_NOT_STORED: Level.AMBER,
    Kind.TRANSFER_OVERDUE: Level.RED,
    Kind.DISCREPANCY: Level.RED,
    Kind.OUT_OF_ORDER: Level.AMBER,
    Kind.WEIGHT_OUTLIER: Level.AMBER,
    Kind.CONTRACT_EXPIRING: Level.AMBER,
    Kind.CONTRACT_NEARLY_USED: Level.AMBER,
    Kind.PAPER_MANIFEST_LATE: Level.AMBER,
}


# Every warning opens a case (domain/cases.py). Its assignee is the enterprise whose step it
# is: the first party named here whose id the warning's facts carry (an overdue receipt is
# the receiver's: ``receiver_id``; an accepted booking whose window passed is the
# transporter's: ``transporter_id``), else the enterprise concerned (``Warning.enterprise_id``,
# the producer). Every kind has its line (tests/domain/test_warnings.py checks it); a kind
# added without one still opens its case, for the enterprise concerned.
HANDLED_BY: dict[Kind, tuple[str, ...]] = {
    Kind.STORAGE_OVER_LIMIT: (),
    Kind.STORAGE_NEAR_LIMIT: (),
    Kind.ROOM_OVER_CAPACITY: (),
    Kind.LABELLED_NOT_STORED: (),
    Kind.TRANSFER_OVERDUE: ("receiver_id", "transporter_id"),
    Kind.DISCREPANCY: (),
    Kind.OUT_OF_ORDER: (),
    Kind.WEIGHT_OUTLIER: (),
    Kind.CONTRACT_EXPIRING: (),
    Kind.CONTRACT_NEARLY_USED: (),
    Kind.PAPER_MANIFEST_LATE: (),  # the producer entered it late (第二十条)
}


@dataclass
class Warning:
    """One thing to look at. ``key`` is stable, so an acknowledgement sticks to it."""

    kind: Kind
    key: str
    enterprise_id: int
    subject: str  # a batch code, a manifest number or a room
    message_zh: str
    message_en: str
    facts: dict[str, Any] = field(default_factory=dict)
    acknowledged: dict[str, Any] | None = None

    @property
    def level(self) -> Level:
        """Return the warning's level."""
        return LEVEL[self.kind]

    @property
    def handler_id(self) -> int:
        """Return the enterprise whose case it is to handle (``HANDLED_BY``)."""
        for name in HANDLED_BY.get(self.kind, ()):
            value = self.facts.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return self.enterprise_id


OUTLIER_WINDOW = 50
OUTLIER_MIN_HISTORY = 10
# Containers hold what they hold: a drum of the same waste weighs about the same each time
# (drum-to-drum variation of ±10 % is ordinary) and a part-filled one weighs less. What is not
# ordinary is a multiple: a digit too many, kilograms typed as grams or tonnes. These factors
# were tuned on the demo year (bench/weight_outlier.py; figures in bench/RESULTS.md).
OUTLIER_HIGH = Decimal(3)  # at least this many times the median ...
OUTLIER_HIGH_OF_P90 = Decimal(2)  # ... and this many times the 90th percentile of the history
OUTLIER_LOW = Decimal(20)  # or under the median divided by this
CORRECTION_FACTOR = Decimal(3)  # a correction multiplying or dividing a weight by this or more


def _ratio(a: Decimal, b: Decimal) -> str:
    return str((a / b).quantize(Decimal("0.01"))) if b else "inf"


def weight_outlier(weight_g: int, history_g: list[int]) -> dict[str, Any] | None:
    """Return the explanation if ``weight_g`` is a multiple of what the profile's batches weigh
    (``history_g``, the last ones, newest first), else None. Fewer than 10 earlier batches: no
    judgement. High: at least 3 times the median and twice the 90th percentile; low: under a
    20th of the median. Ordinary drum-to-drum variation and part-filled containers pass."""
    if len(history_g) < OUTLIER_MIN_HISTORY:
        return None
    xs = sorted(history_g)
    med = _median(xs)
    top = Decimal(xs[(9 * (len(xs) - 1)) // 10])  # the 90th percentile: one odd batch aside
    w = Decimal(weight_g)
    if med <= 0:
        return None
    high = w >= OUTLIER_HIGH * med and w >= OUTLIER_HIGH_OF_P90 * top
    low = w * OUTLIER_LOW < med
    if not (high or low):
        return None
    return {
        "rule": "multiple",
        "median_g": str(med),
        "p90_g": str(top),
        "ratio": _ratio(w, med),
        "history": len(xs),
    }


def correction_outlier(old_g: int, new_g: int) -> dict[str, Any] | None:
    """Return the explanation if a correction multiplies or divides a weight by 3 or more (40 kg
    corrected to 3,250 kg is a different batch, or a slip), else None."""
    if old_g <= 0 or new_g <= 0:
        return None
    big, small = max(old_g, new_g), min(old_g, new_g)
    if Decimal(big) < CORRECTION_FACTOR * small:
        return None
    return {
        "rule": "correction",
        "old_g": str(old_g),
        "new_g": str(new_g),
        "ratio": _ratio(Decimal(new_g), Decimal(old_g)),
    }


def outlier_messages(weight_g: int, facts: dict[str, Any]) -> tuple[str, str]:
    """Return the weight-outlier warning in Chinese and English, the same numbers in both."""

    def kg(grams: Any) -> str:
        return f"{Decimal(grams) / 1000:,.3f}".rstrip("0").rstrip(".")

    ratio = facts.get("ratio", "")
    if facts.get("rule") == "correction":
        old, new = kg(facts["old_g"]), kg(facts["new_g"])
        return (
            f"更正将重量从 {old} 千克改为 {new} 千克（{ratio} 倍），请核实",
            f"a correction changed the weight from {old} kg to {new} kg ({ratio} times); check it",
        )
    if facts.get("rule") == "multiple":
        med = kg(facts["median_g"])
        return (
            f"申报 {kg(weight_g)} 千克，为同类废物近 {facts['history']} 批中位数 {med} 千克的 "
            f"{ratio} 倍",
            f"declared {kg(weight_g)} kg, {ratio} times the median {med} kg of the last "
            f"{facts['history']} batches of this waste",
        )
    # Recorded by the earlier rule (modified z-score).
    med, z = kg(Decimal(facts.get("median_g", "0"))), facts.get("score", "")
    return (
        f"申报 {kg(weight_g)} 千克，同类废物近期中位数 {med} 千克（稳健 z 值 {z}）",
        f"declared {kg(weight_g)} kg; recent median {med} kg (modified z {z})",
    )


def _median(xs: list[Any]) -> Decimal:
    n = len(xs)
    mid = n // 2
    if n % 2:
        return Decimal(xs[mid])
    return (Decimal(xs[mid - 1]) + Decimal(xs[mid])) / 2


def storage_deadline(
    produced_on: dt.date, *, limit_days: int, today: dt.date
) -> tuple[dt.date, int]:
    """Return the last day a batch may be stored (production date + the limit) and the days
    left until then (negative once it has passed)."""
    deadline = produced_on + dt.timedelta(days=limit_days)
    return deadline, (deadline - today).days


def storage_messages(produced_on: dt.date, deadline: dt.date, days_left: int) -> tuple[str, str]:
    """Return the storage-limit warning in Chinese and English."""
    if days_left < 0:
        return (
            f"已超过一年贮存期限 {-days_left} 天（产生于 {produced_on}）",
            f"stored {-days_left} days past the one-year limit",
        )
    return (
        f"距一年贮存期限还有 {days_left} 天（{deadline} 到期）",
        f"{days_left} days left before the one-year limit ({deadline})",
    )


def map_colour(
    *,
    over_limit: int,
    near_limit: int,
    open_discrepancies: int,
    overdue_transfers: int,
    fill_pct: int,
    open_red: int = 0,
    open_amber: int = 0,
) -> str:
    """Return an enterprise's colour on the park map, the rule of its legend: red for anything
    past a limit (storage, a discrepancy, a transfer, its fullest room over capacity) or any
    open red warning; amber for a storage limit near, its fullest room at 80 % or more, or any
    open amber warning (labelled and never stored, an event out of order, a weight out of
    line); else green. ``fill_pct`` is the fullest room's, never the average of the rooms: one
    full room is full however empty the others are."""
    if over_limit or open_discrepancies or overdue_transfers or fill_pct > 100 or open_red:
        return "red"
    if near_limit or fill_pct >= 80 or open_amber:
        return "amber"
    return "green"
