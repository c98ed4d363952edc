"""Transfers between units: pickup bookings, electronic transfer manifests (转移联单), weight
discrepancies and receivers' permits (《危险废物转移管理办法》; docs/domain.md, "Transfers").

Plain rules, no database: the services feed them rows and record what they decide.

Bookings::

    REQUESTED --accept (transporter: plate, driver)--> ACCEPTED --manifest--> MANIFESTED
    REQUESTED --decline (reason)--> DECLINED
    REQUESTED|ACCEPTED --reschedule (reason, window)--> REQUESTED (transporter accepts again)
    REQUESTED|ACCEPTED --cancel (reason)--> CANCELLED

Manifests (each party confirms its part)::

    CREATED (移出人 confirmed) --depart (承运人 confirms after loading)--> IN_TRANSIT
    IN_TRANSIT --confirm receipt (接受人, every line scanned or declared missing)--> RECEIVED
    RECEIVED --every accepted batch utilized/disposed--> COMPLETED
    CREATED --cancel (reason)--> CANCELLED
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hwtrace.domain.errors import BadValue, Conflict


class BookingStatus(StrEnum):
    """Where a pickup booking is."""

    REQUESTED = "REQUESTED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    MANIFESTED = "MANIFESTED"


class ManifestStatus(StrEnum):
    """Where an electronic transfer manifest is."""

    CREATED = "CREATED"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class LineOutcome(StrEnum):
    """What became of one batch on a manifest."""

    PENDING = "PENDING"  # on the manifest, not yet loaded
    LOADED = "LOADED"  # scanned at loading
    NOT_LOADED = "NOT_LOADED"  # missing at loading; left at the producer
    ACCEPTED = "ACCEPTED"  # received, wholly accepted
    PARTIAL = "PARTIAL"  # received, part rejected (reason)
    REJECTED = "REJECTED"  # received and wholly rejected (reason)
    MISSING = "MISSING"  # loaded but not found at receipt


class DiscrepancyKind(StrEnum):
    """Why a transfer needs an explanation."""

    WEIGHT = "weight"  # received weight differs from dispatched beyond the tolerance
    # name, hazard characteristics, form or packaging differ from the manifest (第十八条第二款)
    MISMATCH = "mismatch"
    MISSING_AT_LOADING = "missing_at_loading"  # on the manifest, not loaded at departure
    MISSING_AT_RECEIPT = "missing_at_receipt"  # loaded, not scanned at the receiver
    PARTIAL_REJECTION = "partial_rejection"
    REJECTION = "rejection"


BOOKING_ZH = {
    BookingStatus.REQUESTED: "待承运确认",
    BookingStatus.ACCEPTED: "已接单",
    BookingStatus.DECLINED: "已拒绝",
    BookingStatus.CANCELLED: "已取消",
    BookingStatus.MANIFESTED: "已生成联单",
}

MANIFEST_ZH = {
    ManifestStatus.CREATED: "待运输",
    ManifestStatus.IN_TRANSIT: "运输中",
    ManifestStatus.RECEIVED: "已接收",
    ManifestStatus.COMPLETED: "已办结",
    ManifestStatus.CANCELLED: "已作废",
}

DISCREPANCY_ZH = {
    DiscrepancyKind.WEIGHT: "重量差异",
    DiscrepancyKind.MISMATCH: "货单不符",
    DiscrepancyKind.MISSING_AT_LOADING: "装车缺件",
    DiscrepancyKind.MISSING_AT_RECEIPT: "到货缺件",
    DiscrepancyKind.PARTIAL_REJECTION: "部分拒收",
    DiscrepancyKind.REJECTION: "整批拒收",
}

# (status, step) -> next status. Steps are the ledger entry types ``booking.<step>``.
BOOKING_STEPS: dict[tuple[BookingStatus, str], BookingStatus] = {
    (BookingStatus.REQUESTED, "accept"): BookingStatus.ACCEPTED,
    (BookingStatus.REQUESTED, "decline"): BookingStatus.DECLINED,
    (BookingStatus.REQUESTED, "reschedule"): BookingStatus.REQUESTED,
    (BookingStatus.ACCEPTED, "reschedule"): BookingStatus.REQUESTED,
    (BookingStatus.REQUESTED, "cancel"): BookingStatus.CANCELLED,
    (BookingStatus.ACCEPTED, "cancel"): BookingStatus.CANCELLED,
    (BookingStatus.ACCEPTED, "manifest"): BookingStatus.MANIFESTED,
}

MANIFEST_STEPS: dict[tuple[ManifestStatus, str], ManifestStatus] = {
    (ManifestStatus.CREATED, "depart"): ManifestStatus.IN_TRANSIT,
    (ManifestStatus.CREATED, "cancel"): ManifestStatus.CANCELLED,
    (ManifestStatus.IN_TRANSIT, "confirm"): ManifestStatus.RECEIVED,
    (ManifestStatus.RECEIVED, "complete"): ManifestStatus.COMPLETED,
}

OPEN_BOOKINGS = frozenset({BookingStatus.REQUESTED, BookingStatus.ACCEPTED})


def booking_step(current: BookingStatus, step: str) -> BookingStatus:
    """Return the booking status after ``step`` or refuse it."""
    try:
        return BOOKING_STEPS[(current, step)]
    except KeyError:
        raise Conflict(
            zh=f"预约当前状态为「{BOOKING_ZH[current]}」，不能执行此操作",
            en=f"step '{step}' is not allowed for a booking in state {current.value}",
            code="booking.illegal_transition",
            detail={"status": current.value, "step": step},
        ) from None


def manifest_step(current: ManifestStatus, step: str) -> ManifestStatus:
    """Return the manifest status after ``step`` or refuse it."""
    try:
        return MANIFEST_STEPS[(current, step)]
    except KeyError:
        raise Conflict(
            zh=f"联单当前状态为「{MANIFEST_ZH[current]}」，不能执行此操作",
            en=f"step '{step}' is not allowed for a manifest in state {current.value}",
            code="manifest.illegal_transition",
            detail={"status": current.value, "step": step},
        ) from None


# 中华人民共和国机动车号牌: province character, letter, 5 characters (6 for new-energy vehicles).
_PLATE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]\Z"
)


def check_plate(plate: str) -> str:
    """Return a normalized vehicle plate, or refuse a malformed one."""
    p = plate.strip().upper().replace(" ", "").replace("·", "")
    if not _PLATE.match(p):
        raise BadValue(
            zh=f"车牌号「{plate}」格式不正确",
            en=f"'{plate}' is not a valid Chinese vehicle plate",
            code="transport.invalid_plate",
        )
    return p


def check_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    """Refuse a pickup window that ends before it starts or lies in the past."""
    if end <= start:
        raise BadValue(zh="预约时间段的结束须晚于开始", en="the window must end after it starts")
    if end < now:
        raise BadValue(
            zh="预约时间段已过去", en="the pickup window is in the past", code="value.past_window"
        )
    if end - start > dt.timedelta(days=14):
        raise BadValue(zh="预约时间段不能超过 14 天", en="the pickup window may be at most 14 days")


def weight_discrepancy(
    dispatched_g: int, received_g: int, tolerance_pct: Decimal
) -> dict[str, Any] | None:
    """Return the facts of a weight discrepancy, or None when within the tolerance.

    The difference is taken relative to the dispatched weight; ``tolerance_pct`` is inclusive.
    """
    diff = received_g - dispatched_g
    if dispatched_g == 0:
        pct = Decimal(0) if diff == 0 else Decimal(100)
    else:
        pct = (Decimal(abs(diff)) * 100 / Decimal(dispatched_g)).quantize(Decimal("0.01"))
    if pct <= tolerance_pct:
        return None
    return {"difference_g": diff, "difference_pct": str(pct), "tolerance_pct": str(tolerance_pct)}


_CAPACITY_T = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")
_WASTE_CODE = re.compile(r"[0-9]{3}-[0-9]{3}-[0-9]{2}")


def _date_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _number(value: Any) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= 64 else ""


def read_permits(raw: Any) -> dict[str, Any]:
    """Return the well-formed part of a stored permits value.

    New permits are checked against ``schemas/api/permits.schema.json`` when written; a row
    written before that (or by hand) may hold anything, so what is read is rebuilt from the
    parts of the known shape only. A permit with a malformed number, capacity or date reads as
    absent (no permit: transfers are refused with ``permit.missing``), never as unlimited and
    never as an error in every booking and page that names the enterprise; waste codes that
    are not codes are left out of the list."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Any] = {}
    op = raw.get("operating")
    if isinstance(op, dict) and _number(op.get("number")):
        cap = op.get("annual_capacity_t")
        if isinstance(cap, int) and not isinstance(cap, bool) and cap >= 0:
            cap = str(cap)
        codes = op.get("codes")
        until = op.get("valid_until")
        good = (cap is None or (isinstance(cap, str) and _CAPACITY_T.fullmatch(cap))) and (
            until is None or _date_text(until)
        )
        if good:
            out["operating"] = {
                "number": _number(op.get("number")),
                "codes": [
                    c
                    for c in (codes if isinstance(codes, list) else [])
                    if isinstance(c, str) and _WASTE_CODE.fullmatch(c)
                ],
            }
            if cap is not None:
                out["operating"]["annual_capacity_t"] = cap
            if until is not None:
                out["operating"]["valid_until"] = _date_text(until)
    tp = raw.get("transport")
    if isinstance(tp, dict) and _number(tp.get("number")):
        until = tp.get("valid_until")
        if until is None or _date_text(until):
            out["transport"] = {"number": _number(tp.get("number"))}
            if until is not None:
                out["transport"]["valid_until"] = _date_text(until)
    return out


def permit_codes(permits: dict[str, Any]) -> set[str]:
    """Return the waste codes a receiver's operating permit lists."""
    op = permits.get("operating") or {}
    return {str(c) for c in op.get("codes", [])}


def permit_capacity_g(permits: dict[str, Any]) -> int | None:
    """Return the receiver's permitted yearly quantity in grams (None = not limited in data)."""
    op = permits.get("operating") or {}
    t = op.get("annual_capacity_t")
    if t is None:
        return None
    return int(Decimal(str(t)) * 1_000_000)


def check_receiver_permit(
    permits: dict[str, Any],
    *,
    waste_codes: set[str],
    requested_g: int,
    used_g: int,
    receiver_name: str,
) -> None:
    """Refuse a transfer the receiver's operating permit does not cover."""
    if not permits.get("operating"):
        raise Conflict(
            zh=f"接收单位「{receiver_name}」没有危险废物经营许可证",
            en=f"receiver {receiver_name} holds no hazardous-waste operating permit",
            code="permit.missing",
        )
    allowed = permit_codes(permits)
    outside = sorted(waste_codes - allowed)
    if outside:
        raise Conflict(
            zh=f"接收单位「{receiver_name}」的经营许可证不含废物代码 {', '.join(outside)}",
            en=f"the receiver's permit does not cover {', '.join(outside)}",
            code="permit.code_not_covered",
            detail={"codes": outside},
        )
    cap = permit_capacity_g(permits)
    if cap is not None and used_g + requested_g > cap:
        remaining = max(cap - used_g, 0)
        raise Conflict(
            zh=f"超出接收单位年度许可经营规模（剩余 {Decimal(remaining) / 1000} 千克，"
            f"本次 {Decimal(requested_g) / 1000} 千克）",
            en="the transfer exceeds the receiver's remaining permitted yearly capacity",
            code="permit.capacity_exceeded",
            detail={"remaining_g": remaining, "requested_g": requested_g},
        )


def check_transport_permit(permits: dict[str, Any], today: dt.date, name: str) -> str:
    """Return the transporter's dangerous-goods permit number, or refuse."""
    tp = permits.get("transport") or {}
    number = str(tp.get("number") or "")
    if not number:
        raise Conflict(
            zh=f"运输单位「{name}」没有道路危险货物运输许可证",
            en=f"transporter {name} holds no dangerous-goods transport permit",
            code="permit.missing",
        )
    until = tp.get("valid_until")
    if until and dt.date.fromisoformat(str(until)) < today:
        raise Conflict(
            zh=f"运输单位「{name}」的道路危险货物运输许可证已过期",
            en=f"the transport permit of {name} has expired",
            code="permit.expired",
        )
    return number


def check_booking_codes(codes: list[str]) -> None:
    """Refuse a booking of no batch, or of a batch listed twice."""
    if not codes:
        raise BadValue(zh="至少选择一个批次", en="choose at least one batch")
    if len(set(codes)) != len(codes):
        raise BadValue(zh="批次重复", en="a batch is listed twice")


def check_driver_licence(licence: str) -> str:
    """Return the driver's dangerous-goods qualification number, trimmed; refuse a blank one."""
    text = licence.strip()
    if not text:
        raise BadValue(
            zh="须填写驾驶员危险货物运输从业资格证号",
            en="the driver's qualification number is required",
        )
    return text


def check_departure(loaded: list[str], missing: list[str], reason: str | None) -> None:
    """Refuse a departure with nothing loaded, or with batches of the manifest not loaded and
    no reason to leave them behind."""
    if not loaded:
        raise Conflict(
            zh="没有装车的批次，不能发车", en="nothing was loaded", code="manifest.nothing_loaded"
        )
    if missing and not (reason or "").strip():
        raise Conflict(
            zh=f"还有 {len(missing)} 个批次未装车：{', '.join(missing)}",
            en=f"{len(missing)} batch(es) on the manifest were not loaded",
            code="manifest.missing_batches",
            detail={"missing": missing},
        )


def check_partial_rejection(received_g: int, rejected_g: int, reason: str) -> None:
    """Refuse a partial rejection of all the received weight or more, or without a reason."""
    if rejected_g >= received_g:
        raise BadValue(
            zh="部分拒收的重量须小于接收重量；整批拒收请用拒收",
            en="rejected_kg must be less than the received weight; reject the batch instead",
        )
    if not reason:
        raise BadValue(zh="部分拒收须填写原因", en="a reason is required for a partial rejection")


def _permit_number(value: Any, zh: str, en: str) -> str:
    number = str(value or "").strip()
    if not number or len(number) > 64:
        raise BadValue(
            zh=f"请填写{zh}编号（最多 64 字）", en=f"give the {en} number (up to 64 characters)"
        )
    return number


def _valid_until(value: Any, today: dt.date) -> str | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise BadValue(zh="有效期格式应为 YYYY-MM-DD", en="valid until is YYYY-MM-DD") from None
    if day < today:
        raise BadValue(zh="许可证已过期，不能登记", en="the permit has expired already")
    return day.isoformat()


def check_permits(
    kind: str, permits: dict[str, Any], known_code: Callable[[str], bool], today: dt.date
) -> dict[str, Any]:
    """Return an enterprise's permits checked and normalized, or refuse in words.

    A receiver holds a hazardous-waste operating permit (危险废物经营许可证: number, the waste
    codes it lists, each in the national catalogue, and a yearly quantity in tonnes); a
    transporter a road dangerous-goods transport permit (道路危险货物运输许可证: number). An
    expiry date is optional and may not be past. Producers and the park hold neither here.
    """
    out: dict[str, Any] = {}
    if kind == "receiver":
        op = permits.get("operating") or {}
        codes = [str(c).strip() for c in op.get("codes") or [] if str(c).strip()]
        if not codes:
            raise BadValue(zh="请填写许可的废物代码", en="list the waste codes the permit covers")
        unknown = [c for c in codes if not known_code(c)]
        if unknown:
            raise BadValue(
                zh=f"名录中没有这些废物代码：{'、'.join(unknown[:10])}",
                en=f"not in the national catalogue: {', '.join(unknown[:10])}",
                detail={"codes": unknown},
            )
        try:
            tonnes = Decimal(str(op.get("annual_capacity_t") or "").strip())
        except ArithmeticError:
            tonnes = Decimal(0)
        if not tonnes.is_finite() or tonnes <= 0 or tonnes > 10_000_000:
            raise BadValue(
                zh="年许可经营规模应为正数（吨）",
                en="the yearly quantity is a positive number of tonnes",
            )
        out["operating"] = {
            "number": _permit_number(op.get("number"), "危险废物经营许可证", "operating permit"),
            "codes": sorted(set(codes)),
            "annual_capacity_t": str(tonnes),
        }
        until = _valid_until(op.get("valid_until"), today)
        if until:
            out["operating"]["valid_until"] = until
    elif kind == "transporter":
        tp = permits.get("transport") or {}
        out["transport"] = {
            "number": _permit_number(tp.get("number"), "道路危险货物运输许可证", "transport permit")
        }
        until = _valid_until(tp.get("valid_until"), today)
        if until:
            out["transport"]["valid_until"] = until
    return out
