"""A batch's label from the server: every format, decoded back with zbar and pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from schemas import formats
from tests.factories import World

needs_tools = pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="zbar-tools and poppler-utils are needed (scripts/bootstrap.sh installs them)",
)


def _zbar(png: Path) -> dict[str, str]:
    out = subprocess.run(
        ["zbarimg", "--quiet", str(png)], capture_output=True, text=True, timeout=60
    ).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        kind, _, data = line.partition(":")
        found[kind] = data
    return found


@needs_tools
def test_pdf_label_decodes_to_the_code_and_payload(world: World, tmp_path: Path) -> None:
    op = world.as_("p1op")
    batch = op.register(world.profiles["p1"], "25.5", container_volume_l=30)
    r = op.get(f"/api/v1/batches/{batch['code']}/label?format=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(r.data)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", str(pdf), str(tmp_path / "p")], check=True, timeout=60
    )
    found = _zbar(next(tmp_path.glob("p*.png")))
    payload = formats.decode_qr_payload(found["QR-Code"])
    assert payload.code == batch["code"] and payload.weight_kg == "25.500"
    assert found["CODE-128"] == batch["code"]
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for needle in ("废物名称", "废包装桶", "900-041-49", "数字识别码", "产生日期", "25.500"):
        assert needle in text.replace(" ", ""), needle


@needs_tools
def test_png_label_decodes(world: World, tmp_path: Path) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"], container_volume_l=20)["code"]
    r = op.get(f"/api/v1/batches/{code}/label?format=png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    png = tmp_path / "l.png"
    png.write_bytes(r.data)
    assert _zbar(png)["CODE-128"] == code


def test_printer_formats_and_profiles(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"], container_volume_l=30)["code"]
    esc = op.get(f"/api/v1/batches/{code}/label?format=escpos&profile=escpos-4inch")
    assert esc.status_code == 200 and code.encode() in esc.data and len(esc.data) <= 1024 * 4
    tspl = op.get(f"/api/v1/batches/{code}/label?format=tspl&profile=tspl-4inch")
    assert tspl.status_code == 200 and b"QRCODE" in tspl.data and b"PRINT 1,1" in tspl.data
    narrow = op.get(f"/api/v1/batches/{code}/label?format=escpos&profile=escpos-58mm")
    assert narrow.status_code == 422
    assert narrow.get_json()["code"] == "printer.profile_too_narrow"
    assert op.get(f"/api/v1/batches/{code}/label?format=doc").status_code == 400
    assert world.as_("p2op").get(f"/api/v1/batches/{code}/label").status_code == 404
    # rendering records nothing
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    assert [e["type"] for e in hist] == ["batch.register"]
