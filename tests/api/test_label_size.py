"""The label size follows the container volume on the API paths (label, label event, reprint):
an unknown volume is asked for, never answered with a small label."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.factories import Caller, World

MM_PER_PT = 25.4 / 72


def page_mm(pdf: bytes, tmp: Path) -> float:
    """The side of a label PDF's (square) page in mm."""
    path = tmp / "l.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
    assert m, info.stdout
    w, h = float(m.group(1)), float(m.group(2))
    assert abs(w - h) < 0.01
    return round(w * MM_PER_PT, 1)


def label(op: Caller, code: str, query: str = "") -> tuple[int, bytes, dict[str, str]]:
    r = op.get(f"/api/v1/batches/{code}/label?format=pdf{query}")
    return r.status_code, r.data, (r.get_json() if r.status_code != 200 else {})


@pytest.mark.parametrize(
    ("volume", "side"), [(1, 100), (50, 100), (51, 150), (449, 150), (450, 200), (1000, 200)]
)
def test_registered_volume_sets_the_size(
    world: World, tmp_path: Path, volume: int, side: int
) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"], container_volume_l=volume)["code"]
    status, pdf, _ = label(op, code)
    assert status == 200 and page_mm(pdf, tmp_path) == side
    png = op.get(f"/api/v1/batches/{code}/label?format=png")
    assert Image.open(io.BytesIO(png.data)).size == (round(side / 25.4 * 300),) * 2


def test_unknown_volume_is_asked_for_then_recorded(world: World, tmp_path: Path) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    status, _, problem = label(op, code)
    assert status == 422 and problem["code"] == "label.volume_required"
    assert "容器容积" in problem["message"] and "volume" in problem["message_en"]
    assert label(op, code, "&volume_l=0")[0] == 400
    status, pdf, _ = label(op, code, "&volume_l=200")
    assert status == 200 and page_mm(pdf, tmp_path) == 150  # asked, not recorded yet
    assert label(op, code)[0] == 422
    # printing it records the volume with the label event
    r = op.act(code, "label", container_volume_l=200)
    assert r.status_code == 200 and r.get_json()["container_volume_l"] == 200
    entry = op.get(f"/api/v1/batches/{code}/history").get_json()[-1]
    assert entry["type"] == "batch.label" and entry["payload"]["container_volume_l"] == 200
    status, pdf, _ = label(op, code)
    assert status == 200 and page_mm(pdf, tmp_path) == 150
    # the recorded volume wins over a different one asked later
    status, pdf, _ = label(op, code, "&volume_l=20")
    assert status == 200 and page_mm(pdf, tmp_path) == 150


def test_reprint_records_the_volume_of_an_old_batch(world: World, tmp_path: Path) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    assert op.act(code, "label").status_code == 200  # printed before volumes were asked
    assert label(op, code)[0] == 422
    r = op.post(f"/api/v1/batches/{code}/reprint", {"reason": "污损", "container_volume_l": 600})
    assert r.status_code == 200 and r.get_json()["container_volume_l"] == 600
    status, pdf, _ = label(op, code)
    assert status == 200 and page_mm(pdf, tmp_path) == 200
    other = op.post(f"/api/v1/batches/{code}/reprint", {"reason": "污损", "container_volume_l": 30})
    assert other.status_code == 409 and other.get_json()["code"] == "batch.volume_differs"
    assert (
        op.post(
            f"/api/v1/batches/{code}/reprint", {"reason": "x", "container_volume_l": 0}
        ).status_code
        == 400
    )


def test_a_4inch_printer_is_told_the_width_a_large_container_needs(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"], container_volume_l=200)["code"]
    r = op.get(f"/api/v1/batches/{code}/label?format=tspl&profile=tspl-4inch")
    problem = r.get_json()
    assert r.status_code == 422 and problem["code"] == "printer.profile_too_narrow"
    assert "at least 150 x 150 mm" in problem["message_en"]
    assert "150 mm" in problem["message"] and "4 英寸" not in problem["message"]
