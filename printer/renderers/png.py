"""PNG previews with Pillow at a given dpi, from the same layout as the PDF."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from printer import code128
from printer.fonts import find_font
from printer.label import LabelData, LabelSize
from printer.layout import QR, Barcode, Box, Pictogram, Text, layout_label
from printer.profiles import PrinterProfile
from printer.renderers import _qr


@lru_cache(maxsize=32)
def _font(path: str, index: int, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px, index=index)


class PngRenderer:
    """Raster preview; dpi defaults to the profile's resolution, else 300."""

    def __init__(self, dpi: int | None = None, font_path: str | None = None) -> None:
        self.dpi = dpi
        self.font_path = font_path

    def render(self, label: LabelData, size: LabelSize, profile: PrinterProfile | None) -> bytes:
        """Render one label as a 1-bit-looking grayscale PNG."""
        dpi = self.dpi or (round(profile.dots_per_mm * 25.4) if profile else 300)
        s = dpi / 25.4
        path, index = find_font(self.font_path)
        layout = layout_label(label, size)
        side = round(layout.side * s)
        img = Image.new("L", (side, side), 255)
        d = ImageDraw.Draw(img)
        for e in layout.elements:
            if isinstance(e, Text):
                font = _font(path, index, round(e.height * s))
                d.text((e.x * s, e.y * s), e.text, fill=0, font=font)
            elif isinstance(e, Box):
                box = (e.x * s, e.y * s, (e.x + e.width) * s, (e.y + e.height) * s)
                if e.line > 0:
                    d.rectangle(box, outline=0, width=max(1, round(e.line * s)))
                else:
                    d.rectangle(box, fill=0)
            elif isinstance(e, QR):
                m = _qr.matrix(e.payload)
                mod = max(1, int(e.size * s / len(m)))
                x0, y0 = round(e.x * s), round(e.y * s)
                for r, row in enumerate(m):
                    for start, length in _qr.runs(row):
                        x1 = x0 + (start + length) * mod - 1
                        d.rectangle(
                            (x0 + start * mod, y0 + r * mod, x1, y0 + (r + 1) * mod - 1), fill=0
                        )
            elif isinstance(e, Barcode):
                bits = code128.bars(e.data)
                mod = max(1, int(e.module_mm * s))
                x0 = round((e.x + e.width / 2) * s - len(bits) * mod / 2)
                y0, y1 = round(e.y * s), round((e.y + e.height) * s)
                for start, length in _qr.runs(bits):
                    d.rectangle((x0 + start * mod, y0, x0 + (start + length) * mod - 1, y1), fill=0)
            elif isinstance(e, Pictogram):
                cx, cy, rad = (e.x + e.size / 2) * s, (e.y + e.size / 2) * s, e.size / 2 * s
                d.polygon(
                    [(cx, cy - rad), (cx + rad, cy), (cx, cy + rad), (cx - rad, cy)],
                    outline=0,
                    width=max(1, round(e.size * 0.06 * s)),
                )
                f = _font(path, index, round(e.size * 0.4 * s))
                d.text((cx, cy), e.code, fill=0, font=f, anchor="mm")
        out = io.BytesIO()
        img.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
        return out.getvalue()
