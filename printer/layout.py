"""One pure layout: LabelData + LabelSize -> positioned elements in mm, shared by every renderer.

The look follows HJ 1276-2022 (5.1 and figure A.1 as described in docs/labels.md): an
orange-yellow ground, a black border at least 1 mm wide with 3 mm left clear outside it (the
clear margin narrows, to no less than MIN_OUTSIDE_MM, when a long CODE128 needs the width for
its quiet zones: readability comes first), a
title band "危险废物", the fields as a ruled form down the left, the QR code (the main carrier)
at the top right with one hazard pictogram per characteristic under it, and CODE128 with its
text along the bottom. Colours and symbols are data (``symbols/hj1276.json``).

Geometry (side S, scale k = S/100, text height h >= the size's minimum): the rows "label：value"
flow down the left beside the right column and across the full width below it, wrapping long
values. Text starts a little above the minimum height and shrinks to the minimum when the
content needs it; what still does not fit is cut, the cut marked with "…": no text makes a
label fail. Origin is the top-left corner, y grows downwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from printer import code128, pictograms
from printer.errors import BarcodeTooWideError, LayoutError
from printer.label import HAZARD_WORDS, LabelData, LabelSize
from printer.text import ELLIPSIS, clean, is_wide

LINE_PITCH = 1.14  # line spacing, in text heights
MIN_MODULE_MM = 0.25  # narrowest CODE128 bar: 2 dots at 203 dpi
MIN_OUTSIDE_MM = 1.5  # the clear margin outside the border never narrows below this
GROW = (1.2, 1.1, 1.0)  # text heights tried, in multiples of the minimum, largest first
#: Short fields that share a row when both fit (the first names the second).
PAIRED = {"废物代码": "废物形态", "联系人": "联系方式", "产生日期": "废物重量"}
#: The order in which fields give up lines when the text does not fit: free text first, then
#: what identifies the waste, and the values that come from validated data last.
CUT_ORDER = (
    frozenset({"备注", "注意事项", "主要成分", "有害成分", "产生/收集单位", "联系人", "联系方式"}),
    frozenset({"废物名称", "废物类别", "废物形态", "危险特性"}),
    frozenset({"废物代码", "数字识别码", "产生日期", "废物重量"}),
)


@dataclass(frozen=True)
class TextModel:
    """How a renderer's font measures text: prepare() makes a value printable (the renderer's
    character set), advance() is one character's width in text heights."""

    prepare: Callable[[str], str]
    advance: Callable[[str], float]

    def width(self, text: str, height: float) -> float:
        """Width of text at this character height in mm."""
        return sum(self.advance(c) for c in text) * height


def _estimate(c: str) -> float:
    return 1.0 if is_wide(c) else 0.62


#: Conservative estimate (wide characters 1 em, others 0.62 em) for callers without a font.
ESTIMATE = TextModel(clean, _estimate)


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
    """A rectangle outline (line > 0) or a filled rectangle (line == 0) in a colour role."""

    x: float
    y: float
    width: float
    height: float
    line: float = 0.0
    role: str = "ink"


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
    """A symbol inside a square of side size: the hazard pictogram of a characteristic code, or
    "facility" for the facility warning symbol."""

    x: float
    y: float
    size: float
    code: str


Element = Text | Box | QR | Barcode | Pictogram


@dataclass(frozen=True)
class Layout:
    """A positioned label or sign: side in mm, the field text height used, the elements, and the
    names of the fields that were cut to fit."""

    side: float
    text_height: float
    elements: tuple[Element, ...]
    cut: tuple[str, ...] = ()
    height: float | None = None  # a page that is not square (signs): side is its width

    @property
    def page(self) -> tuple[float, float]:
        """(width, height) in mm."""
        return self.side, self.height or self.side

    def of(self, kind: type) -> list[Element]:
        """Elements of one kind, in layout order."""
        return [e for e in self.elements if isinstance(e, kind)]


def take(text: str, width: float, height: float, model: TextModel = ESTIMATE) -> int:
    """How many leading characters of text fit one line of width (at least one)."""
    used = 0.0
    for i, c in enumerate(text):
        used += model.advance(c) * height
        if i and used > width + 1e-9:
            return i
    return len(text)


def wrap(text: str, width: float, height: float, model: TextModel = ESTIMATE) -> list[str]:
    """Break text into lines no wider than width."""
    lines: list[str] = []
    while text:
        n = take(text, width, height, model)
        lines.append(text[:n])
        text = text[n:]
    return lines or [""]


def barcode_module(data: str, available_mm: float, min_module_mm: float = MIN_MODULE_MM) -> float:
    """The widest whole multiple of min_module_mm that fits the symbol and its quiet zones.

    :raises BarcodeTooWideError: even the narrowest readable bar does not fit.
    """
    total = code128.modules(data) + 2 * code128.QUIET_MODULES
    steps = math.floor(available_mm / (total * min_module_mm) + 1e-9)
    if steps < 1:
        need = total * min_module_mm
        raise BarcodeTooWideError(
            en=f"CODE128 of {data!r} needs {need:.1f} mm ({total} modules x {min_module_mm} mm) "
            f"but only {available_mm:.1f} mm is available; shorten the barcode text or use a "
            "larger label — the QR code carries the full code",
            zh=f"条码 {data!r} 需要 {need:.1f} mm 宽，标签上只有 {available_mm:.1f} mm；"
            "请缩短条码内容或使用更大的标签（二维码已包含完整编码）",
        )
    return min(steps, 2) * min_module_mm


@dataclass
class _Frame:
    """The fixed parts of a label of one size: where the rows may go."""

    side: float
    k: float
    left: float  # x of the field rows
    right: float  # right edge of full-width rows
    narrow_right: float  # right edge of rows beside the right column
    top: float  # y of the first row
    col_bottom: float  # rows above this are beside the right column
    limit: float  # rows must end above this
    elements: list[Element] = field(default_factory=list)


def _margins(size: LabelSize) -> tuple[float, float]:
    """(clear margin outside the border, border width) in mm, from the style data."""
    style = pictograms.style()["label"]
    k = size.side_mm / 100.0
    return style["outside_border_mm"] * k, max(1.0, style["border_mm"] * k)


def _frame(
    label: LabelData, size: LabelSize, h: float, model: TextModel, module: float, outside: float
) -> _Frame:
    side = size.side_mm
    k = side / 100.0
    border = _margins(size)[1]
    els: list[Element] = [Box(0, 0, side, side, role="ground")]
    half = border / 2
    els.append(
        Box(
            outside + half,
            outside + half,
            side - 2 * outside - border,
            side - 2 * outside - border,
            line=border,
        )
    )
    inner0 = outside + border
    inner1 = side - outside - border
    pad = 1.2 * k

    # Title band.
    band = 10 * k
    title = model.prepare(pictograms.style()["label"]["title"])
    title_h = 7.5 * k
    title_x = side / 2 - model.width(title, title_h) / 2
    els.append(Text(title_x, inner0 + (band - title_h) / 2, title_h, title, "title"))
    els.append(Box(inner0, inner0 + band, inner1 - inner0, 0.5 * k))

    # Right column: QR, then hazard pictograms with their words.
    top = inner0 + band + 0.5 * k + 1.5 * k
    col_w = 33 * k
    col_x = inner1 - pad - col_w
    qr_size = 31 * k
    els.append(QR(col_x + (col_w - qr_size) / 2, top, qr_size, label.qr_payload))
    y_col = top + qr_size + 1.5 * k
    per_row = 3
    cell = col_w / per_row
    pict = 10.5 * k
    word_h = max(size.min_text_mm, min(h, cell / 3.3))
    for i, code in enumerate(label.hazards):
        row, col = divmod(i, per_row)
        cx = col_x + col * cell
        cy = y_col + row * (pict + word_h * 1.35)
        els.append(Pictogram(cx + (cell - pict) / 2, cy, pict, code))
        word = model.prepare(HAZARD_WORDS[code])
        wx = cx + (cell - model.width(word, word_h)) / 2
        els.append(Text(wx, cy + pict + 0.15 * word_h, word_h, word, "hazard"))
    rows = math.ceil(len(label.hazards) / per_row)
    col_bottom = y_col + rows * (pict + word_h * 1.35)

    # Bottom: CODE128 and its text.
    text_y = inner1 - 0.8 * k - h
    bar_h = 7 * k
    bar_y = text_y - 0.4 * k - bar_h
    bar_w = code128.modules(label.barcode) * module
    els.append(Barcode(side / 2 - bar_w / 2, bar_y, bar_w, bar_h, label.barcode, module))
    code_text = model.prepare(label.barcode)
    els.append(Text(side / 2 - model.width(code_text, h) / 2, text_y, h, code_text, "barcode"))
    els.append(Box(inner0, bar_y - 1.2 * k, inner1 - inner0, 0.25 * k))
    return _Frame(
        side=side,
        k=k,
        left=inner0 + pad,
        right=inner1 - pad,
        narrow_right=col_x - pad,
        top=top,
        col_bottom=col_bottom,
        limit=bar_y - 1.6 * k,
        elements=els,
    )


@dataclass
class _Flow:
    elements: list[Element]
    lines: list[int]  # lines each field needs (after its limit)
    overflow: int  # lines that did not fit


def _cut(line: str, width: float, h: float, model: TextModel) -> str:
    """The line shortened so that it and the cut mark fit width."""
    while line and model.width(line + ELLIPSIS, h) > width + 1e-9:
        line = line[:-1]
    return line + ELLIPSIS


def _rule(fr: _Frame, y: float, width: float, pitch: float, h: float) -> Box | None:
    """The thin rule under a row whose last line starts at y."""
    rule_y = y + h + (pitch - h) / 2
    if rule_y >= fr.limit:
        return None
    return Box(fr.left - 0.6 * fr.k, rule_y, width + 1.2 * fr.k, 0.15 * fr.k)


def _flow(
    fields: list[tuple[str, str]], fr: _Frame, h: float, model: TextModel, limits: dict[int, int]
) -> _Flow:
    pitch = h * LINE_PITCH
    y = fr.top
    els: list[Element] = []
    needed: list[int] = []
    overflow = 0

    def width_at(y: float) -> float:
        return (fr.narrow_right if y < fr.col_bottom + 0.3 * fr.k else fr.right) - fr.left

    def emit(x: float, text: str) -> None:
        nonlocal overflow
        if y + h > fr.limit + 1e-9:
            overflow += 1
        else:
            els.append(Text(x, y, h, text))

    index = 0
    while index < len(fields):
        name, value = fields[index]
        head = f"{name}：{value}"
        width = width_at(y)
        if name in PAIRED and index + 1 < len(fields) and fields[index + 1][0] == PAIRED[name]:
            # Two short fields share a row when each fits half of it on one line.
            other = "{}：{}".format(*fields[index + 1])
            half = width / 2
            if model.width(head, h) <= half - h and model.width(other, h) <= half:
                emit(fr.left, head)
                emit(fr.left + half, other)
                needed += [1, 1]
                if rule := _rule(fr, y, width, pitch, h):
                    els.append(rule)
                y += pitch
                index += 2
                continue
        # Wrap line by line: the width changes once the rows pass the right column.
        lines: list[str] = []
        start = 0
        yy = y
        while start < len(head):
            n = take(head[start : start + 4096], width_at(yy), h, model)
            lines.append(head[start : start + n])
            start += n
            yy += pitch
        needed.append(len(lines))
        limit = limits.get(index)
        if limit is not None and len(lines) > limit:
            kept = lines[:limit]
            kept[-1] = _cut(kept[-1], width_at(y + (limit - 1) * pitch), h, model)
            lines = kept
        for line in lines:
            emit(fr.left, line)
            y += pitch
        if rule := _rule(fr, y - pitch, width_at(y - pitch), pitch, h):
            els.append(rule)
        index += 1
    return _Flow(els, needed, overflow)


def layout_label(
    label: LabelData,
    size: LabelSize,
    *,
    text_height: float | None = None,
    min_module_mm: float = MIN_MODULE_MM,
    model: TextModel = ESTIMATE,
) -> Layout:
    """Position every element of label on a square label of this size.

    Text is tried at a few heights down to the minimum (or at text_height only); what does not
    fit at the last one is cut, longest field first, and marked "…".

    :raises LayoutError: text_height is below the HJ 1276 minimum.
    :raises BarcodeTooWideError: the CODE128 cannot be printed readably in the width.
    """
    if text_height is not None and text_height < size.min_text_mm - 1e-9:
        raise LayoutError(
            zh=f"字高 {text_height} mm 小于 HJ 1276-2022 规定的最小字高 {size.min_text_mm} mm",
            en=f"text height {text_height} mm is below the HJ 1276-2022 minimum "
            f"{size.min_text_mm} mm",
        )
    outside, border = _margins(size)
    # CODE128 with its quiet zones fits inside the border; a long code may narrow the clear
    # margin outside the border down to MIN_OUTSIDE_MM.
    need = (code128.modules(label.barcode) + 2 * code128.QUIET_MODULES) * min_module_mm
    outside = max(MIN_OUTSIDE_MM, min(outside, (size.side_mm - need) / 2 - border))
    module = barcode_module(label.barcode, size.side_mm - 2 * (outside + border), min_module_mm)
    heights = [text_height] if text_height is not None else [size.min_text_mm * g for g in GROW]
    # No value can show more characters than the label has room for: cap them first, so that a
    # megabyte of text costs no more than a full label.
    cap = int((size.side_mm / size.min_text_mm) ** 2 / 0.2) + 1
    fields = [(name, model.prepare(value)[:cap]) for name, value in label.fields()]
    for h in heights:
        fr = _frame(label, size, h, model, module, outside)
        flow = _flow(fields, fr, h, model, {})
        if not flow.overflow:
            return Layout(size.side_mm, h, tuple(fr.elements + flow.elements))
    limits: dict[int, int] = {}
    while True:
        lines = [min(n, limits.get(i, n)) for i, n in enumerate(flow.lines)]
        cuttable: list[int] = []
        for tier in CUT_ORDER:
            cuttable = cuttable or [
                i for i, (name, _) in enumerate(fields) if name in tier and lines[i] > 1
            ]
        if not cuttable:
            raise LayoutError(
                en=f"a {size.side_mm:g} mm label cannot hold one line per field at "
                f"{h:g} mm text height",
                zh=f"{size.side_mm:g} mm 标签在字高 {h:g} mm 下无法容纳每个栏目一行",
            )
        longest = max(cuttable, key=lambda i: (lines[i], i))
        limits[longest] = max(1, lines[longest] - flow.overflow)
        flow = _flow(fields, fr, h, model, limits)
        if not flow.overflow:
            cut = tuple(fields[i][0] for i in sorted(limits))
            return Layout(size.side_mm, h, tuple(fr.elements + flow.elements), cut)
