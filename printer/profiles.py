"""Printer profiles are data (profiles/*.json); this module loads and checks them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from printer.errors import ProfileTooNarrowError, ProfileUnknownError
from printer.label import LabelSize


@dataclass(frozen=True)
class PrinterProfile:
    """What the renderers need to know about one printer model."""

    name: str
    language: Literal["escpos", "tspl"]
    dots_per_mm: int
    printable_width_mm: float
    media: Literal["direct-thermal", "thermal-transfer"]
    encoding: str
    qr_module_dots: int
    max_label_mm: float
    notes: str = ""
    #: What the resident font can print; other characters are printed as "?".
    charset: str = "gbk"
    #: The label stock the profile expects: thermal printers print black only, so HJ 1276
    #: labels need stock pre-printed in the standard's orange-yellow.
    stock: str = ""
    #: One cut after each label (ESC/POS GS V); label printers tear off at the gap instead.
    cutter: bool = False
    #: TSPL BITMAP: the bit value that prints a dot (TSC documents 0).
    bitmap_black_bit: int = 0

    @property
    def printable_width_dots(self) -> int:
        """Printable width in dots."""
        return round(self.printable_width_mm * self.dots_per_mm)


def profile_names() -> list[str]:
    """Names of every shipped profile."""
    folder = resources.files("printer") / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


@lru_cache(maxsize=32)
def load_profile(name: str) -> PrinterProfile:
    """Load a shipped profile by name.

    :raises ProfileUnknownError: no such profile.
    """
    path = resources.files("printer") / "profiles" / f"{name}.json"
    if not path.is_file():
        raise ProfileUnknownError(
            en=f"unknown printer profile {name!r}; known: {', '.join(profile_names())}",
            zh=f"未知打印机配置 {name!r}；可用：{', '.join(profile_names())}",
        )
    raw = json.loads(path.read_text(encoding="utf-8"))
    return PrinterProfile(
        name=raw["name"],
        language=raw["language"],
        dots_per_mm=int(raw["dots_per_mm"]),
        printable_width_mm=float(raw["printable_width_mm"]),
        media=raw["media"],
        encoding=raw["encoding"],
        qr_module_dots=int(raw["qr_module_dots"]),
        max_label_mm=float(raw["max_label_mm"]),
        notes=raw.get("notes", ""),
        charset=raw.get("charset", "gbk"),
        stock=raw.get("stock", ""),
        cutter=bool(raw.get("cutter", False)),
        bitmap_black_bit=int(raw.get("bitmap_black_bit", 0)),
    )


def check_profile_for_label(profile: PrinterProfile, size: LabelSize) -> None:
    """Refuse a printer too narrow for a compliant HJ 1276 label of this size.

    :raises ProfileTooNarrowError: the printable width or maximum label is below the size;
        the message names the width the label needs and the printers that can print it.
    """
    side = size.side_mm
    usable = min(profile.printable_width_mm, profile.max_label_mm)
    if usable < side:
        raise ProfileTooNarrowError(
            en=f"printer profile {profile.name!r} prints at most {usable:g} mm wide, but this "
            f"container needs an HJ 1276-2022 label of at least {side:g} x {side:g} mm "
            f"({size.volume_text_en}); use a label printer that prints at least {side:g} mm "
            "wide, or print the PDF on an office printer (A4 holds it)",
            zh=f"打印机配置 {profile.name!r} 最大打印宽度 {usable:g} mm，而该容器"
            f"（{size.volume_text_zh}）的 HJ 1276-2022 标签不得小于 {side:g}×{side:g} mm；"
            f"请使用打印宽度不小于 {side:g} mm 的标签打印机，或用办公打印机打印 PDF（A4 纸可容纳）",
        )
