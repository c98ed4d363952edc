"""No text can become a printer command, and no text makes a label fail.

Every free-text field gets the same hostile value (line breaks that would end a TSPL string,
ESC/POS and TSPL command bytes, quotes and backslashes, characters GBK and GB18030 cannot
print, bidi overrides, emoji, lone surrogates, megabytes); each format must still render one
label: the strict interpreters in ``emulators`` find exactly one print and at most one cut,
no unknown byte, and the QR code and CODE128 still decode.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import printer
from printer import LabelData, LabelSize, load_profile
from printer.layout import Text, layout_label
from printer.text import ELLIPSIS, clean, printable
from tests.printer import emulators
from tests.printer.conftest import LABELS, zbar

FREE_TEXT = (
    "identification_code",
    "name",
    "category",
    "form",
    "main_components",
    "harmful_components",
    "precautions",
    "producer",
    "contact_person",
    "contact_phone",
    "production_date",
    "weight",
    "remarks",
)

HOSTILE = {
    "crlf-tspl": 'x"\r\nPRINT 9,9\r\nCUT\r\nTEXT 0,0,"3",0,1,1,"',
    "lf-only": "第一行\n第二行\nPRINT 1,1\n",
    "cr-only": "备注\r第二行",
    "escpos-cut": "\x1bd\x09\x1dV\x00\x1dV\x41\x03\x1b@",
    "escpos-raster": "\x1dv0\x00\xff\xff\x10\x00",
    "realtime": "\x10\x04\x01\x10\x05\x02\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08",
    "tspl-escape": '\\[R]\\[L]PRINT 1,1\\["]\\',
    "tspl-immediate": "\x1b!R\x1b!.~!T~!@",
    "controls": "".join(chr(c) for c in range(0x20)) + "\x7f\x80\x85\x9b\x9f",
    "gbk-less": "𠀀𪚥😀🧪\u20ac\u0e01\U0001f1e8\U0001f1f3",
    "bidi": "\u202eevil\u202c\u200f\u200e\u2066x\u2069\u061c\ufeff\u200b\u00ad",
    "surrogate": "\ud800\udfff\udbff",
    "empty": "",
    "spaces": " \t \u3000 ",
    "long": "很长的废物名称" * 3000,
    "long-ascii": "W" * 20000,
    "quotes": '"""""\\"\\["]',
}


def hostile(value: str, base: LabelData | None = None) -> LabelData:
    """A label with value in every free-text field."""
    return dataclasses.replace(base or LABELS["gas"], **{f: value for f in FREE_TEXT})


def _check_escpos(label: LabelData, size: LabelSize = LabelSize.SMALL) -> emulators.Printout:
    profile = load_profile("escpos-4inch")
    data = printer.render_label(label, "escpos", size=size, profile=profile)
    for seq in (b"\x10\x04", b"\x10\x05", b"\x10\x14"):
        assert seq not in data, f"real-time command {seq!r} in the stream"
    out = emulators.escpos(data)
    assert (out.prints, out.cuts) == (1, 1 if profile.cutter else 0)
    return out


def _check_tspl(label: LabelData, size: LabelSize = LabelSize.SMALL) -> emulators.Printout:
    data = printer.render_label(label, "tspl", size=size)
    out = emulators.tspl(data)
    assert (out.prints, out.cuts) == (1, 0)
    return out


@pytest.mark.parametrize("fmt", ["escpos", "tspl"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_thermal_one_print_at_most_one_cut(kind: str, fmt: str, tmp_path: Path) -> None:
    label = hostile(HOSTILE[kind])
    out = _check_escpos(label) if fmt == "escpos" else _check_tspl(label)
    path = tmp_path / "printed.png"
    out.pages[0].save(path)
    assert sorted(zbar(path)) == sorted([label.qr_payload, label.barcode])
    if "PRINT" in HOSTILE[kind]:  # the would-be command was printed as text
        assert any("PRINT" in t for t in out.texts)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_pdf_and_png_render_any_text(kind: str, tmp_path: Path) -> None:
    label = hostile(HOSTILE[kind])
    pdf = printer.render_label(label, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page[^s]", pdf)) == 1
    png = printer.render_label(label, "png")
    with Image.open(io.BytesIO(png)) as img:
        assert img.mode == "RGB"
    path = tmp_path / "p.png"
    path.write_bytes(png)
    assert sorted(zbar(path)) == sorted([label.qr_payload, label.barcode])


def test_carriage_return_in_a_field_renders_png() -> None:
    # Was a 500: Pillow refused the CR in a field value.
    label = dataclasses.replace(LABELS["solid"], remarks="第一行\r第二行", name="废\r\n活性炭")
    png = printer.render_label(label, "png")
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("size", list(LabelSize))
def test_long_text_is_cut_with_a_mark_not_refused(size: LabelSize) -> None:
    label = hostile("防止泄漏" * 500)
    layout = layout_label(label, size)
    assert layout.text_height == pytest.approx(size.min_text_mm)  # shrunk to the minimum
    assert layout.cut  # and then cut
    rows = [e.text for e in layout.of(Text) if e.role == "field"]
    assert sum(r.endswith(ELLIPSIS) for r in rows) == len(layout.cut)
    assert any(r.startswith("数字识别码：") for r in rows)
    assert min(e.height for e in layout.of(Text)) >= size.min_text_mm - 1e-9


def test_short_text_is_larger_than_the_minimum() -> None:
    short = dataclasses.replace(
        LABELS["corrosive-acid"], precautions="密闭存放", producer="某化工厂"
    )
    layout = layout_label(short, LabelSize.SMALL)
    assert layout.text_height > LabelSize.SMALL.min_text_mm
    assert not layout.cut


def test_clean_and_printable() -> None:
    assert clean("a\r\nb\tc") == "a b c"
    assert clean("\x1bd\x09") == "\ufffdd"  # ESC shown as a replacement mark, TAB a space
    assert clean("\u202eabc\u200f") == "abc"
    assert clean("x\ud800") == "x\ufffd"
    assert printable("废物😀𠀀\x1d", "gbk") == "废物??"  # GS: a space, then trimmed
    for text in HOSTILE.values():
        data = printable(text, "gbk").encode("gbk")
        assert min(data, default=0x20) >= 0x20


ALPHABET = st.characters(exclude_categories=())  # every code point, surrogates included
SPECIALS = st.sampled_from(
    [
        "\r",
        "\n",
        "\r\n",
        "\x1b",
        "\x1d",
        "\x1c",
        "\x10",
        '"',
        "\\",
        "~!",
        "PRINT 1,1",
        "\u202e",
        "😀",
        "𠀀",
        "\ud800",
        "\x00",
        "\x85",
        "\u2028",
        "｀",
        "、",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(st.text(ALPHABET, max_size=40), SPECIALS), max_size=30).map(
    "".join
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(value=HOSTILE_TEXT)
def test_escpos_generated_text(value: str) -> None:
    out = _check_escpos(hostile(value))
    assert out.texts[0] == "危险废物"


@SETTINGS
@given(value=HOSTILE_TEXT)
def test_tspl_generated_text(value: str) -> None:
    _check_tspl(hostile(value))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=HOSTILE_TEXT)
def test_pdf_png_generated_text(value: str) -> None:
    label = hostile(value)
    assert printer.render_label(label, "pdf").startswith(b"%PDF-")
    assert printer.get_renderer("png").render(label, LabelSize.SMALL, None).startswith(b"\x89PNG")
