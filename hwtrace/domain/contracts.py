"""Disposal contracts (委托利用/处置合同): what a contract between a producer and a receiver (and,
where named, a transporter) covers, when it is in force, how much of it is used, and which
contract a transfer is counted against.

Sources: the Solid Waste Law (《中华人民共和国固体废物污染环境防治法》, 2020) art. 80 requires a
producer that hands hazardous waste to others to hand it to a licensed receiver, and
art. 37 that an enterprise entrusting others with its waste checks their qualification and
*signs a written contract* (书面合同) stating the pollution-control requirements. The state
machine, the quantity per waste code and the warning thresholds below are hwtrace's own rules
(docs/standards.md, "Contracts"): a contract counts only after the receiver confirms it.

A contract states, per waste code, the quantity agreed for its term (normally one year: the
"yearly quantity" of the contract). What a transfer uses of it (``use_of_line``):

- a line still pending, loaded, or missing at receipt: the weight dispatched;
- a line received (wholly or partly accepted): the weight accepted (received - rejected);
- a line wholly rejected or never loaded, or on a declined/cancelled booking: nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from hwtrace.domain.errors import BadValue, Conflict, IllegalTransition
from hwtrace.domain.quantities import g_to_kg


class ContractStatus(StrEnum):
    """Where a contract is."""

    PROPOSED = "PROPOSED"  # registered by the producer, waiting for the receiver
    CONFIRMED = "CONFIRMED"  # confirmed by the receiver: it counts
    REFUSED = "REFUSED"  # the receiver does not recognise it
    TERMINATED = "TERMINATED"  # ended early by either party (with a reason)


STATUS_ZH = {
    ContractStatus.PROPOSED: "待接收单位确认",
    ContractStatus.CONFIRMED: "已确认",
    ContractStatus.REFUSED: "接收单位不予确认",
    ContractStatus.TERMINATED: "已终止",
}

_STEPS: dict[tuple[ContractStatus, str], ContractStatus] = {
    (ContractStatus.PROPOSED, "confirm"): ContractStatus.CONFIRMED,
    (ContractStatus.PROPOSED, "refuse"): ContractStatus.REFUSED,
    (ContractStatus.PROPOSED, "terminate"): ContractStatus.TERMINATED,
    (ContractStatus.CONFIRMED, "terminate"): ContractStatus.TERMINATED,
}

# Warnings (docs/domain.md, "Contracts"): before a contract ends, and when most of a waste
# code's agreed quantity is used.
EXPIRY_WARN_DAYS = 30
USE_WARN_PCT = 80
MAX_TERM_DAYS = 5 * 366  # a typo guard: hwtrace refuses a term of more than five years
MAX_QUANTITY_T = Decimal("1000000")


def contract_step(status: ContractStatus, step: str) -> ContractStatus:
    """Return the status after ``step``, or refuse a step the status does not allow."""
    new = _STEPS.get((status, step))
    if new is None:
        raise IllegalTransition(
            zh=f"合同当前状态为“{STATUS_ZH[status]}”，不能{_STEP_ZH.get(step, step)}",
            en=f"a {status.value} contract cannot be {step}ed",
            code="contract.illegal_transition",
            detail={"status": status.value, "step": step},
        )
    return new


_STEP_ZH = {"confirm": "确认", "refuse": "拒绝确认", "terminate": "终止"}


def t_to_g(value: str, *, field: str = "quantity_t") -> int:
    """Parse a positive quantity in tonnes (decimal string) to whole grams."""
    try:
        t = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadValue(
            zh=f"{field} 不是有效的数字", en=f"{field} is not a number", detail={"field": field}
        ) from None
    if not t.is_finite() or t <= 0 or t > MAX_QUANTITY_T:
        raise BadValue(
            zh=f"{field} 须大于 0 且不超过 {MAX_QUANTITY_T} 吨",
            en=f"{field} must be > 0 and at most {MAX_QUANTITY_T} t",
            detail={"field": field, "value": str(value)},
        )
    return int((t * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def g_to_t(grams: int) -> str:
    """Format grams as tonnes with six decimals ("1.250000")."""
    return str((Decimal(grams) / 1_000_000).quantize(Decimal("0.000001")))


def check_term(valid_from: dt.date, valid_to: dt.date) -> None:
    """A term runs from its first to its last day, both included."""
    if valid_to < valid_from:
        raise BadValue(
            zh="合同终止日期早于起始日期",
            en="the contract ends before it starts",
            code="contract.invalid_term",
            detail={"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()},
        )
    if (valid_to - valid_from).days > MAX_TERM_DAYS:
        raise BadValue(
            zh="合同期限超过五年，请核对日期",
            en="the contract runs more than five years: check the dates",
            code="contract.invalid_term",
        )


def in_force(status: ContractStatus, valid_from: dt.date, valid_to: dt.date, day: dt.date) -> bool:
    """A contract counts on ``day`` when the receiver confirmed it and the day is in its term."""
    return status is ContractStatus.CONFIRMED and valid_from <= day <= valid_to


class Use(StrEnum):
    """Which weight of a transfer line counts against a contract."""

    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    NONE = "none"


# By the line's outcome (domain/transport.py LineOutcome values).
USE_BY_OUTCOME = {
    "PENDING": Use.DISPATCHED,
    "LOADED": Use.DISPATCHED,
    "MISSING": Use.DISPATCHED,
    "ACCEPTED": Use.ACCEPTED,
    "PARTIAL": Use.ACCEPTED,
    "REJECTED": Use.NONE,
    "NOT_LOADED": Use.NONE,
}
# Bookings in these states never became a transfer: their lines use nothing.
ENDED_BOOKINGS = ("DECLINED", "CANCELLED")


def use_of_line(
    outcome: str,
    booking_status: str,
    dispatched_g: int,
    received_g: int | None,
    rejected_g: int,
) -> int:
    """Return the grams one transfer line uses of its contract."""
    if booking_status in ENDED_BOOKINGS:
        return 0
    use = USE_BY_OUTCOME[outcome]
    if use is Use.DISPATCHED:
        return dispatched_g
    if use is Use.ACCEPTED:
        return max(0, (received_g or 0) - rejected_g)
    return 0


@dataclass(frozen=True)
class Terms:
    """One contract as the cover rule sees it."""

    id: int
    number: str
    status: ContractStatus
    valid_from: dt.date
    valid_to: dt.date
    transporter_id: int | None
    quantities_g: dict[str, int]
    used_g: dict[str, int] = field(default_factory=dict)

    def remaining_g(self, waste_code: str) -> int:
        """Grams of ``waste_code`` left under this contract (0 when it does not cover it)."""
        return max(0, self.quantities_g.get(waste_code, 0) - self.used_g.get(waste_code, 0))


def choose(
    contracts: list[Terms],
    wanted_g: dict[str, int],
    *,
    day: dt.date,
    transporter_id: int,
    receiver_name: str,
) -> dict[str, Terms]:
    """Return the contract each waste code of a transfer is counted against.

    A contract covers a code on ``day`` when it is in force, lists the code, and names no
    transporter or this one. Among those with enough quantity left, the one that ends first is
    used (its quantity would lapse first). Refused: a code no contract covers
    (``contract.not_covered``), or covered with too little left (``contract.quantity_exceeded``).
    """
    chosen: dict[str, Terms] = {}
    for code in sorted(wanted_g):
        need = wanted_g[code]
        covering = [
            c
            for c in contracts
            if in_force(c.status, c.valid_from, c.valid_to, day)
            and code in c.quantities_g
            and c.transporter_id in (None, transporter_id)
        ]
        if not covering:
            raise Conflict(
                zh=f"与接收单位“{receiver_name}”没有在有效期内、已确认且包含废物代码 {code} 的合同",
                en=f"no confirmed contract in force with {receiver_name} covers waste code {code}",
                code="contract.not_covered",
                detail={"waste_code": code, "day": day.isoformat()},
            )
        enough = [c for c in covering if c.remaining_g(code) >= need]
        if not enough:
            left = max(c.remaining_g(code) for c in covering)
            raise Conflict(
                zh=f"合同约定的废物代码 {code} 剩余数量 {g_to_kg(left)} 千克，"
                f"不足本次转移的 {g_to_kg(need)} 千克",
                en=f"the contracts' remaining quantity of {code} ({g_to_kg(left)} kg) is less than "
                f"this transfer ({g_to_kg(need)} kg)",
                code="contract.quantity_exceeded",
                detail={
                    "waste_code": code,
                    "remaining_kg": g_to_kg(left),
                    "requested_kg": g_to_kg(need),
                },
            )
        chosen[code] = min(enough, key=lambda c: (c.valid_to, c.id))
    return chosen


def expiry_days(valid_to: dt.date, today: dt.date) -> int | None:
    """Return the days left when a confirmed contract ends within EXPIRY_WARN_DAYS, else None."""
    left = (valid_to - today).days
    return left if 0 <= left <= EXPIRY_WARN_DAYS else None


def used_pct(used_g: int, quantity_g: int) -> int:
    """Return the share of the agreed quantity used, in whole percent (rounded down)."""
    return used_g * 100 // quantity_g if quantity_g else 100


def nearly_used(used_g: int, quantity_g: int) -> bool:
    """Most of the agreed quantity is used: USE_WARN_PCT percent or more."""
    return used_pct(used_g, quantity_g) >= USE_WARN_PCT
