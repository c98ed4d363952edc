"""Facility and zone signs: every kind as PDF and PNG, the QR decodes, the title and rows are
text, hostile or long text never breaks a sign, and a golden image of each output."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

import printer
from printer import SignData
from printer.sign import TITLES, layout_sign
from tests.printer.conftest import zbar
from tests.printer.test_golden_images import GOLDEN, MAX_MEAN, MAX_SHARE, difference
from tests.printer.test_hostile_text import HOSTILE

URL = "https://hwtrace.park.example/f/91320500MA1W9XKX3T-ZC001"


def sign(kind: str = "storage", **rows: str) -> SignData:
    return SignData(
        kind=kind,  # type: ignore[arg-type]
        code="91320500MA1W9XKX3T-ZC001",
        name="1号危废贮存库",
        rows=tuple(rows.items())
        or (
            ("单位名称", "苏州某某化工有限公司"),
            ("可贮存类别", "HW06、HW08、HW49"),
            ("贮存能力", "20 t"),
            ("负责人", "张三"),
            ("联系方式", "0512-66668888"),
        ),
        qr_payload=URL,
        hazards=("T", "I"),
    )


def raster(data: bytes, fmt: str, tmp: Path) -> Path:
    path = tmp / "sign.png"
    if fmt == "pdf":
        (tmp / "s.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp / "s.pdf"), str(tmp / "sign")],
            check=True,
        )
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("fmt", ["pdf", "png"])
@pytest.mark.parametrize("kind", sorted(TITLES))
def test_every_sign_decodes(kind: str, fmt: str, tmp_path: Path) -> None:
    data = printer.render_sign(sign(kind), fmt)
    assert zbar(raster(data, fmt, tmp_path)) == [URL]
    if fmt == "pdf":
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert TITLES[kind] in text and "设施编码：91320500MA1W9XKX3T-ZC001" in text


@pytest.mark.parametrize("fmt", ["pdf", "png"])
def test_sign_matches_its_golden(fmt: str, tmp_path: Path) -> None:
    img = Image.open(raster(printer.render_sign(sign(), fmt), fmt, tmp_path)).convert("RGB")
    got = img.resize((420, 297), Image.Resampling.BOX)
    path = GOLDEN / f"sign-storage.{fmt}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        got.save(path, optimize=True)
    with Image.open(path) as golden:
        mean, share = difference(got, golden.convert("RGB"))
    assert mean <= MAX_MEAN and share <= MAX_SHARE, (path.name, mean, share)


@pytest.mark.parametrize("kind", ["crlf-tspl", "controls", "bidi", "surrogate", "long", "empty"])
def test_hostile_text_never_breaks_a_sign(kind: str, tmp_path: Path) -> None:
    value = HOSTILE[kind]
    hostile = SignData(
        kind="zone",
        code=value[:40] or "-",
        name=value,
        rows=(("单位名称", value), (value[:20], value)),
        qr_payload=URL,
    )
    png = printer.render_sign(hostile, "png")
    assert zbar(raster(png, "png", tmp_path)) == [URL]
    assert printer.render_sign(hostile, "pdf", page="A3").startswith(b"%PDF-")
    texts = [e.text for e in layout_sign(hostile).of(printer.layout.Text)]
    assert all(t.isprintable() for t in texts)


def test_long_rows_are_cut_with_a_mark() -> None:
    layout = layout_sign(sign(单位名称="很长的单位名称" * 50, 备注="说明" * 400))
    texts = [e.text for e in layout.of(printer.layout.Text)]
    assert any(t.endswith("…") for t in texts)
    assert min(e.height for e in layout.of(printer.layout.Text)) >= 5.0 - 1e-9


def test_signs_are_pdf_or_png_on_a4_or_a3() -> None:
    with pytest.raises(printer.FormatUnknownError):
        printer.render_sign(sign(), "tspl")
    with pytest.raises(ValueError):
        printer.render_sign(sign(), "pdf", page="Letter")
    with pytest.raises(ValueError):
        SignData("shed", "X", "x", (), URL)  # type: ignore[arg-type]
    a3 = Image.open(io.BytesIO(printer.render_sign(sign(), "png", page="A3")))
    assert a3.size == (round(420 * 150 / 25.4), round(297 * 150 / 25.4))
