"""TSPL2 for TSC / Gprinter / Xprinter label printers: every layout element at its position,
the hazard pictograms as BITMAP graphics, and exactly one PRINT per label.

Chinese text uses the resident "TSS24.BF2" font (24 dots, GBK bytes) scaled by whole
multiples to reach the size's minimum text height; the layout is made at that height with that
font's metrics. The printer prints black on stock pre-printed in the standard's orange-yellow
(the profile's ``stock``).

No text can become a command: values are cleaned and restricted to the profile's character set
(``printer.text``: no CR, LF or other byte below 0x20 remains), then quoted with TSPL's escape
for the double quote (\\["]); a backslash becomes the full-width "＼" so that no value can
form one of TSPL's bracket escapes, and "~!" becomes "～!". BITMAP data is length-prefixed and
kept free of ESC "!" (TSPL's immediate commands).
"""

from __future__ import annotations

import math
from functools import cache

from PIL import Image

from printer import code128, pictograms
from printer.errors import BarcodeTooWideError
from printer.label import LabelData, LabelSize
from printer.layout import (
    QR,
    Barcode,
    Box,
    Element,
    Pictogram,
    Text,
    TextModel,
    layout_label,
)
from printer.metrics import thermal_model
from printer.profiles import PrinterProfile, check_profile_for_label, load_profile
from printer.renderers import _qr

FONT = "TSS24.BF2"
FONT_DOTS = 24
MIN_QR_MODULE_DOTS = 3


def quote(text: str) -> str:
    """A TSPL string literal: embedded double quotes become \\["]."""
    return '"' + text.replace('"', '\\["]') + '"'


def neutral(text: str) -> str:
    """Text that cannot form a TSPL escape or tilde command inside a string literal."""
    return text.replace("\\", "＼").replace("~!", "～!")


@cache
def tspl_model(charset: str) -> TextModel:
    """The thermal model with TSPL's substitutions applied before the layout measures."""
    base = thermal_model(charset)
    return TextModel(lambda t: neutral(base.prepare(t)), base.advance)


def bitmap_data(kind: str, dots: int, black_bit: int) -> tuple[int, bytes]:
    """(bytes per row, data) of a pictogram for BITMAP, a printed dot = black_bit."""
    img = pictograms.raster(kind, dots)
    row_bytes = (dots + 7) // 8
    padded = Image.new("1", (row_bytes * 8, dots), 1)
    padded.paste(img, (0, 0))
    raw = padded.tobytes()  # Pillow: bit 1 = white
    data = raw if black_bit == 0 else bytes(b ^ 0xFF for b in raw)
    out = bytearray(data)
    for i in range(len(out) - 1):  # no ESC "!" inside the data
        if out[i] == 0x1B and out[i + 1] == 0x21:
            out[i] ^= 0x01
    return row_bytes, bytes(out)


class TsplRenderer:
    """TSPL2 bytes for one label; default profile tspl-4inch."""

    def render(self, label: LabelData, size: LabelSize, profile: PrinterProfile | None) -> bytes:
        """Render one label as TSPL2 commands ending with PRINT 1,1.

        :raises ProfileTooNarrowError: the printer cannot print a compliant label of this size.
        :raises BarcodeTooWideError: the CODE128 does not fit readably.
        """
        profile = profile or load_profile("tspl-4inch")
        check_profile_for_label(profile, size)
        dpmm = profile.dots_per_mm
        mul = max(1, math.ceil(size.min_text_mm * dpmm / FONT_DOTS - 1e-9))
        text_mm = mul * FONT_DOTS / dpmm
        model = tspl_model(profile.charset)
        layout = layout_label(label, size, text_height=text_mm, min_module_mm=2 / dpmm, model=model)
        side = f"{layout.side:g}"
        out: list[str | bytes] = [
            f"SIZE {side} mm,{side} mm",
            "GAP 2 mm,0 mm",
            "DIRECTION 1",
            "REFERENCE 0,0",
            "CLS",
        ]
        commands = _Commands(profile, mul)
        for e in layout.elements:
            out += commands.of(e)
        out.append("PRINT 1,1")
        return b"".join(
            c + b"\r\n"
            if isinstance(c, bytes)
            else c.encode(profile.charset, errors="replace") + b"\r\n"
            for c in out
        )


class _Commands:
    """The TSPL command(s) of each layout element (text lines; BITMAP as bytes)."""

    def __init__(self, profile: PrinterProfile, mul: int) -> None:
        self.profile, self.mul, self.dpmm = profile, mul, profile.dots_per_mm

    def d(self, v: float) -> int:
        return round(v * self.dpmm)

    def of(self, e: Element) -> list[str | bytes]:
        d = self.d
        if isinstance(e, Box):
            if e.line > 0:  # the layout strokes on the edge, BOX draws inside its corners
                h = e.line / 2
                return [
                    f"BOX {d(e.x - h)},{d(e.y - h)},{d(e.x + e.width + h)},"
                    f"{d(e.y + e.height + h)},{max(1, d(e.line))}"
                ]
            if pictograms.thermal_prints(e.role):
                return [f"BAR {d(e.x)},{d(e.y)},{max(1, d(e.width))},{max(1, d(e.height))}"]
            return []
        if isinstance(e, Text):
            m = max(1, round(e.height * self.dpmm / FONT_DOTS)) if e.role == "title" else self.mul
            return [f"TEXT {d(e.x)},{d(e.y)},{quote(FONT)},0,{m},{m},{quote(e.text)}"]
        if isinstance(e, QR):
            modules = _qr.max_modules(e.payload)
            cell = max(MIN_QR_MODULE_DOTS, min(self.profile.qr_module_dots, d(e.size) // modules))
            return [f"QRCODE {d(e.x)},{d(e.y)},M,{cell},A,0,{quote(e.payload)}"]
        if isinstance(e, Barcode):
            return [self.barcode(e)]
        if isinstance(e, Pictogram):
            dots = d(e.size)
            row_bytes, data = bitmap_data(e.code, dots, self.profile.bitmap_black_bit)
            return [f"BITMAP {d(e.x)},{d(e.y)},{row_bytes},{dots},0,".encode("ascii") + data]
        return []

    def barcode(self, e: Barcode) -> str:
        d = self.d
        narrow = max(2, round(e.module_mm * self.dpmm))
        width = (code128.native_modules(e.data) + 2 * code128.QUIET_MODULES) * narrow
        if width > self.profile.printable_width_dots:
            raise BarcodeTooWideError(
                en=f"CODE128 of {e.data!r} is {width} dots, wider than "
                f"{self.profile.printable_width_dots}",
                zh=f"条码 {e.data!r} 宽 {width} 点，超过可打印宽度",
            )
        x = d(e.x + e.width / 2) - code128.native_modules(e.data) * narrow // 2
        return f'BARCODE {x},{d(e.y)},"128",{d(e.height)},0,0,{narrow},{narrow},{quote(e.data)}'
