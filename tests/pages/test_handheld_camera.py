"""The handheld page's camera where the browser has no barcode reader of its own (as in this
Chromium, and in Safari and Firefox): Chromium's fake camera shows the printed label, the page
sends stills to the server, zbar reads the QR payload there, and the batch is stored — the same
as a wedge scan. The server's reader refuses what is not a small image, and answers "nothing
seen" for a still without a code."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hwtrace.domain.errors import HwtraceError
from hwtrace.services.camera import decode_still
from tests.pages.conftest import CHROMIUM, Live, login, shot
from tests.pages.test_handheld_handover import PHONE, register, result


def y4m(still: Path, out: Path, width: int = 640, height: int = 480) -> Path:
    """A raw video file (YUV4MPEG2, 4:2:0) of the still on white, for Chromium's fake camera."""
    frame = Image.new("RGB", (width, height), "white")
    label = Image.open(still).convert("RGB")
    label.thumbnail((width - 40, height - 40))
    frame.paste(label, ((width - label.width) // 2, (height - label.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode()
    out.write_bytes(header + (b"FRAME\n" + planes) * 5)
    return out


def test_a_phone_reads_the_label_with_its_camera(browser: Any, live: Live, tmp_path: Path) -> None:
    op = login(browser, live, "p1op", **PHONE)
    code, qr = register(op, tmp_path, "150.5")
    pngs = sorted(tmp_path.glob("*.png"))
    assert pngs, list(tmp_path.iterdir())
    op.context.close()
    video = y4m(pngs[-1], tmp_path / "label.y4m")
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        page = login(camera, live, "p1op", permissions=["camera"], **PHONE)
        page.click('a[data-flow="store"]')
        page.select_option("#room", label="1号危废暂存间")
        # This browser has no BarcodeDetector: the stills go to the server.
        assert page.evaluate("'BarcodeDetector' in window") is False
        assert page.locator("#camera").is_visible()
        with page.expect_navigation(timeout=60_000):
            page.click("#camera")
        kind, text = result(page)
        assert kind == "ok" and code in text, text
        assert "标签签名有效" in text, text  # the QR payload was read, with its signature
        assert page.locator("#count").inner_text() == "1"
        shot(page, "handheld-camera-stored")
        page.context.close()
    finally:
        camera.close()
    assert qr.split("|")[1] == code


def _still(img: Image.Image, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def test_the_server_reader_answers_nothing_seen_or_refuses() -> None:
    assert decode_still(_still(Image.new("RGB", (640, 480), "white"))) is None
    for bad in (b"", b"not an image", _still(Image.new("RGB", (8, 8)), "GIF")):
        with pytest.raises(HwtraceError) as err:
            decode_still(bad)
        assert err.value.code == "camera.bad_image" and err.value.status == 400
    with pytest.raises(HwtraceError):  # a still of more than 4 megapixels
        decode_still(_still(Image.new("L", (2600, 1600), "white"), "PNG"))


def test_the_camera_route_needs_a_login(live: Live) -> None:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(live.url + "/m/camera", data=b"", method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            status, where = r.status, r.url
    except urllib.error.HTTPError as e:
        status, where = e.code, e.url
    assert status in (200, 302, 303) and "/login" in where, (status, where)
