"""One pure layout: LabelData + LabelSize -> positioned elements in mm, shared by every renderer.

Geometry (side S, scale k = S/100, text height h >= the size's minimum):
a frame 2k inside the edge; a title band "危险废物" 10k high; on the right a column 34k wide
holding the QR code (the main carrier, 32k) and under it one pictogram per hazard
characteristic with its word; the field rows "label：value" flow down the left and, below the
right column, across the full width, wrapping long values; CODE128 with its text along the
bottom. Origin is the top-left corner, y grows downwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from printer import code128
from printer.errors import BarcodeTooWideError, LayoutError
from printer.label import HAZARD_WORDS, LabelData, LabelSize

TITLE = "危险废物"
ASCII_WIDTH = 0.6  # advance of a narrow character, in text heights (conservative for WQY/TSS24)
LINE_PITCH = 1.18  # line spacing, in text heights
MIN_MODULE_MM = 0.25  # narrowest CODE128 bar: 2 dots at 203 dpi


@dataclass(frozen=True)
class Text:
    """One line of text; y is the top of the character cell, height the character height."""

    x: float
    y: float
    height: float
    text: str
    role: str = "field"  # title | field | hazard | barcode


@dataclass(frozen=True)
class Box:
    """A rectangle outline (line > 0) or a filled bar (line == 0)."""

    x: float
    y: float
    width: float
    height: float
    line: float = 0.0


@dataclass(frozen=True)
class QR:
    """A QR code square of the given side holding payload."""

    x: float
    y: float
    size: float
    payload: str


@dataclass(frozen=True)
class Barcode:
    """A CODE128 symbol; width includes no quiet zone, module_mm is the narrowest bar."""

    x: float
    y: float
    width: float
    height: float
    data: str
    module_mm: float


@dataclass(frozen=True)
class Pictogram:
    """A hazard pictogram (diamond) for one characteristic code inside a square of side size."""

    x: float
    y: float
    size: float
    code: str


Element = Text | Box | QR | Barcode | Pictogram


@dataclass(frozen=True)
class Layout:
    """A positioned label: side in mm, the text height used and the elements."""

    side: float
    text_height: float
    elements: tuple[Element, ...]

    def of(self, kind: type) -> list[Element]:
        """Elements of one kind, in layout order."""
        return [e for e in self.elements if isinstance(e, kind)]


def text_width(text: str, height: float) -> float:
    """Width of text at this character height: CJK full width, others ASCII_WIDTH."""
    return sum(height if ord(c) > 0x2000 else height * ASCII_WIDTH for c in text)


def wrap(text: str, width: float, height: float, first_width: float | None = None) -> list[str]:
    """Break text into lines no wider than width (the first line may have its own width)."""
    lines: list[str] = []
    line = ""
    used = 0.0
    limit = first_width if first_width is not None else width
    for c in text:
        w = height if ord(c) > 0x2000 else height * ASCII_WIDTH
        if line and used + w > limit + 1e-9:
            lines.append(line)
            line, used, limit = "", 0.0, width
        line += c
        used += w
    lines.append(line)
    return lines


def barcode_module(data: str, available_mm: float, min_module_mm: float = MIN_MODULE_MM) -> float:
    """The widest whole multiple of min_module_mm that fits the symbol and its quiet zones.

    :raises BarcodeTooWideError: even the narrowest readable bar does not fit.
    """
    total = code128.modules(data) + 2 * code128.QUIET_MODULES
    steps = math.floor(available_mm / (total * min_module_mm) + 1e-9)
    if steps < 1:
        need = total * min_module_mm
        raise BarcodeTooWideError(
            f"CODE128 of {data!r} needs {need:.1f} mm ({total} modules x {min_module_mm} mm) "
            f"but only {available_mm:.1f} mm is available; shorten the barcode text or use a "
            "larger label — the QR code carries the full code",
            f"条码 {data!r} 需要 {need:.1f} mm 宽，标签上只有 {available_mm:.1f} mm；"
            "请缩短条码内容或使用更大的标签（二维码已包含完整编码）",
        )
    return min(steps, 2) * min_module_mm


def layout_label(
    label: LabelData,
    size: LabelSize,
    *,
    text_height: float | None = None,
    min_module_mm: float = MIN_MODULE_MM,
) -> Layout:
    """Position every element of label on a square label of this size.

    :raises LayoutError: text_height is below the HJ 1276 minimum or the content does not fit.
    :raises BarcodeTooWideError: the CODE128 cannot be printed readably in the width.
    """
    side = size.side_mm
    k = side / 100.0
    h = size.min_text_mm if text_height is None else text_height
    if h < size.min_text_mm - 1e-9:
        raise LayoutError(
            f"text height {h} mm is below the HJ 1276-2022 minimum {size.min_text_mm} mm",
            f"字高 {h} mm 小于 HJ 1276-2022 规定的最小字高 {size.min_text_mm} mm",
        )
    m = 2 * k
    inner = side - 2 * m
    els: list[Element] = [Box(m, m, inner, inner, line=0.4 * k)]

    # Title band.
    band = 10 * k
    title_h = 7 * k
    title_x = side / 2 - text_width(TITLE, title_h) / 2
    els.append(Text(title_x, m + 1.5 * k, title_h, TITLE, "title"))
    els.append(Box(m, m + band, inner, 0.4 * k))

    # Right column: QR, then hazard pictograms with their words.
    top = m + band + 1.5 * k
    col_w = 34 * k
    col_x = side - m - 1 * k - col_w
    qr_size = 32 * k
    els.append(QR(col_x + (col_w - qr_size) / 2, top, qr_size, label.qr_payload))
    y_col = top + qr_size + 1.5 * k
    pict = 10 * k
    per_row = 3
    cell = col_w / per_row
    for i, code in enumerate(label.hazards):
        row, col = divmod(i, per_row)
        cx = col_x + col * cell
        cy = y_col + row * (pict + h * 1.4)
        els.append(Pictogram(cx + (cell - pict) / 2, cy, pict, code))
        word = HAZARD_WORDS[code]
        wx = cx + (cell - text_width(word, h)) / 2
        els.append(Text(wx, cy + pict + 0.2 * h, h, word, "hazard"))
    rows = math.ceil(len(label.hazards) / per_row)
    col_bottom = y_col + rows * (pict + h * 1.4)

    # Bottom: CODE128 and its text.
    text_y = side - m - 1 * k - h
    bar_h = 8 * k
    bar_y = text_y - 0.4 * k - bar_h
    available = inner - 2 * k
    module = barcode_module(label.barcode, available, min_module_mm)
    bar_w = code128.modules(label.barcode) * module
    els.append(Barcode(side / 2 - bar_w / 2, bar_y, bar_w, bar_h, label.barcode, module))
    bt_w = text_width(label.barcode, h)
    els.append(Text(side / 2 - bt_w / 2, text_y, h, label.barcode, "barcode"))
    limit = bar_y - 1 * k

    # Field rows.
    x = m + 1.5 * k
    y = top
    pitch = h * LINE_PITCH
    for name, value in label.fields():
        head = f"{name}：{value}"
        narrow = y < col_bottom + 0.5 * k
        width = (col_x - 1 * k - x) if narrow else (side - m - 1.5 * k - x)
        for line in wrap(head, width, h):
            if y + h > limit:
                raise LayoutError(
                    f"label content does not fit a {side:g} mm label at text height {h:g} mm "
                    f"(overflow at field {name}); shorten the values or use a larger label",
                    f"标签内容超出 {side:g} mm 标签（字高 {h:g} mm，溢出于「{name}」）；"
                    "请精简内容或使用更大的标签",
                )
            els.append(Text(x, y, h, line))
            y += pitch
            narrow = y < col_bottom + 0.5 * k
            width = (col_x - 1 * k - x) if narrow else (side - m - 1.5 * k - x)
    return Layout(side, h, tuple(els))
