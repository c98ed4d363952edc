"""ESC/POS and TSPL: golden bytes, parse-level checks, profiles, CODE128 width.

Regenerate the golden files after an intended change with
    UPDATE_GOLDEN=1 PYTHONPATH=. .venv/bin/pytest tests/printer/test_native.py
and review the diff of tests/printer/golden/ before committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import printer
from printer import LabelSize, load_profile
from printer.code128 import native_modules, segments
from printer.renderers.escpos import code128_data
from tests.printer.conftest import CODE_38, LABELS, make_label

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt", ["escpos", "tspl"])
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_golden(fmt: str, kind: str) -> None:
    data = printer.render_label(LABELS[kind], fmt)
    path = GOLDEN / f"{kind}.{fmt}.bin"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{path.name} differs; see module docstring to regenerate"


def test_escpos_structure() -> None:
    label = LABELS["liquid"]
    data = printer.render_label(label, "escpos")
    assert data.startswith(b"\x1b@\x1c&")  # init, Chinese mode on
    payload = label.qr_payload.encode()
    n = len(payload) + 3
    assert b"\x1d(k" + bytes([n & 0xFF, n >> 8]) + b"1P0" + payload in data
    assert b"\x1d(k\x03\x001Q0" in data  # print the stored symbol
    for name, value in label.fields():
        if len(f"{name}：{value}") < 18:
            assert f"{name}：{value}".encode("gb18030") in data
    body = code128_data(label.barcode)
    assert b"\x1dk\x49" + bytes([len(body)]) + body in data
    assert b"{C" in body
    # Text and symbols are native; only the three hazard pictograms are raster (GS v 0).
    assert data.count(b"\x1dv0\x00") == 1 and len(data) <= 8192


def test_escpos_code_c_packs_digit_runs() -> None:
    assert segments(CODE_38)[-1][0] == "C"
    body = code128_data("ABC123456")
    assert body == b"{BABC{C" + bytes([12, 34, 56])
    # 38 characters fit 4 inch at 2 dots per module
    assert (native_modules(CODE_38) + 20) * 2 <= 832


def test_tspl_structure() -> None:
    label = LABELS["gas"]
    data = printer.render_label(label, "tspl")
    # BITMAP carries binary data: cut it out, keep its header
    text = data
    bitmaps = list(re.finditer(rb"BITMAP \d+,\d+,(\d+),(\d+),0,", data))
    assert len(bitmaps) == len(label.hazards) == 5
    for m in reversed(bitmaps):
        n = int(m.group(1)) * int(m.group(2))
        text = text[: m.end()] + text[m.end() + n :]
    lines = text.decode("gb18030").split("\r\n")
    text = "\r\n".join(lines)
    assert lines[:5] == [
        "SIZE 100 mm,100 mm",
        "GAP 2 mm,0 mm",
        "DIRECTION 1",
        "REFERENCE 0,0",
        "CLS",
    ]
    assert lines[-2:] == ["PRINT 1,1", ""]
    assert any(
        line.startswith("QRCODE ") and line.endswith(f'"{label.qr_payload}"') for line in lines
    )
    assert any(
        re.fullmatch(rf'BARCODE \d+,\d+,"128",\d+,0,0,2,2,"{label.barcode}"', line)
        for line in lines
    )
    assert '钢瓶编号 \\["]A-17\\["]' in text  # quotes escaped
    assert any(line.startswith("TEXT ") and '"TSS24.BF2"' in line for line in lines)


@pytest.mark.parametrize("name", ["escpos-58mm", "escpos-80mm"])
@pytest.mark.parametrize("fmt", ["escpos", "tspl"])
def test_narrow_profiles_refused(name: str, fmt: str) -> None:
    with pytest.raises(printer.ProfileTooNarrowError) as exc:
        printer.render_label(LABELS["solid"], fmt, profile=name)
    assert exc.value.code == "printer.profile_too_narrow"
    assert "HJ 1276" in exc.value.en and "HJ 1276" in exc.value.zh


@pytest.mark.parametrize("size", [LabelSize.MEDIUM, LabelSize.LARGE])
def test_4inch_refuses_larger_labels_saying_what_they_need(size: LabelSize) -> None:
    with pytest.raises(printer.ProfileTooNarrowError) as exc:
        printer.render_label(LABELS["solid"], "tspl", size=size)
    side = f"{size.side_mm:g}"
    assert "prints at most 104 mm wide" in exc.value.en
    assert f"at least {side} x {side} mm" in exc.value.en
    assert f"prints at least {side} mm wide" in exc.value.en
    assert "4-inch" not in exc.value.en  # a 4-inch profile is not told to use a 4-inch printer
    assert f"不得小于 {side}×{side} mm" in exc.value.zh and size.volume_text_zh in exc.value.zh


def test_profiles_are_data() -> None:
    p = load_profile("escpos-4inch")
    assert (p.dots_per_mm, p.printable_width_dots, p.language) == (8, 832, "escpos")
    assert load_profile("tspl-4inch").media == "thermal-transfer"
    with pytest.raises(printer.ProfileUnknownError):
        load_profile("nope")


@pytest.mark.parametrize("fmt", ["pdf", "png", "escpos", "tspl"])
def test_barcode_too_wide_raises(fmt: str) -> None:
    long = "91320500MA1W9XKX3TABCDEFGHJKLMNPQRTUWXY" + "X" * 10
    with pytest.raises(printer.BarcodeTooWideError) as exc:
        printer.render_label(make_label(barcode=long), fmt)
    assert exc.value.code == "printer.barcode_too_wide"


def test_qr_size_bound_without_building_the_symbol() -> None:
    # The thermal renderers size the printer's QR from the byte-mode capacity table; it must
    # never be smaller than the symbol an encoder actually makes.
    from printer.renderers import _qr

    for n in [1, 14, 15, 62, 63, 152, 153, 180, 181, 213, 251, 252, 400, 1000]:
        payload = "HWT1|" + "a~" * (n // 2) + "b" * (n % 2)
        payload = payload[:n] if n > 5 else "x" * n
        assert len(_qr.matrix(payload)) <= _qr.max_modules(payload), n
    assert _qr.max_modules("x" * 180) == 53 and _qr.max_modules("x" * 181) == 57
