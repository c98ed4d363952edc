"""PNG labels in colour with Pillow at a given dpi, from the same layout, font, colours and
symbol polygons as the PDF, so the two look the same (tests compare them pixel by pixel)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from printer import code128, pictograms
from printer.fonts import find_font
from printer.label import LabelData, LabelSize
from printer.layout import QR, Barcode, Box, Layout, Pictogram, Text, TextModel, layout_label
from printer.metrics import font_model
from printer.profiles import PrinterProfile
from printer.renderers import _qr
from printer.sign import SignData, layout_sign

BASELINE = 0.88  # as the PDF: baseline below the top of the character cell, in text heights


@lru_cache(maxsize=32)
def _font(path: str, index: int, px: float) -> ImageFont.FreeTypeFont:
    # Basic layout: no bidi reordering or shaping, exactly as reportlab draws the PDF.
    return ImageFont.truetype(path, px, index=index, layout_engine=ImageFont.Layout.BASIC)


class _Painter:
    """Draws layout elements onto an image at s pixels per mm."""

    def __init__(self, img: Image.Image, s: float, font: tuple[str, int], model: TextModel) -> None:
        self.d = ImageDraw.Draw(img)
        self.s, self.font, self.model = s, font, model
        self.ink = pictograms.role_rgb("ink")

    def text(self, e: Text) -> None:
        s = self.s
        f = _font(self.font[0], self.font[1], max(1.0, round(e.height * s, 2)))
        stroke = round(e.height * 0.0175 * s) if e.role == "title" else 0
        # Character by character at the font's unhinted advances, as the PDF places them
        # (FreeType's hinted advances would drift a pixel every few characters).
        x, y = e.x * s, (e.y + e.height * BASELINE) * s
        for c in e.text:
            self.d.text(
                (x, y),
                c,
                fill=self.ink,
                font=f,
                anchor="ls",
                stroke_width=stroke,
                stroke_fill=self.ink,
            )
            x += self.model.advance(c) * e.height * s

    def box(self, e: Box) -> None:
        s = self.s
        x0, y0 = round(e.x * s), round(e.y * s)
        x1, y1 = round((e.x + e.width) * s) - 1, round((e.y + e.height) * s) - 1
        if e.line > 0:  # stroked on the edge, as the PDF strokes it
            w = max(1, round(e.line * s))
            half = w // 2
            self.d.rectangle(
                (x0 - half, y0 - half, x1 + w - half - 1, y1 + w - half - 1),
                outline=self.ink,
                width=w,
            )
        else:
            self.d.rectangle((x0, y0, x1, y1), fill=pictograms.role_rgb(e.role))

    def bars(
        self, runs: list[tuple[int, int]], x0: float, mod: float, top: int, bottom: int
    ) -> None:
        for start, length in runs:
            left, right = round(x0 + start * mod), round(x0 + (start + length) * mod) - 1
            self.d.rectangle((left, top, right, bottom), fill=self.ink)

    def qr(self, e: QR) -> None:
        m = _qr.matrix(e.payload)
        mod = e.size * self.s / len(m)
        y0 = e.y * self.s
        for r, row in enumerate(m):
            top, bottom = round(y0 + r * mod), round(y0 + (r + 1) * mod) - 1
            self.bars(_qr.runs(row), e.x * self.s, mod, top, bottom)

    def barcode(self, e: Barcode) -> None:
        bits = code128.bars(e.data)
        mod = e.module_mm * self.s
        x0 = (e.x + e.width / 2) * self.s - len(bits) * mod / 2
        top, bottom = round(e.y * self.s), round((e.y + e.height) * self.s) - 1
        self.bars(_qr.runs(bits), x0, mod, top, bottom)

    def pictogram(self, e: Pictogram) -> None:
        for role, pts in pictograms.place(pictograms.symbol(e.code), e.x, e.y, e.size):
            self.d.polygon(
                [(x * self.s, y * self.s) for x, y in pts], fill=pictograms.role_rgb(role)
            )


def draw(
    img: Image.Image, layout: Layout, s: float, font: tuple[str, int], model: TextModel
) -> None:
    """Draw a layout onto img at s pixels per mm."""
    p = _Painter(img, s, font, model)
    handlers: dict[type, Callable[[Any], None]] = {
        Text: p.text,
        Box: p.box,
        QR: p.qr,
        Barcode: p.barcode,
        Pictogram: p.pictogram,
    }
    for e in layout.elements:
        handlers[type(e)](e)


class PngRenderer:
    """Colour raster; dpi defaults to the profile's resolution, else 300."""

    def __init__(self, dpi: int | None = None, font_path: str | None = None) -> None:
        self.dpi = dpi
        self.font_path = font_path

    def render(self, label: LabelData, size: LabelSize, profile: PrinterProfile | None) -> bytes:
        """Render one label as an RGB PNG."""
        dpi = self.dpi or (round(profile.dots_per_mm * 25.4) if profile else 300)
        layout = layout_label(label, size, model=font_model(self.font_path))
        return image(layout, dpi, self.font_path)


def image(layout: Layout, dpi: int, font_path: str | None = None) -> bytes:
    """An RGB PNG of a layout at dpi."""
    s = dpi / 25.4
    font = find_font(font_path)
    model = font_model(font_path)
    width, height = layout.page
    img = Image.new("RGB", (round(width * s), round(height * s)), pictograms.role_rgb("paper"))
    draw(img, layout, s, font, model)
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi), optimize=False, compress_level=3)
    return out.getvalue()


def render_sign(
    sign: SignData, page: str = "A4", dpi: int = 150, font_path: str | None = None
) -> bytes:
    """A facility or zone sign as a landscape PNG (150 dpi by default)."""
    return image(layout_sign(sign, page, font_model(font_path)), dpi, font_path)
