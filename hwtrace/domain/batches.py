"""Rules about one batch's facts, decided before anything is written: its production date,
package count and container volume; which batches a producer may still correct, reprint or
book; the reason some steps need; when a device's event time is out of order
(docs/domain.md, "One batch, one code" and "The life of a batch")."""

from __future__ import annotations

import datetime as dt

from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.lifecycle import BatchStatus

S = BatchStatus
MAX_PACKAGES = 10000
MAX_VOLUME_L = 100000
# Device clocks drift; an event up to this much earlier than the previous one is not flagged.
CLOCK_SLACK = dt.timedelta(minutes=5)
# The producer may correct a batch until it has left its hands.
CORRECTABLE = frozenset({S.REGISTERED, S.LABELLED, S.STORED, S.AWAITING_PICKUP})
# A pickup can be booked for batches in storage or scanned out for it.
BOOKABLE = frozenset({S.STORED, S.AWAITING_PICKUP})


def need_reason(reason: str | None) -> str:
    """Return the reason, trimmed; refuse a missing or blank one."""
    text = (reason or "").strip()
    if not text:
        raise BadValue(zh="须填写原因", en="a reason is required")
    return text


def check_produced_on(day: dt.date, *, today: dt.date, storage_limit_days: int) -> None:
    """Refuse a production date in the future or further back than the storage limit."""
    if day > today:
        raise BadValue(
            zh="产生日期不能晚于今天",
            en="the production date is in the future",
            code="value.future_date",
        )
    if day < today - dt.timedelta(days=storage_limit_days):
        raise BadValue(
            zh="产生日期早于一年前，请核实",
            en="the production date is more than a year ago",
            detail={"produced_on": day.isoformat()},
        )


def check_package_count(count: int) -> None:
    """Refuse a package count outside 1..MAX_PACKAGES."""
    if not 1 <= count <= MAX_PACKAGES:
        raise BadValue(
            zh=f"包装数量须在 1 到 {MAX_PACKAGES} 之间",
            en=f"package_count must be 1..{MAX_PACKAGES}",
        )


def check_volume(volume: int | None) -> None:
    """Refuse a container volume outside 1..MAX_VOLUME_L litres (None: not given)."""
    if volume is not None and not 1 <= volume <= MAX_VOLUME_L:
        raise BadValue(
            zh=f"容器容积须在 1 到 {MAX_VOLUME_L} 升之间",
            en=f"the container volume must be 1..{MAX_VOLUME_L} litres",
        )


def volume_to_record(recorded: int | None, given: int | None) -> int | None:
    """Return the container volume a label print records: the one given when the batch has
    none yet (the label size follows it, HJ 1276-2022), else None; another volume than the
    recorded one is refused."""
    if given is None:
        return None
    check_volume(given)
    if recorded is None:
        return given
    if recorded != given:
        raise Conflict(
            zh=f"该批次已登记容器容积 {recorded} 升",
            en=f"the batch's container volume is recorded as {recorded} litres",
            code="batch.volume_differs",
            detail={"container_volume_l": recorded},
        )
    return None


def check_usable(status: BatchStatus, code: str) -> None:
    """Refuse any step on a voided label."""
    if status is S.VOIDED:
        raise Conflict(
            zh="该标签已作废，不能再使用",
            en="this label was voided and may not be used",
            code="batch.voided",
            detail={"code": code},
        )


def check_reprintable(status: BatchStatus) -> None:
    """Refuse a reprint of a label that was never printed."""
    if status is S.REGISTERED:
        raise Conflict(
            zh="标签尚未打印过，请先打印",
            en="the label was never printed; print it first",
            code="batch.illegal_transition",
        )


def check_correctable(status: BatchStatus) -> None:
    """Refuse a correction once the batch has left the producer."""
    if status not in CORRECTABLE:
        raise Conflict(
            zh="批次已交出，不能再由产废单位更正",
            en="the batch has left the producer; it cannot be corrected",
            code="batch.illegal_transition",
        )


def check_bookable(code: str, status: BatchStatus, booking_id: int | None) -> None:
    """Refuse to book a batch that is not in storage or is on another booking already."""
    if status not in BOOKABLE:
        raise Conflict(
            zh=f"批次 {code} 不在库中，不能预约转运",
            en=f"batch {code} is not in storage",
            code="batch.illegal_transition",
            detail={"code": code, "status": status.value},
        )
    if booking_id is not None:
        raise Conflict(
            zh=f"批次 {code} 已在另一个转运预约中",
            en=f"batch {code} is already on another booking",
            code="booking.batch_taken",
            detail={"code": code, "booking_id": booking_id},
        )


def out_of_order(when: dt.datetime, previous: dt.datetime | None) -> bool:
    """Return True when an event's time is earlier than the batch's previous event by more
    than the clock slack (recorded and flagged, never refused)."""
    return previous is not None and when < previous - CLOCK_SLACK
