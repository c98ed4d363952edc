"""ESC/POS for 4-inch thermal printers: GBK text in Chinese mode (FS &), the hazard pictograms
as one raster image (GS v 0), native QR (GS ( k) and native CODE128 (GS k, code set C for digit
runs), then one print-and-feed (ESC d) and, when the profile has a cutter, one cut (GS V). The
stock is a continuous roll pre-printed in the standard's orange-yellow: the label is as long as
its content, and fed to at least the size's side (HJ 1276 sets minimum sizes).

ESC/POS standard mode prints line by line, so the layout's elements are emitted in layout
order (title, pictograms with their words, field rows, QR, CODE128) rather than at their
positions; the text rows are the layout's wrapped rows in the printer's 24-dot (3 mm at
203 dpi) Chinese font, laid out with that font's metrics. The printer prints black on stock
pre-printed in the standard's orange-yellow (the profile's ``stock``).

No text can become a command: every value is cleaned and restricted to the profile's
character set (``printer.text``), so the text bytes hold no byte below 0x20; everything else
is a fixed command or length-prefixed data. Raster data is kept free of the real-time command
prefixes (DLE EOT / ENQ / DC4) that some printers act on even inside graphics.
"""

from __future__ import annotations

from PIL import Image

from printer import code128, pictograms
from printer.errors import BarcodeTooWideError
from printer.label import LabelData, LabelSize
from printer.layout import QR, Barcode, Layout, Pictogram, Text, layout_label
from printer.metrics import thermal_model
from printer.profiles import PrinterProfile, check_profile_for_label, load_profile
from printer.renderers import _qr

ESC, GS, FS, LF, DLE = b"\x1b", b"\x1d", b"\x1c", b"\n", b"\x10"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN_LEFT, ALIGN_CENTER = ESC + b"a\x00", ESC + b"a\x01"
SIZE_NORMAL, SIZE_DOUBLE = GS + b"!\x00", GS + b"!\x11"
LINE_SPACING = 30  # ESC 3: dots from one text line to the next (24-dot font + 6)
CUT = GS + b"V\x42\x00"  # feed to the cutter and cut (partial)
FONT_DOTS = 24
PICT_CELL_HALVES = 10  # a pictogram cell is 10 half-width characters wide (120 dots)


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
            en=f"CODE128 of {data!r} is {modules} modules x {module_dots} dots = "
            f"{modules * module_dots} dots, wider than the printable {width_dots} dots",
            zh=f"条码 {data!r} 宽 {modules * module_dots} 点，超过可打印宽度 {width_dots} 点",
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


def without_realtime(data: bytes) -> bytes:
    """Raster bytes with no DLE EOT / DLE ENQ / DLE DC4 sequence (real-time commands some
    printers execute even inside graphics data): such a DLE byte gets one more dot (0x18)."""
    out = bytearray(data)
    for i in range(len(out) - 1):
        if out[i] == 0x10 and out[i + 1] in (0x04, 0x05, 0x14):
            out[i] = 0x18
    return bytes(out)


def raster_command(img: Image.Image) -> bytes:
    """GS v 0: a 1-bit image (black = 0 in Pillow's "1" mode) as raster bit image, 1 = dot."""
    width, height = img.size
    row_bytes = (width + 7) // 8
    padded = Image.new("1", (row_bytes * 8, height), 1)
    padded.paste(img, (0, 0))
    # Pillow packs "1" images with 1 = white; ESC/POS wants 1 = print.
    data = bytes(b ^ 0xFF for b in padded.tobytes())
    return (
        GS
        + b"v0\x00"
        + bytes([row_bytes & 0xFF, row_bytes >> 8, height & 0xFF, height >> 8])
        + without_realtime(data)
    )


def pictogram_rows(layout: Layout, profile: PrinterProfile, halves: int) -> tuple[list[bytes], int]:
    """The hazard pictograms as centred raster rows, each followed by a centred line of their
    words (each word centred in its cell of PICT_CELL_HALVES half-width characters); and the
    height in dots they take."""
    picts = [e for e in layout.elements if isinstance(e, Pictogram)]
    if not picts:
        return [], 0
    enc = profile.charset
    half_dots = FONT_DOTS // 2 * halves
    cell = PICT_CELL_HALVES * half_dots
    dots = min(cell - 8, round(picts[0].size * profile.dots_per_mm))
    per_row = max(1, profile.printable_width_dots // cell)
    out: list[bytes] = []
    height = 0
    for start in range(0, len(picts), per_row):
        row = picts[start : start + per_row]
        img = Image.new("1", (cell * len(row), dots), 1)
        words = ""
        for i, p in enumerate(row):
            img.paste(pictograms.raster(p.code, dots), (i * cell + (cell - dots) // 2, 0))
            word = pictograms.style()["pictograms"][p.code]["name_zh"]
            used = len(word.encode(enc))  # half-width cells
            left = (PICT_CELL_HALVES - used) // 2
            words += " " * left + word + " " * (PICT_CELL_HALVES - used - left)
        out += [raster_command(img), words.encode(enc), LF]
        height += dots + LINE_SPACING * halves
    return out, height


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
        halves = 2 if size.min_text_mm * dpmm > FONT_DOTS else 1  # 24-dot font too small: x2
        text_mm = FONT_DOTS * halves / dpmm
        model = thermal_model(profile.charset)
        layout = layout_label(label, size, text_height=text_mm, min_module_mm=2 / dpmm, model=model)
        enc = profile.charset
        body = SIZE_DOUBLE if halves == 2 else SIZE_NORMAL
        pitch = LINE_SPACING * halves
        # On a continuous pre-printed roll the label is as long as its content, and at least
        # as long as the size's side (HJ 1276 gives minimum sizes); `used` counts the dots.
        out = [INIT, CHINESE_ON, ESC + b"3" + bytes([pitch]), ALIGN_CENTER, SIZE_DOUBLE]
        used = 0
        for e in layout.elements:
            if isinstance(e, Text) and e.role == "title":
                out += [e.text.encode(enc, errors="replace"), LF, body]
                used += 2 * FONT_DOTS
        rows, height = pictogram_rows(layout, profile, halves)
        out += rows
        used += height
        out.append(ALIGN_LEFT)
        for e in layout.elements:
            if isinstance(e, Text) and e.role == "field":
                out += [e.text.encode(enc, errors="replace"), LF]
                used += pitch
        out.append(ALIGN_CENTER)
        for e in layout.elements:
            if isinstance(e, QR):
                modules = _qr.max_modules(e.payload)
                fit = int(e.size * dpmm) // modules
                module = max(3, min(profile.qr_module_dots, fit))
                out += [qr_commands(e.payload, module), LF]
                used += modules * module + pitch
            elif isinstance(e, Barcode):
                out.append(
                    code128_commands(
                        e.data,
                        max(2, round(e.module_mm * dpmm)),
                        round(e.height * dpmm),
                        profile.printable_width_dots,
                    )
                )
                used += round(e.height * dpmm) + FONT_DOTS
        short = max(0, round(size.side_mm * dpmm) - used)
        feed = 3 + -(-short // pitch)
        out += [SIZE_NORMAL, ALIGN_LEFT, CHINESE_OFF, ESC + b"d" + bytes([min(255, feed)])]
        if profile.cutter:
            out.append(CUT)
        return b"".join(out)
