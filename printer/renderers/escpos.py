"""ESC/POS for 4-inch thermal printers: GB18030 text in Chinese mode (FS &), native QR
(GS ( k) and native CODE128 (GS k, code set C for digit runs).

ESC/POS standard mode prints line by line, so the layout's elements are emitted in layout
order (title, field rows, hazard words, QR, CODE128) rather than at their positions; the text
rows are the layout's wrapped rows, in the printer's 24-dot (3 mm at 203 dpi) Chinese font.
"""

from __future__ import annotations

from printer import code128
from printer.errors import BarcodeTooWideError
from printer.label import LabelData, LabelSize
from printer.layout import QR, Barcode, Text, layout_label
from printer.profiles import PrinterProfile, check_profile_for_label, load_profile

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN_LEFT, ALIGN_CENTER = ESC + b"a\x00", ESC + b"a\x01"
SIZE_NORMAL, SIZE_DOUBLE = GS + b"!\x00", GS + b"!\x11"


def qr_commands(payload: str, module_dots: int) -> bytes:
    """GS ( k: model 2, module size, error correction M, store data, print."""
    data = payload.encode("utf-8")
    n = len(data) + 3
    return b"".join(
        [
            GS + b"(k\x04\x00\x31\x41\x32\x00",  # function 165: model 2
            GS + b"(k\x03\x00\x31\x43" + bytes([module_dots]),  # 167: module size
            GS + b"(k\x03\x00\x31\x45\x31",  # 169: error correction M
            GS + b"(k" + bytes([n & 0xFF, n >> 8]) + b"\x31\x50\x30" + data,  # 180: store
            GS + b"(k\x03\x00\x31\x51\x30",  # 181: print
        ]
    )


def code128_data(data: str) -> bytes:
    """The GS k (m=73) data: {B / {C code-set prefixes, code C digits packed two per byte."""
    out = bytearray()
    for code_set, text in code128.segments(data):
        if code_set == "C":
            out += b"{C" + bytes(int(text[i : i + 2]) for i in range(0, len(text), 2))
        else:
            out += b"{B" + text.replace("{", "{{").encode("ascii")
    return bytes(out)


def code128_commands(data: str, module_dots: int, height_dots: int, width_dots: int) -> bytes:
    """GS h, GS w, GS H (text below), GS k 73; checked against the printable width.

    :raises BarcodeTooWideError: the symbol with quiet zones is wider than the paper.
    """
    modules = code128.native_modules(data) + 2 * code128.QUIET_MODULES
    if modules * module_dots > width_dots:
        raise BarcodeTooWideError(
            f"CODE128 of {data!r} is {modules} modules x {module_dots} dots = "
            f"{modules * module_dots} dots, wider than the printable {width_dots} dots",
            f"条码 {data!r} 宽 {modules * module_dots} 点，超过可打印宽度 {width_dots} 点",
        )
    body = code128_data(data)
    return (
        GS
        + b"h"
        + bytes([min(255, height_dots)])
        + GS
        + b"w"
        + bytes([module_dots])
        + GS
        + b"H\x02"
        + GS
        + b"k\x49"
        + bytes([len(body)])
        + body
    )


class EscposRenderer:
    """ESC/POS bytes for one label; default profile escpos-4inch."""

    def render(self, label: LabelData, size: LabelSize, profile: PrinterProfile | None) -> bytes:
        """Render one label as ESC/POS bytes.

        :raises ProfileTooNarrowError: the printer cannot print a compliant label of this size.
        :raises BarcodeTooWideError: the CODE128 does not fit the paper readably.
        """
        profile = profile or load_profile("escpos-4inch")
        check_profile_for_label(profile, size)
        dpmm = profile.dots_per_mm
        layout = layout_label(label, size, min_module_mm=2 / dpmm)
        enc = profile.encoding
        out = [INIT, CHINESE_ON, ALIGN_CENTER, SIZE_DOUBLE]
        big = size.min_text_mm * dpmm > 24  # 24-dot font too small: double it
        for e in layout.elements:
            if isinstance(e, Text) and e.role == "title":
                out += [e.text.encode(enc), LF, SIZE_DOUBLE if big else SIZE_NORMAL, ALIGN_LEFT]
            elif isinstance(e, Text) and e.role == "field":
                out += [e.text.encode(enc), LF]
        out += [ALIGN_CENTER]
        for e in layout.elements:
            if isinstance(e, QR):
                out.append(qr_commands(e.payload, profile.qr_module_dots))
                out.append(LF)
            elif isinstance(e, Barcode):
                out.append(
                    code128_commands(
                        e.data,
                        max(2, round(e.module_mm * dpmm)),
                        round(e.height * dpmm),
                        profile.printable_width_dots,
                    )
                )
        out += [SIZE_NORMAL, ALIGN_LEFT, CHINESE_OFF, ESC + b"d\x03"]
        return b"".join(out)
