"""PDF and PNG: rasterize, decode QR and CODE128 with zbar; text layer; embedded font; sizes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

import printer
from printer import LabelSize
from printer.label import HAZARD_WORDS
from printer.layout import Text, layout_label
from schemas import formats
from tests.printer import emulators
from tests.printer.conftest import LABELS, make_label, zbar


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_pdf_decodes_and_has_every_field(kind: str, tmp_path: Path) -> None:
    label = LABELS[kind]
    pdf = tmp_path / "l.pdf"
    pdf.write_bytes(printer.render_label(label, "pdf"))
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "p")], check=True)
    decoded = zbar(next(tmp_path.glob("p*.png")))
    assert sorted(decoded) == sorted([label.qr_payload, label.barcode])
    lines = (
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
        .stdout.decode()
        .splitlines()
    )
    # the words under the pictograms sit between wrapped field lines in reading order
    words = "|".join(HAZARD_WORDS.values())
    text = _squash("".join(x for x in lines if not re.fullmatch(rf"(({words})\s*)+", x)))
    for name, value in label.fields():
        assert _squash(f"{name}：{value}") in text, name
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk, fonts
    assert cjk[0].split()[-5] == "yes"  # emb column


@pytest.mark.parametrize("size", list(LabelSize))
def test_pdf_every_size_decodes(size: LabelSize, tmp_path: Path) -> None:
    label = LABELS["liquid"]
    pdf = tmp_path / "l.pdf"
    pdf.write_bytes(printer.render_label(label, "pdf", size=size))
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "p")], check=True)
    assert sorted(zbar(next(tmp_path.glob("p*.png")))) == sorted([label.qr_payload, label.barcode])


def test_sheet_of_labels_decodes(tmp_path: Path) -> None:
    labels = list(LABELS.values())
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(printer.render_sheet(labels))
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "p")], check=True)
    decoded: list[str] = []
    for page in sorted(tmp_path.glob("p*.png")):
        decoded += zbar(page)
    expected = [lb.qr_payload for lb in labels] + [lb.barcode for lb in labels]
    assert sorted(decoded) == sorted(expected)


@pytest.mark.parametrize("kind", ["solid", "gas"])
def test_png_decodes(kind: str, tmp_path: Path) -> None:
    label = LABELS[kind]
    png = tmp_path / "l.png"
    png.write_bytes(printer.render_label(label, "png"))
    assert sorted(zbar(png)) == sorted([label.qr_payload, label.barcode])


@pytest.mark.parametrize("size", list(LabelSize))
def test_layout_respects_min_text_height(size: LabelSize) -> None:
    layout = layout_label(LABELS["gas"], size)
    texts = [e for e in layout.elements if isinstance(e, Text)]
    assert min(t.height for t in texts) >= size.min_text_mm
    for t in texts:
        assert t.x >= 0 and t.y + t.height <= size.side_mm


def test_overflowing_content_is_cut_with_a_mark(tmp_path: Path) -> None:
    pdf = tmp_path / "l.pdf"
    pdf.write_bytes(printer.render_label(make_label(precautions="防止泄漏" * 120), "pdf"))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "防止泄漏防止泄漏" in text and "…" in text


def test_text_below_minimum_is_refused() -> None:
    with pytest.raises(printer.LayoutError):
        layout_label(LABELS["solid"], LabelSize.MEDIUM, text_height=3.0)


def test_volume_to_size() -> None:
    assert LabelSize.for_volume(50) is LabelSize.SMALL
    assert LabelSize.for_volume("200") is LabelSize.MEDIUM
    assert LabelSize.for_volume(450) is LabelSize.LARGE


def test_missing_font_is_loud(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWTRACE_LABEL_FONT", "/nonexistent/font.ttc")
    with pytest.raises(printer.FontMissingError) as exc:
        printer.render_label(LABELS["solid"], "png")
    assert exc.value.code == "printer.font_missing"


def test_no_debian_font_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from printer import fonts

    monkeypatch.delenv("HWTRACE_LABEL_FONT", raising=False)
    monkeypatch.setattr(fonts, "DEBIAN_FONTS", (("/nonexistent.ttc", 0),))
    with pytest.raises(printer.FontMissingError, match="fonts-wqy-microhei"):
        fonts.find_font()


def test_unknown_format() -> None:
    with pytest.raises(printer.FormatUnknownError):
        printer.render_label(LABELS["solid"], "zpl")


@pytest.mark.parametrize("fmt", ["pdf", "png", "escpos", "tspl"])
def test_the_widest_code_fits_a_100mm_label(fmt: str, tmp_path: Path) -> None:
    # A USCC of letters only: 18 characters in code set B, the widest CODE128 of any code.
    body = "9ABCDEFGHJKLMNPQR"
    uscc = body + formats.uscc_check_char(body)
    code = formats.format_code(
        uscc=uscc, waste_code="900-041-49", day=dt.date(2026, 11, 24), seq=999
    )
    label = make_label(barcode=code, identification_code=code, qr_payload=f"HWT1|{code}")
    data = printer.render_label(label, fmt)
    out = tmp_path / "l.png"
    if fmt == "pdf":
        (tmp_path / "l.pdf").write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "300",
                "-png",
                "-singlefile",
                str(tmp_path / "l.pdf"),
                str(tmp_path / "l"),
            ],
            check=True,
        )
    elif fmt == "png":
        out.write_bytes(data)
    else:
        printed = emulators.escpos(data) if fmt == "escpos" else emulators.tspl(data)
        printed.pages[0].save(out)
    assert code in zbar(out)
