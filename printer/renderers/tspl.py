"""TSPL2 for TSC / Gprinter / Xprinter label printers: every layout element at its position.

Chinese text uses the resident "TSS24.BF2" font (24 dots, GB18030 bytes) scaled by whole
multiples to reach the size's minimum text height; the layout is made at that height.
"""

from __future__ import annotations

import math

from printer import code128
from printer.errors import BarcodeTooWideError
from printer.label import LabelData, LabelSize
from printer.layout import QR, Barcode, Box, Pictogram, Text, layout_label
from printer.profiles import PrinterProfile, check_profile_for_label, load_profile

FONT = "TSS24.BF2"
FONT_DOTS = 24


def quote(text: str) -> str:
    """A TSPL string literal: embedded double quotes become \\["]."""
    return '"' + text.replace('"', '\\["]') + '"'


class TsplRenderer:
    """TSPL2 bytes for one label; default profile tspl-4inch."""

    def render(self, label: LabelData, size: LabelSize, profile: PrinterProfile | None) -> bytes:
        """Render one label as TSPL2 commands ending with PRINT 1,1.

        :raises ProfileTooNarrowError: the printer cannot print a compliant label of this size.
        :raises BarcodeTooWideError: the CODE128 does not fit readably.
        :raises LayoutError: the content does not fit at the printer font's height.
        """
        profile = profile or load_profile("tspl-4inch")
        check_profile_for_label(profile, size)
        dpmm = profile.dots_per_mm
        mul = max(1, math.ceil(size.min_text_mm * dpmm / FONT_DOTS - 1e-9))
        text_mm = mul * FONT_DOTS / dpmm
        layout = layout_label(label, size, text_height=text_mm, min_module_mm=2 / dpmm)

        def d(v: float) -> int:
            return round(v * dpmm)

        side = f"{layout.side:g}"
        lines = [
            f"SIZE {side} mm,{side} mm",
            "GAP 2 mm,0 mm",
            "DIRECTION 1",
            "REFERENCE 0,0",
            "CLS",
        ]
        for e in layout.elements:
            if isinstance(e, Box):
                if e.line > 0:
                    lines.append(
                        f"BOX {d(e.x)},{d(e.y)},{d(e.x + e.width)},{d(e.y + e.height)},"
                        f"{max(1, d(e.line))}"
                    )
                else:
                    bw, bh = max(1, d(e.width)), max(1, d(e.height))
                    lines.append(f"BAR {d(e.x)},{d(e.y)},{bw},{bh}")
            elif isinstance(e, Text):
                m = mul
                if e.role == "title":
                    m = max(1, round(e.height * dpmm / FONT_DOTS))
                lines.append(f"TEXT {d(e.x)},{d(e.y)},{quote(FONT)},0,{m},{m},{quote(e.text)}")
            elif isinstance(e, QR):
                lines.append(
                    f"QRCODE {d(e.x)},{d(e.y)},M,{profile.qr_module_dots},A,0,{quote(e.payload)}"
                )
            elif isinstance(e, Barcode):
                narrow = max(2, round(e.module_mm * dpmm))
                width = (code128.native_modules(e.data) + 2 * code128.QUIET_MODULES) * narrow
                if width > profile.printable_width_dots:
                    raise BarcodeTooWideError(
                        f"CODE128 of {e.data!r} is {width} dots, wider than "
                        f"{profile.printable_width_dots}",
                        f"条码 {e.data!r} 宽 {width} 点，超过可打印宽度",
                    )
                x = d(e.x + e.width / 2) - code128.native_modules(e.data) * narrow // 2
                lines.append(
                    f'BARCODE {x},{d(e.y)},"128",{d(e.height)},0,0,{narrow},{narrow},'
                    f"{quote(e.data)}"
                )
            elif isinstance(e, Pictogram):
                lines.append(
                    f"BOX {d(e.x)},{d(e.y)},{d(e.x + e.size)},{d(e.y + e.size)},"
                    f"{max(2, d(e.size * 0.06))}"
                )
                cx = d(e.x + e.size / 2) - len(e.code) * FONT_DOTS // 2 // 2
                cy = d(e.y + e.size / 2) - FONT_DOTS // 2
                lines.append(f"TEXT {cx},{cy},{quote(FONT)},0,1,1,{quote(e.code)}")
        lines.append("PRINT 1,1")
        return ("\r\n".join(lines) + "\r\n").encode(profile.encoding)
