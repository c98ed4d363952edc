"""Strict interpreters of the ESC/POS and TSPL the renderers send: they rasterise what the
bytes describe (text in a CJK font at the printer font's size, QR and CODE128 drawn by
independent encoders — qrcode and python-barcode — from the data in the commands, raster and
BITMAP graphics as sent) and count the print and cut commands. Any byte sequence they do not
know is an error: a text value that turned into a command cannot pass unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import barcode
import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


class UnknownCommand(AssertionError):
    """Bytes the interpreter does not understand."""


def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, px, layout_engine=ImageFont.Layout.BASIC)


def draw_cells(d: ImageDraw.ImageDraw, x: int, y: int, text: str, mul: int, encoding: str) -> int:
    """Draw text as a 24-dot printer font does: a double-byte character in a 24-dot cell, a
    single byte in a 12-dot cell (times mul); return the x after the text."""
    wide, narrow = _font(24 * mul), _font(20 * mul)
    for c in text:
        full = len(c.encode(encoding)) > 1
        d.text((x, y + (0 if full else 3 * mul)), c, fill=0, font=wide if full else narrow)
        x += (24 if full else 12) * mul
    return x


def qr_image(data: bytes, module: int) -> Image.Image:
    """A QR symbol (ECC M, no border) drawn by the qrcode package, module x module dots."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=module)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")


def code128_image(text: str, module: int, height: int) -> Image.Image:
    """CODE128 of text by python-barcode (its own code-set choice), module dots per module."""
    bits = barcode.get("code128", text).build()[0]
    img = Image.new("L", (len(bits) * module, height), 255)
    d = ImageDraw.Draw(img)
    for i, b in enumerate(bits):
        if b == "1":
            d.rectangle((i * module, 0, (i + 1) * module - 1, height - 1), fill=0)
    return img


def _bitmap(data: bytes, row_bytes: int, height: int, dot_bit: int) -> Image.Image:
    img = Image.new("L", (row_bytes * 8, height), 255)
    px = img.load()
    assert px is not None
    for y in range(height):
        for xb in range(row_bytes):
            byte = data[y * row_bytes + xb]
            for bit in range(8):
                if ((byte >> (7 - bit)) & 1) == dot_bit:
                    px[xb * 8 + bit, y] = 0
    return img


@dataclass
class Printout:
    """What a printer made of a byte stream."""

    pages: list[Image.Image] = field(default_factory=list)
    prints: int = 0
    cuts: int = 0
    texts: list[str] = field(default_factory=list)


# -- ESC/POS --------------------------------------------------------------------------------


class _Escpos:
    """The state of an ESC/POS printer reading one byte stream."""

    def __init__(self, data: bytes, width: int, encoding: str) -> None:
        self.data, self.width, self.encoding = data, width, encoding
        self.out = Printout()
        self.blocks: list[tuple[Image.Image, int]] = []  # (image, alignment)
        self.line: list[tuple[str, int]] = []  # (text, size multiplier)
        self.align, self.mul, self.chinese, self.spacing = 0, 1, False, 30
        self.qr_data, self.qr_module = b"", 3
        self.bar_h, self.bar_w = 162, 3
        self.i = 0

    def need(self, n: int) -> bytes:
        if self.i + n > len(self.data):
            raise UnknownCommand(f"truncated command at byte {self.i}")
        return self.data[self.i : self.i + n]

    def block(self, img: Image.Image) -> None:
        if self.line:
            self.flush()
        self.blocks.append((img, self.align))

    def flush(self) -> None:
        h = max(24 * max([m for _, m in self.line] or [self.mul]), self.spacing)
        img = Image.new("L", (self.width, h), 255)
        x = 0
        for text, m in self.line:
            x = draw_cells(ImageDraw.Draw(img), x, 0, text, m, self.encoding)
        self.out.texts.append("".join(t for t, _ in self.line))
        if x > self.width:
            raise AssertionError(f"text line wider than the paper: {x} > {self.width} dots")
        self.blocks.append((img.crop((0, 0, max(1, x), h)) if self.line else img, self.align))
        self.line = []

    def esc(self, op: bytes) -> int:
        if op == b"@":
            self.align, self.mul, self.chinese, self.spacing = 0, 1, False, 30
            return 2
        if op == b"a":
            self.align = self.need(3)[2] % 48
        elif op == b"3":
            self.spacing = self.need(3)[2]
        elif op == b"d":
            if self.line:
                self.flush()
            self.blocks.append(
                (Image.new("L", (self.width, self.spacing * self.need(3)[2]), 255), 0)
            )
            self.out.prints += 1
        else:
            raise UnknownCommand(f"ESC {op!r} at byte {self.i}")
        return 3

    def fs(self, op: bytes) -> int:
        if op not in (b"&", b"."):
            raise UnknownCommand(f"FS {op!r} at byte {self.i}")
        self.chinese = op == b"&"
        return 2

    def gs(self, op: bytes) -> int:
        simple = {b"!": "mul", b"h": "bar_h", b"w": "bar_w", b"H": None}
        if op in simple:
            value = self.need(3)[2]
            if op == b"!":
                value = (value & 0x0F) + 1
            if simple[op]:
                setattr(self, str(simple[op]), value)
            return 3
        handler = {b"(": self.gs_qr, b"k": self.gs_barcode, b"v": self.gs_raster}.get(op)
        if handler is not None:
            return handler()
        if op == b"V":
            self.out.cuts += 1
            return 4 if self.need(3)[2] in (65, 66) else 3
        raise UnknownCommand(f"GS {op!r} at byte {self.i}")

    def gs_qr(self) -> int:
        head = self.need(5)
        if head[2:3] != b"k":
            raise UnknownCommand(f"GS ( {head[2:3]!r} at byte {self.i}")
        n = head[3] | head[4] << 8
        body = self.need(5 + n)[5:]
        fn = body[1]
        if fn == 0x43:
            self.qr_module = body[2]
        elif fn == 0x50:
            self.qr_data = body[3:]
        elif fn == 0x51:
            self.block(qr_image(self.qr_data, self.qr_module))
        elif fn not in (0x41, 0x45):
            raise UnknownCommand(f"GS ( k function {fn:#x}")
        return 5 + n

    def gs_barcode(self) -> int:
        m, n = self.need(4)[2], self.need(4)[3]
        if m != 0x49:
            raise UnknownCommand(f"GS k m={m}")
        text = _code128_text(self.need(4 + n)[4:])
        self.block(code128_image(text, self.bar_w, self.bar_h))
        hri = Image.new("L", (self.width, 30), 255)
        ImageDraw.Draw(hri).text((0, 0), text, fill=0, font=_font(20))
        self.blocks.append((hri, self.align))
        return 4 + n

    def gs_raster(self) -> int:
        head = self.need(8)
        if head[2] != 0x30:
            raise UnknownCommand("GS v other than GS v 0")
        wb, h = head[4] | head[5] << 8, head[6] | head[7] << 8
        self.block(_bitmap(self.need(8 + wb * h)[8:], wb, h, 1))
        return 8 + wb * h

    def text(self) -> int:
        data, j = self.data, self.i
        while j < len(data) and data[j] >= 0x20 and data[j] != 0x7F:
            j += 2 if (self.chinese and data[j] >= 0x81) else 1
        try:
            text = data[self.i : j].decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise UnknownCommand(f"undecodable text at byte {self.i}: {exc}") from None
        self.line.append((text, self.mul))
        return j - self.i

    def run(self) -> Printout:
        prefixes = {0x1B: self.esc, 0x1C: self.fs, 0x1D: self.gs}
        while self.i < len(self.data):
            b = self.data[self.i]
            if b == 0x0A:
                self.flush()
                self.i += 1
            elif b in prefixes:
                self.i += prefixes[b](self.need(2)[1:2])
            elif b < 0x20 or b == 0x7F:
                raise UnknownCommand(f"control byte {b:#04x} at byte {self.i}")
            else:
                self.i += self.text()
        if self.line:
            self.flush()
        page = Image.new("L", (self.width + 40, sum(im.height for im, _ in self.blocks) + 40), 255)
        y = 20
        for img, al in self.blocks:
            free = self.width - img.width
            page.paste(img, (20 + (free // 2 if al == 1 else free if al == 2 else 0), y))
            y += img.height
        self.out.pages.append(page)
        return self.out


def escpos(data: bytes, width: int = 832, encoding: str = "gbk") -> Printout:
    """Interpret ESC/POS (the subset the renderer uses) on paper width dots wide."""
    return _Escpos(data, width, encoding).run()


def _code128_text(body: bytes) -> str:
    """The text of GS k 73 data with {A/{B/{C code-set switches (code C: two digits a byte)."""
    text = []
    code = "B"
    i = 0
    while i < len(body):
        if body[i : i + 1] == b"{" and i + 1 < len(body):
            sel = chr(body[i + 1])
            if sel in "ABC":
                code = sel
                i += 2
                continue
            if sel == "{":
                text.append("{")
                i += 2
                continue
        if code == "C":
            text.append(f"{body[i]:02d}")
        else:
            text.append(chr(body[i]))
        i += 1
    return "".join(text)


# -- TSPL -----------------------------------------------------------------------------------

_STR = r'"((?:[^"\\]|\\\["\])*)"'
_TEXT = re.compile(rf"TEXT (\d+),(\d+),{_STR},0,(\d+),(\d+),{_STR}")
_QR = re.compile(rf"QRCODE (\d+),(\d+),([LMQH]),(\d+),A,0,{_STR}")
_BAR = re.compile(rf'BARCODE (\d+),(\d+),"128",(\d+),0,0,(\d+),(\d+),{_STR}')
_BOX = re.compile(r"BOX (\d+),(\d+),(\d+),(\d+),(\d+)")
_FILL = re.compile(r"BAR (\d+),(\d+),(\d+),(\d+)")
_BITMAP = re.compile(rb"BITMAP (\d+),(\d+),(\d+),(\d+),0,")
_SIZE = re.compile(r"SIZE ([\d.]+) mm,([\d.]+) mm")


def _unquote(s: str) -> str:
    return s.replace('\\["]', '"')


class _Tspl:
    """The state of a TSPL printer: the page being drawn and what was printed."""

    def __init__(self, dots_per_mm: int, encoding: str, dot_bit: int) -> None:
        self.dpmm, self.encoding, self.dot_bit = dots_per_mm, encoding, dot_bit
        self.out = Printout()
        self.page: Image.Image | None = None
        self.handlers = [
            (_SIZE, self.size),
            (_TEXT, self.text),
            (_QR, self.qr),
            (_BAR, self.barcode),
            (_BOX, self.box),
            (_FILL, self.fill),
        ]

    def canvas(self) -> Image.Image:
        if self.page is None:
            raise UnknownCommand("drawing before SIZE")
        return self.page

    def size(self, m: re.Match[str]) -> None:
        w, h = (round(float(v) * self.dpmm) for v in m.groups())
        self.page = Image.new("L", (w, h), 255)

    def text(self, m: re.Match[str]) -> None:
        x, y, font, xm, ym, text = m.groups()
        if font != "TSS24.BF2" or xm != ym:
            raise UnknownCommand(m.group(0))
        self.out.texts.append(_unquote(text))
        draw_cells(
            ImageDraw.Draw(self.canvas()), int(x), int(y), _unquote(text), int(ym), self.encoding
        )

    def qr(self, m: re.Match[str]) -> None:
        x, y, _, cell, payload = m.groups()
        self.canvas().paste(qr_image(_unquote(payload).encode(), int(cell)), (int(x), int(y)))

    def barcode(self, m: re.Match[str]) -> None:
        x, y, h, narrow, _, text = m.groups()
        self.canvas().paste(code128_image(_unquote(text), int(narrow), int(h)), (int(x), int(y)))

    def box(self, m: re.Match[str]) -> None:
        x1, y1, x2, y2, t = (int(v) for v in m.groups())
        ImageDraw.Draw(self.canvas()).rectangle((x1, y1, x2 - 1, y2 - 1), outline=0, width=t)

    def fill(self, m: re.Match[str]) -> None:
        x, y, w, h = (int(v) for v in m.groups())
        ImageDraw.Draw(self.canvas()).rectangle((x, y, x + w - 1, y + h - 1), fill=0)

    def command(self, cmd: str) -> None:
        if cmd in ("GAP 2 mm,0 mm", "DIRECTION 1", "REFERENCE 0,0"):
            return
        if cmd == "CLS":
            self.canvas().paste(255, (0, 0, self.canvas().width, self.canvas().height))
            return
        if cmd == "PRINT 1,1":
            self.out.prints += 1
            self.out.pages.append(self.canvas().copy())
            return
        if cmd == "CUT":
            self.out.cuts += 1
            return
        for pattern, handler in self.handlers:
            if m := pattern.fullmatch(cmd):
                handler(m)
                return
        raise UnknownCommand(f"unknown TSPL command {cmd[:60]!r}")

    def bitmap(self, data: bytes, i: int) -> int | None:
        m = _BITMAP.match(data, i)
        if not m:
            return None
        x, y, wb, h = (int(v) for v in m.groups())
        start = m.end()
        bits = data[start : start + wb * h]
        if len(bits) != wb * h or data[start + wb * h : start + wb * h + 2] != b"\r\n":
            raise UnknownCommand(f"malformed BITMAP at byte {i}")
        self.canvas().paste(_bitmap(bits, wb, h, self.dot_bit), (x, y))
        return start + wb * h + 2

    def run(self, data: bytes) -> Printout:
        i = 0
        while i < len(data):
            after = self.bitmap(data, i)
            if after is not None:
                i = after
                continue
            end = data.find(b"\r\n", i)
            if end < 0:
                raise UnknownCommand(f"command without CR LF at byte {i}")
            raw = data[i:end]
            if any(b < 0x20 for b in raw):
                raise UnknownCommand(f"control byte inside a command at byte {i}: {raw[:60]!r}")
            try:
                self.command(raw.decode(self.encoding))
            except UnicodeDecodeError as exc:
                raise UnknownCommand(f"undecodable command at byte {i}: {exc}") from None
            i = end + 2
        return self.out


def tspl(data: bytes, dots_per_mm: int = 8, encoding: str = "gbk", dot_bit: int = 0) -> Printout:
    """Interpret TSPL (the subset the renderer uses); each PRINT makes a page."""
    return _Tspl(dots_per_mm, encoding, dot_bit).run(data)
