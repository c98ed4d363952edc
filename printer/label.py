"""The content of one HJ 1276-2022 hazardous-waste label and the label sizes by container volume."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

#: Hazard characteristic code -> the word printed beside its pictogram (HJ 1276-2022).
HAZARD_WORDS: dict[str, str] = {
    "T": "毒性",
    "C": "腐蚀性",
    "I": "易燃性",
    "R": "反应性",
    "In": "感染性",
}


def _printable_ascii(text: str) -> bool:
    return all(" " <= c <= "~" for c in text)


class LabelSize(enum.Enum):
    """Minimum label size and text height by container volume (HJ 1276-2022)."""

    SMALL = (100, 3.0)  # container <= 50 L
    MEDIUM = (150, 5.0)  # 50 L < container < 450 L
    LARGE = (200, 6.0)  # container >= 450 L

    @property
    def side_mm(self) -> float:
        """Side of the square label in mm."""
        return float(self.value[0])

    @property
    def min_text_mm(self) -> float:
        """Minimum character height in mm."""
        return self.value[1]

    @property
    def volume_text_en(self) -> str:
        """The container volumes this size is for, in English."""
        return {
            "SMALL": "container up to 50 L",
            "MEDIUM": "container over 50 L and under 450 L",
            "LARGE": "container of 450 L or more",
        }[self.name]

    @property
    def volume_text_zh(self) -> str:
        """The container volumes this size is for, in Chinese."""
        return {"SMALL": "容积 ≤50 L", "MEDIUM": "容积 >50 L 且 <450 L", "LARGE": "容积 ≥450 L"}[
            self.name
        ]

    @classmethod
    def for_volume(cls, litres: Decimal | float | int) -> LabelSize:
        """The minimum compliant size for a container of the given volume in litres."""
        volume = Decimal(str(litres))
        if volume <= 50:
            return cls.SMALL
        if volume < 450:
            return cls.MEDIUM
        return cls.LARGE


@dataclass(frozen=True)
class LabelData:
    """Every HJ 1276-2022 field of one label, already formatted by the caller."""

    name: str  # 废物名称
    category: str  # 废物类别, e.g. "HW49 其他废物"
    waste_code: str  # 废物代码, e.g. "900-041-49"
    form: str  # 废物形态: 固态 / 半固态 / 液态 / 气态
    hazards: tuple[str, ...]  # 危险特性 codes: T C I R In
    main_components: str  # 主要成分
    harmful_components: str  # 有害成分
    precautions: str  # 注意事项
    identification_code: str  # 数字识别码
    producer: str  # 产生/收集单位
    contact_person: str  # 联系人
    contact_phone: str  # 联系方式
    production_date: str  # 产生日期
    weight: str  # 废物重量, Decimal-as-string with unit, e.g. "25.50 kg"
    remarks: str  # 备注
    qr_payload: str  # encoded by the caller; the printer does not define it
    barcode: str  # CODE128 text, usually the identification code

    def __post_init__(self) -> None:
        unknown = [h for h in self.hazards if h not in HAZARD_WORDS]
        if unknown:
            raise ValueError(f"unknown hazard characteristic(s) {unknown}; use T C I R In")
        # The QR payload and the barcode are made by the caller's code, never typed: they go
        # into length-prefixed or quoted printer commands, so they must be printable ASCII.
        if not self.qr_payload or not _printable_ascii(self.qr_payload):
            raise ValueError("qr_payload must be non-empty printable ASCII")
        if not self.barcode or not _printable_ascii(self.barcode):
            raise ValueError("barcode must be non-empty printable ASCII")

    def hazard_words(self) -> str:
        """The hazard characteristics as Chinese words, e.g. "毒性、易燃性"."""
        return "、".join(HAZARD_WORDS[h] for h in self.hazards) or "无"

    def fields(self) -> list[tuple[str, str]]:
        """(Chinese field label, value) in label order."""
        return [
            ("废物名称", self.name),
            ("废物类别", self.category),
            ("废物代码", self.waste_code),
            ("废物形态", self.form),
            ("危险特性", self.hazard_words()),
            ("主要成分", self.main_components),
            ("有害成分", self.harmful_components),
            ("注意事项", self.precautions),
            ("数字识别码", self.identification_code),
            ("产生/收集单位", self.producer),
            ("联系人", self.contact_person),
            ("联系方式", self.contact_phone),
            ("产生日期", self.production_date),
            ("废物重量", self.weight),
            ("备注", self.remarks),
        ]
