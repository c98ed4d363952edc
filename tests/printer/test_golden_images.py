"""Golden images per size and output, zbar on every output, and PDF = PNG.

Each output is rasterised as a person or a printer would see it — the PDF with pdftoppm, the
PNG as rendered, ESC/POS and TSPL by the interpreters in ``emulators`` — then:
- zbar must decode the QR code and the CODE128 at full resolution;
- scaled to 400 pixels a side (ESC/POS: to half its dots), it must match the committed golden
  image within a tolerance (mean difference and share of strongly different pixels).

Regenerate after an intended change with
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/printer/test_golden_images.py
and look at tests/printer/golden/images/ before committing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageChops, ImageFilter, ImageStat

import printer
from printer import LabelData, LabelSize, pictograms
from schemas import formats
from tests.factories import random_uscc
from tests.printer import emulators
from tests.printer.conftest import LABELS, zbar

GOLDEN = Path(__file__).parent / "golden" / "images"
SIDE_PX = 400
# Compared after a 1-pixel blur, which evens out anti-aliasing (poppler and FreeType draw glyph
# edges differently) but not a missing symbol, a moved field or another colour.
BLUR = 1.0
MAX_MEAN = 3.5  # mean absolute difference per channel, 0-255
MAX_SHARE = 0.002  # share of pixels differing by more than STRONG in some channel
STRONG = 96
OUTPUTS = [
    *((fmt, size) for fmt in ("pdf", "png") for size in LabelSize),
    ("escpos", LabelSize.SMALL),
    ("tspl", LabelSize.SMALL),
]
LABEL = LABELS["gas"]  # all five pictograms


def rasterise(label: LabelData, fmt: str, size: LabelSize, tmp: Path) -> Image.Image:
    """The output as an RGB image at its full resolution (PDF: 300 dpi)."""
    data = printer.render_label(label, fmt, size=size)
    if fmt == "pdf":
        pdf = tmp / "l.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(tmp / "p")],
            check=True,
        )
        return Image.open(tmp / "p.png").convert("RGB")
    if fmt == "png":
        return Image.open(io.BytesIO(data)).convert("RGB")
    out = emulators.escpos(data) if fmt == "escpos" else emulators.tspl(data)
    assert out.prints == 1
    return out.pages[0].convert("RGB")


def small(img: Image.Image, fmt: str) -> Image.Image:
    """The comparison scale: 400 pixels a side, ESC/POS (a receipt) at half its dots."""
    size = (img.width // 2, img.height // 2) if fmt == "escpos" else (SIDE_PX, SIDE_PX)
    return img.resize(size, Image.Resampling.BOX)


def difference(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """(mean absolute difference per channel, share of pixels differing by more than STRONG)."""
    if a.size != b.size:
        return 255.0, 1.0
    blur = ImageFilter.GaussianBlur(BLUR)
    diff = ImageChops.difference(a.filter(blur), b.filter(blur))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    r, g, b = (band.point(lambda v: 255 if v > STRONG else 0) for band in diff.split())
    strong = ImageChops.lighter(ImageChops.lighter(r, g), b)
    share = ImageStat.Stat(strong).mean[0] / 255
    return mean, share


def _name(fmt: str, size: LabelSize) -> str:
    return f"{int(size.side_mm)}mm.{fmt}.png"


@pytest.mark.parametrize(("fmt", "size"), OUTPUTS, ids=lambda v: getattr(v, "name", v))
def test_every_output_decodes_and_matches_its_golden(
    fmt: str, size: LabelSize, tmp_path: Path
) -> None:
    full = rasterise(LABEL, fmt, size, tmp_path)
    full.save(tmp_path / "full.png")
    assert sorted(zbar(tmp_path / "full.png")) == sorted([LABEL.qr_payload, LABEL.barcode])
    got = small(full, fmt)
    path = GOLDEN / _name(fmt, size)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        got.save(path, optimize=True)
    with Image.open(path) as golden:
        mean, share = difference(got, golden.convert("RGB"))
    assert mean <= MAX_MEAN and share <= MAX_SHARE, (
        f"{path.name}: mean difference {mean:.2f}, strongly different {share:.2%}"
    )


@pytest.mark.parametrize("size", list(LabelSize), ids=lambda s: s.name)
def test_pdf_and_png_look_the_same(size: LabelSize, tmp_path: Path) -> None:
    pdf = small(rasterise(LABEL, "pdf", size, tmp_path), "pdf")
    png = small(rasterise(LABEL, "png", size, tmp_path), "png")
    mean, share = difference(pdf, png)
    assert mean <= MAX_MEAN and share <= MAX_SHARE, f"PDF and PNG differ: {mean:.2f}, {share:.2%}"


@pytest.mark.parametrize("fmt", ["pdf", "png"])
def test_colour_outputs_have_the_orange_ground(fmt: str, tmp_path: Path) -> None:
    img = rasterise(LABEL, fmt, LabelSize.SMALL, tmp_path)
    ground = pictograms.colour("ground")
    # a point between the border and the edge, and one inside the form
    for x, y in ((img.width // 60, img.height // 2), (img.width // 10, int(img.height * 0.09))):
        pixel = img.getpixel((x, y))
        assert isinstance(pixel, tuple)
        assert max(abs(a - b) for a, b in zip(pixel, ground, strict=True)) <= 3, (x, y, pixel)


def test_the_comparison_catches_a_missing_pictogram(tmp_path: Path) -> None:
    # The tolerance must not swallow a pictogram: drop one and the golden no longer matches.
    fewer = dataclasses.replace(LABEL, hazards=LABEL.hazards[:-1])
    got = small(rasterise(fewer, "png", LabelSize.SMALL, tmp_path), "png")
    with Image.open(GOLDEN / _name("png", LabelSize.SMALL)) as golden:
        mean, share = difference(got, golden.convert("RGB"))
    assert mean > MAX_MEAN or share > MAX_SHARE


def test_the_comparison_catches_a_white_ground(tmp_path: Path) -> None:
    got = small(rasterise(LABEL, "png", LabelSize.SMALL, tmp_path), "png")
    white = got.copy()
    px = white.load()
    assert px is not None
    ground = pictograms.colour("ground")
    for y in range(white.height):
        for x in range(white.width):
            if px[x, y] == ground:
                px[x, y] = (255, 255, 255)
    mean, share = difference(white, got)
    assert mean > MAX_MEAN and share > MAX_SHARE


@pytest.mark.parametrize("fmt", ["pdf", "png", "escpos", "tspl"])
def test_a_signed_payload_with_url_decodes_on_a_100mm_label(fmt: str, tmp_path: Path) -> None:
    # The densest QR a label carries: payload, signature and a URL (version 11, 61 modules).
    day = dt.date(2026, 11, 24)
    code = formats.format_code(uscc=random_uscc(), waste_code="900-041-49", day=day, seq=7)
    private = Ed25519PrivateKey.generate()
    key = formats.LabelKey("park", private.public_key().public_bytes_raw())
    unsigned = formats.encode_qr_payload(
        formats.QrPayload(
            code, "900-041-49", "25.500", day, url="https://hwtrace.park.example/b/" + code
        )
    )
    signed = formats.sign_qr_payload(unsigned, key, private.sign)
    label = dataclasses.replace(LABEL, qr_payload=signed, barcode=code, identification_code=code)
    img = rasterise(label, fmt, LabelSize.SMALL, tmp_path)
    img.save(tmp_path / "signed.png")
    assert sorted(zbar(tmp_path / "signed.png")) == sorted([signed, code])
    assert formats.verify_qr_payload(zbar_qr(tmp_path / "signed.png", signed), [key]).genuine


def zbar_qr(path: Path, expected: str) -> str:
    """The decoded QR text of an image (the one zbar symbol that starts like expected)."""
    (text,) = [t for t in zbar(path) if t.startswith(expected[:5])]
    return text
