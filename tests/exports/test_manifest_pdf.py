"""The manifest PDF as filed: every word inside the page margins (the lines' columns too), the
totals of dispatched and received weight, and method names beside their codes."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from hwtrace.domain.vocabularies import disposal_method
from tests.api.test_transport import _load, _manifest, _stored
from tests.factories import World

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed"
)


def _words(pdf: Path) -> list[tuple[float, float, str]]:
    """Every word of the PDF with its left and right edge in points (pdftotext -bbox)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(a), float(b), w)
        for a, b, w in re.findall(
            r'<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>',
            html,
        )
    ]


def test_manifest_pdf_columns_totals_and_method_names(world: World, tmp_path: Path) -> None:
    codes = _stored(world, "p1", 3)
    number = _manifest(world, "p1", codes)
    _load(world, number, codes)
    assert world.as_("t").post(f"/api/v1/manifests/{number}/depart", {}).status_code == 200
    r1 = world.as_("r1")
    for code, kg in zip(codes[:2], ("100.4", "99.5"), strict=True):
        r = r1.post(f"/api/v1/manifests/{number}/receive", {"code": code, "weight_kg": kg})
        assert r.status_code == 200, r.get_json()
    r = r1.get(f"/api/v1/manifests/{number}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf = tmp_path / "m.pdf"
    pdf.write_bytes(r.data)
    words = _words(pdf)
    assert all(any(w == c for _, _, w in words) for c in codes), (
        codes,
        [w for _, _, w in words][-40:],
    )
    left, right = 15 * mm - 0.5, A4[0] - 15 * mm + 0.5
    outside = [(a, b, w) for a, b, w in words if a < left or b > right]
    assert not outside, outside
    text = re.sub(
        r"\s+",
        " ",
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout,
    )
    assert "发出(kg)" in text and "接收(kg)" in text
    assert "合计 3 件：发出 300.000 千克；已接收 2 件，接收 199.900 千克" in text, text
    name = disposal_method("D10")["name"]
    assert f"D10 {name}" in text, text
    # Times in the park's zone, named (the test park's zone is the default, Asia/Shanghai).
    departed = dt.datetime.fromisoformat(
        world.as_("t").get(f"/api/v1/manifests/{number}").get_json()["departed_at"]
    )
    local = departed.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"启运时间：{local:%Y-%m-%d %H:%M}（北京时间）" in text, text
    assert "UTC" not in text


def test_a_code_of_wide_letters_is_printed_whole(tmp_path: Path) -> None:
    """A producer's USCC may be full of wide letters (M, W, N): its batches' codes are still
    printed whole inside their column, set smaller rather than cut short."""
    import io

    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    from hwtrace.reports import manifest_pdf as M
    from printer.renderers.pdf import font_name

    code = "91MWMWNWMWNWMWMWNW" + "90004149" + "20261130" + "001" + "W"
    font = font_name()
    width = M.LINE_COLUMNS[0][1] * mm - 1.5 * mm
    assert stringWidth(code, font, M.LINE_FONT_SIZE) > width  # too wide at the usual size
    size = M.size_to_fit(code, font, M.LINE_FONT_SIZE, width)
    assert size < M.LINE_FONT_SIZE and stringWidth(code, font, size) <= width
    buf = io.BytesIO()
    page = M._Page(Canvas(buf, pagesize=A4), font)
    page.row([code, "900-041-49", "废包装桶", "固态", "T,In", "袋/1", "100.000", "—"])
    page.c.save()
    pdf = tmp_path / "row.pdf"
    pdf.write_bytes(buf.getvalue())
    words = _words(pdf)
    assert [w for _, _, w in words][:2] == [code, "900-041-49"], words
    right_edge = next(b for _, b, w in words if w == code)
    assert right_edge <= 15 * mm + M.LINE_COLUMNS[0][1] * mm, words
