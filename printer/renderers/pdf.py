"""PDF labels with reportlab, the CJK font embedded as a TrueType subset."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from printer import code128, pictograms
from printer.errors import FontMissingError
from printer.fonts import find_font
from printer.label import LabelData, LabelSize
from printer.layout import QR, Barcode, Box, Layout, Pictogram, Text, layout_label
from printer.metrics import font_model
from printer.profiles import PrinterProfile
from printer.renderers import _qr
from printer.sign import SignData, layout_sign
from printer.text import clean

BASELINE = 0.88  # baseline below the top of the character cell, in text heights
_registered: dict[str, str] = {}


def font_name(font_path: str | None = None) -> str:
    """Register the CJK TrueType font once per process and return its reportlab name.

    :raises FontMissingError: no font, or the file is not a TrueType font reportlab can embed.
    """
    path, index = find_font(font_path)
    key = f"{path}#{index}"
    if key not in _registered:
        name = f"HwtraceCJK{len(_registered)}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        except Exception as exc:  # reportlab raises TTFError or plain errors for CFF fonts
            raise FontMissingError(
                en=f"cannot embed font {path!r} ({exc}); use a TrueType font such as "
                "fonts-wqy-microhei",
                zh=f"无法嵌入字体 {path!r}（{exc}）；请使用 TrueType 字体，如 fonts-wqy-microhei",
            ) from exc
        _registered[key] = name
    return _registered[key]


def _fill(c: Canvas, role: str) -> None:
    r, g, b = pictograms.role_rgb(role)
    c.setFillColorRGB(r / 255, g / 255, b / 255)


def draw(c: Canvas, layout: Layout, font: str, ox: float = 0.0, oy: float = 0.0) -> None:
    """Draw a layout with its top-left corner at (ox, oy) mm from the page's top-left."""
    page_h = float(c._pagesize[1]) / mm

    def py(y: float) -> float:
        return float((page_h - oy - y) * mm)

    ink = pictograms.role_rgb("ink")
    c.setStrokeColorRGB(*(v / 255 for v in ink))
    for e in layout.elements:
        if isinstance(e, Text):
            _fill(c, "ink")
            c.setFont(font, e.height * mm)
            if e.role == "title":  # a bold title: fill and stroke the glyphs
                c.setLineWidth(e.height * 0.035 * mm)
                t = c.beginText((ox + e.x) * mm, py(e.y + e.height * BASELINE))
                t.setTextRenderMode(2)
                t.textOut(e.text)
                t.setTextRenderMode(0)
                c.drawText(t)
            else:
                c.drawString((ox + e.x) * mm, py(e.y + e.height * BASELINE), e.text)
        elif isinstance(e, Box):
            x, y, w, h = (ox + e.x) * mm, py(e.y + e.height), e.width * mm, e.height * mm
            if e.line > 0:
                c.setLineWidth(e.line * mm)
                c.rect(x, y, w, h, stroke=1, fill=0)
            else:
                _fill(c, e.role)
                c.rect(x, y, w, h, stroke=0, fill=1)
        elif isinstance(e, QR):
            _fill(c, "ink")
            _draw_qr(c, e, ox, py)
        elif isinstance(e, Barcode):
            _fill(c, "ink")
            bits = code128.bars(e.data)
            mod = e.width / len(bits) if len(bits) > code128.native_modules(e.data) else e.module_mm
            x0 = ox + e.x + (e.width - len(bits) * mod) / 2
            path = c.beginPath()
            for start, length in _qr.runs(bits):
                path.rect(
                    (x0 + start * mod) * mm, py(e.y + e.height), length * mod * mm, e.height * mm
                )
            c.drawPath(path, stroke=0, fill=1)
        elif isinstance(e, Pictogram):
            draw_symbol(c, pictograms.symbol(e.code), ox + e.x, e.y, e.size, py)


def draw_symbol(
    c: Canvas,
    polys: tuple[pictograms.Polygon, ...],
    x: float,
    y: float,
    size: float,
    py: Callable[[float], float],
) -> None:
    """Fill a symbol's polygons (pictograms.py) in their colours, in order, as vector paths."""
    for role, pts in pictograms.place(polys, x, y, size):
        _fill(c, role)
        path = c.beginPath()
        path.moveTo(pts[0][0] * mm, py(pts[0][1]))
        for px, p_y in pts[1:]:
            path.lineTo(px * mm, py(p_y))
        path.close()
        c.drawPath(path, stroke=0, fill=1, fillMode=0)


def _draw_qr(c: Canvas, e: QR, ox: float, py: Any) -> None:
    # One path for all dark runs: one fill operator instead of hundreds of rect() calls.
    m = _qr.matrix(e.payload)
    mod = e.size / len(m)
    path = c.beginPath()
    for r, row in enumerate(m):
        for start, length in _qr.runs(row):
            path.rect(
                (ox + e.x + start * mod) * mm,
                py(e.y + (r + 1) * mod),
                length * mod * mm,
                mod * mm + 0.01,
            )
    c.drawPath(path, stroke=0, fill=1)


class PdfRenderer:
    """One label per page, page size = label size."""

    def __init__(self, font_path: str | None = None) -> None:
        self.font_path = font_path

    def render(self, label: LabelData, size: LabelSize, profile: PrinterProfile | None) -> bytes:
        """Render one label as a PDF page of the label's size."""
        layout = layout_label(label, size, model=font_model(self.font_path))
        return page(layout, f"危险废物标签 {label.identification_code}", self.font_path)


def page(layout: Layout, title: str, font_path: str | None = None) -> bytes:
    """A one-page PDF of a layout, the page the layout's size."""
    font = font_name(font_path)
    width, height = layout.page
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(width * mm, height * mm), invariant=True, pageCompression=1)
    c.setTitle(clean(title))
    draw(c, layout, font)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_sign(sign: SignData, page_size: str = "A4", font_path: str | None = None) -> bytes:
    """A facility or zone sign as a one-page landscape PDF."""
    layout = layout_sign(sign, page_size, font_model(font_path))
    return page(layout, f"{sign.title} {sign.code}", font_path)


def render_sheet(
    labels: Sequence[LabelData],
    page: str = "A4",
    *,
    size: LabelSize = LabelSize.SMALL,
    font_path: str | None = None,
) -> bytes:
    """Lay many labels out in a grid on A4 pages for an office printer (cut lines = frames)."""
    if page.upper() != "A4":
        raise ValueError(f"unsupported page {page!r}; only A4")
    font = font_name(font_path)
    model = font_model(font_path)
    pw, ph = A4[0] / mm, A4[1] / mm
    side = size.side_mm
    gap = 4.0
    cols = max(1, int((pw - 10 + gap) // (side + gap)))
    rows = max(1, int((ph - 10 + gap) // (side + gap)))
    left = (pw - cols * side - (cols - 1) * gap) / 2
    top = (ph - rows * side - (rows - 1) * gap) / 2
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=True, pageCompression=1, initialFontName=font)
    c.setTitle("危险废物标签")
    per_page = cols * rows
    for i, label in enumerate(labels):
        if i and i % per_page == 0:
            c.showPage()
        r, col = divmod(i % per_page, cols)
        layout = layout_label(label, size, model=model)
        draw(c, layout, font, left + col * (side + gap), top + r * (side + gap))
    c.showPage()
    c.save()
    return buf.getvalue()
