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
transfer_overdue         red    a manifest in transit is past its receipt deadline
                                (departure + RECEIPT_DEADLINE_HOURS), or an accepted
                                booking's window ended without departure
discrepancy              red    an open weight / missing / rejection discrepancy
out_of_order             amber  an event's device time is earlier than the batch's previous
                                event (an offline PDA synced late, or a wrong device clock)
weight_outlier           amber  the declared weight's modified z-score against the last
                                50 batches of the same waste profile exceeds 3.5
                                (Iglewicz & Hoaglin: 0.6745·|w − median| / MAD)
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


KIND_ZH = {
    Kind.STORAGE_OVER_LIMIT: "贮存超期",
    Kind.STORAGE_NEAR_LIMIT: "贮存即将到期",
    Kind.ROOM_OVER_CAPACITY: "库房超容",
    Kind.LABELLED_NOT_STORED: "贴标未入库",
    Kind.TRANSFER_OVERDUE: "转移超时",
    Kind.DISCREPANCY: "转移差异",
    Kind.OUT_OF_ORDER: "事件时序异常",
    Kind.WEIGHT_OUTLIER: "申报重量异常",
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


OUTLIER_WINDOW = 50
OUTLIER_MIN_HISTORY = 10
OUTLIER_THRESHOLD = Decimal("3.5")


def weight_outlier(weight_g: int, history_g: list[int]) -> dict[str, Any] | None:
    """Return the explanation if ``weight_g`` is out of line with ``history_g``, else None.

    The modified z-score uses the median and the median absolute deviation (MAD), so a few
    earlier outliers do not hide a new one. Fewer than 10 earlier batches: no judgement.
    When MAD is 0 (identical weights), any weight differing by more than 50 % is flagged.
    """
    if len(history_g) < OUTLIER_MIN_HISTORY:
        return None
    xs = sorted(history_g)
    med = _median(xs)
    mad = _median(sorted(abs(Decimal(x) - med) for x in xs))
    dev = abs(Decimal(weight_g) - med)
    if mad == 0:
        if med and dev / med > Decimal("0.5"):
            return {
                "median_g": str(med),
                "mad_g": "0",
                "score": "inf",
                "rule": "identical history; >50% from it",
            }
        return None
    score = (Decimal("0.6745") * dev / mad).quantize(Decimal("0.01"))
    if score <= OUTLIER_THRESHOLD:
        return None
    return {
        "median_g": str(med),
        "mad_g": str(mad),
        "score": str(score),
        "rule": f"modified z-score > {OUTLIER_THRESHOLD} over last {len(xs)} batches",
    }


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
) -> str:
    """Return an enterprise's colour on the park map, the rule of its legend: red for anything
    past a limit (storage, a discrepancy, a transfer, a room over full), amber for a storage
    limit near or rooms 80 % full, else green."""
    if over_limit or open_discrepancies or overdue_transfers or fill_pct > 100:
        return "red"
    if near_limit or fill_pct >= 80:
        return "amber"
    return "green"
