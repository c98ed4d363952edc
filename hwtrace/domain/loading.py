"""Checks at loading: 《危险废物转移管理办法》(部令第23号) 第十三条第三款 — the shipper checks the
carrier's permits, its vehicle and its personnel, and that the waste's identification label
matches the manifest; if they do not, it does not load. The carrier refuses waste without a
manifest (第十一条(一)): a batch not on a manifest is never loaded (``manifest.required``).

What a transporter keeps for this (its fleet):

- a vehicle: its plate, its road-transport certificate (道路运输证) number and validity, and
  whether the certificate's scope includes dangerous goods (经营范围含道路危险货物运输);
- its personnel: drivers and escorts (驾驶人员、押运人员) with their dangerous-goods
  qualification certificate (道路危险货物运输从业资格证) number and validity; a driver who
  uses hwtrace is linked to its login.

A refused loading writes nothing. Every refusal has a stable code (``loading.*``) and cites
the article in both languages; ``detail["article"]`` names it too.

The label's weight is compared with the manifest line's within a tolerance the rules do not
fix (docs/standards.md): ``HWTRACE_LABEL_WEIGHT_TOLERANCE_PCT``, default 1 % of the line's
weight, inclusive. A bare identification code (typed, or the CODE128 barcode) carries no
weight: its batch code and the waste code in its segments are checked, the weight only when the
QR payload was scanned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.transport import check_plate

ARTICLE = "第十三条第三款"
ARTICLE_ZH = "《危险废物转移管理办法》第十三条第三款"
ARTICLE_EN = "Hazardous Waste Transfer Measures, art. 13 para. 3"

#: The default tolerance between a label's weight and its manifest line's, in percent of the
#: line's weight (inclusive). The rules give no number; a park sets its own.
LABEL_WEIGHT_TOLERANCE_PCT = Decimal("1")


class StaffRole(StrEnum):
    """What a member of a transporter's personnel does on a vehicle."""

    DRIVER = "driver"  # 驾驶人员
    ESCORT = "escort"  # 押运人员


ROLE_ZH = {StaffRole.DRIVER: "驾驶员", StaffRole.ESCORT: "押运员"}


@dataclass(frozen=True)
class VehicleFacts:
    """A vehicle of a transporter as loading sees it."""

    plate: str
    certificate_no: str
    certificate_valid_until: dt.date
    dangerous_goods: bool
    active: bool


@dataclass(frozen=True)
class StaffFacts:
    """A driver or escort of a transporter as loading sees it."""

    name: str
    role: StaffRole
    qualification_no: str
    qualification_valid_until: dt.date
    active: bool


@dataclass(frozen=True)
class LabelFacts:
    """What the scanned label says: the batch code, the waste code, and the weight when the QR
    payload was read (None for a bare code)."""

    code: str
    waste_code: str
    weight_g: int | None


@dataclass(frozen=True)
class LineFacts:
    """The manifest line the label must match."""

    code: str
    waste_code: str
    dispatched_g: int


def refusal(rule: str, zh: str, en: str, /, **detail: Any) -> Conflict:
    """A loading refusal citing 第十三条第三款 (code ``loading.<rule>``)."""
    return Conflict(
        zh=f"{zh}，不得装车（{ARTICLE_ZH}）",
        en=f"{en}; loading is refused ({ARTICLE_EN})",
        code=f"loading.{rule}",
        detail={"article": ARTICLE, **detail},
    )


def not_on_manifest(code: str, number: str) -> Conflict:
    """A label scanned at loading whose batch is not on the manifest: the stable code
    ``manifest.not_on_manifest`` (as at receipt), the article cited."""
    return Conflict(
        zh=f"批次 {code} 不在联单 {number} 上，不得装车（{ARTICLE_ZH}）",
        en=f"batch {code} is not on manifest {number}; loading is refused ({ARTICLE_EN})",
        code="manifest.not_on_manifest",
        detail={"code": code, "manifest": number, "article": ARTICLE},
    )


# -- the carrier, its vehicle and its driver -------------------------------------------------


def check_carrier_permit(permits: dict[str, Any], today: dt.date, name: str) -> str:
    """Return the carrier's road dangerous-goods transport permit number, or refuse loading
    when it has none or it expired (第十三条第三款: the carrier's permits)."""
    tp = permits.get("transport") or {}
    number = str(tp.get("number") or "")
    if not number:
        raise refusal(
            "carrier_permit_missing",
            f"承运人「{name}」没有道路危险货物运输许可证",
            f"the carrier {name} holds no dangerous-goods transport permit",
        )
    until = tp.get("valid_until")
    if until and dt.date.fromisoformat(str(until)) < today:
        raise refusal(
            "carrier_permit_expired",
            f"承运人「{name}」的道路危险货物运输许可证已于 {until} 过期",
            f"the carrier's dangerous-goods transport permit expired on {until}",
            valid_until=str(until),
        )
    return number


def check_vehicle(vehicle: VehicleFacts | None, plate: str, today: dt.date) -> None:
    """Refuse loading onto a vehicle the carrier has not registered (or retired), whose
    road-transport certificate expired, or whose certificate does not cover dangerous goods."""
    if vehicle is None or not vehicle.active:
        raise refusal(
            "vehicle_unknown",
            f"车辆 {plate} 不是承运人登记在用的车辆",
            f"vehicle {plate} is not a registered vehicle of the carrier",
            plate=plate,
        )
    if not vehicle.dangerous_goods:
        raise refusal(
            "vehicle_not_approved",
            f"车辆 {plate} 的道路运输证经营范围不含危险货物运输",
            f"vehicle {plate} is not approved for dangerous goods",
            plate=plate,
        )
    if vehicle.certificate_valid_until < today:
        until = vehicle.certificate_valid_until.isoformat()
        raise refusal(
            "vehicle_certificate_expired",
            f"车辆 {plate} 的道路运输证（{vehicle.certificate_no}）已于 {until} 过期",
            f"the road-transport certificate of vehicle {plate} expired on {until}",
            plate=plate,
            valid_until=until,
        )


def check_driver(staff: StaffFacts | None, who: str, today: dt.date) -> None:
    """Refuse loading by a driver who is not a registered, qualified driver of the carrier, or
    whose dangerous-goods qualification certificate expired."""
    if staff is None or not staff.active or staff.role is not StaffRole.DRIVER:
        raise refusal(
            "driver_unqualified",
            f"驾驶员 {who} 不是承运人登记的危险货物运输驾驶员",
            f"driver {who} is not a registered dangerous-goods driver of the carrier",
            driver=who,
        )
    if staff.qualification_valid_until < today:
        until = staff.qualification_valid_until.isoformat()
        raise refusal(
            "driver_qualification_expired",
            f"驾驶员 {staff.name} 的从业资格证（{staff.qualification_no}）已于 {until} 过期",
            f"the qualification certificate of driver {staff.name} expired on {until}",
            driver=who,
            valid_until=until,
        )


# -- the label against its manifest line ------------------------------------------------------


def check_label(label: LabelFacts, line: LineFacts | None, tolerance_pct: Decimal) -> None:
    """Refuse a label whose batch code is not on the manifest, whose waste code differs from
    the line's, or whose weight differs from the line's beyond ``tolerance_pct`` (inclusive,
    relative to the line's weight)."""
    if line is None or line.code != label.code:
        raise refusal(
            "label_not_on_manifest",
            f"标签上的批次 {label.code} 不在本联单上",
            f"batch {label.code} on the label is not on this manifest",
            code=label.code,
        )
    if label.waste_code != line.waste_code:
        raise refusal(
            "label_waste_code",
            f"标签废物代码 {label.waste_code} 与联单上的 {line.waste_code} 不符",
            f"the label's waste code {label.waste_code} differs from the manifest's "
            f"{line.waste_code}",
            code=label.code,
            label_waste_code=label.waste_code,
            manifest_waste_code=line.waste_code,
        )
    if label.weight_g is None:
        return
    diff = label.weight_g - line.dispatched_g
    # Exact: |difference| <= tolerance % of the line's weight (no rounding lets more through).
    if Decimal(abs(diff)) * 100 > tolerance_pct * line.dispatched_g:
        label_kg, line_kg = _kg(label.weight_g), _kg(line.dispatched_g)
        pct = (
            (Decimal(abs(diff)) * 100 / line.dispatched_g).quantize(Decimal("0.01"))
            if line.dispatched_g
            else Decimal(100)
        )
        raise refusal(
            "label_weight",
            f"标签重量 {label_kg} 千克与联单上的 {line_kg} 千克相差 {pct}%"
            f"，超过允许的 {tolerance_pct}%",
            f"the label's weight {label_kg} kg differs from the manifest's {line_kg} kg by "
            f"{pct} % (more than {tolerance_pct} %)",
            code=label.code,
            label_kg=label_kg,
            manifest_kg=line_kg,
            difference_g=diff,
            difference_pct=str(pct),
            tolerance_pct=str(tolerance_pct),
        )


def _kg(grams: int) -> str:
    return str((Decimal(grams) / 1000).quantize(Decimal("0.001")))


# -- the records themselves ------------------------------------------------------------------


def _number(value: str, zh: str, en: str) -> str:
    text = value.strip()
    if not text or len(text) > 64:
        raise BadValue(zh=f"请填写{zh}（最多 64 字）", en=f"give the {en} (up to 64 characters)")
    return text


def _until(value: str | dt.date, zh: str, en: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadValue(
            zh=f"{zh}有效期格式应为 YYYY-MM-DD", en=f"the {en} validity is YYYY-MM-DD"
        ) from None


def check_vehicle_record(
    plate: str, certificate_no: str, valid_until: str | dt.date
) -> tuple[str, str, dt.date]:
    """Return a vehicle's plate, road-transport certificate number and validity, normalized,
    or refuse in words. An expired certificate may be recorded (it refuses loading)."""
    return (
        check_plate(plate),
        _number(certificate_no, "道路运输证号", "road-transport certificate number"),
        _until(valid_until, "道路运输证", "road-transport certificate"),
    )


def check_staff_record(
    name: str, role: str, qualification_no: str, valid_until: str | dt.date
) -> tuple[str, StaffRole, str, dt.date]:
    """Return a driver's or escort's name, role, qualification number and validity, or refuse
    in words."""
    clean = name.strip()
    if not clean or len(clean) > 64:
        raise BadValue(zh="请填写姓名（最多 64 字）", en="give the name (up to 64 characters)")
    try:
        kind = StaffRole(role)
    except ValueError:
        raise BadValue(
            zh="岗位应为驾驶员或押运员", en="the role is driver or escort", detail={"role": role}
        ) from None
    return (
        clean,
        kind,
        _number(qualification_no, "从业资格证号", "qualification certificate number"),
        _until(valid_until, "从业资格证", "qualification certificate"),
    )
