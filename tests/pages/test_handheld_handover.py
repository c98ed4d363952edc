"""A whole handover on the handheld pages, on a phone, by every role: the producer's operator
registers two drums (container type and volume asked, so the label is 150 mm), stores them,
reprints a torn label and later scans them out; the driver loads them with a running count
and departs; the receiver scans, weighs and accepts each, confirms the manifest and records
the disposal. Every scan types
the label's own QR payload (read from the printed label with zbar) as a keyboard-wedge imager
does: fast keystrokes, then Enter. A batch scanned again is shown as done, not refused.

The booking, its acceptance and the manifest are desk work of the producer's manager and the
transporter's dispatcher: the console's pages, here opened on phones too. No API call, no use
case called directly: every step is clicked or typed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import accept, book

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    ),
}
SHOTS = Path("/tmp/hwtrace-handheld")


def phone(browser: Any, live: Live, who: str) -> Any:
    """Log in on a phone: the handheld home is where the user lands, with no desktop bar."""
    page = login(browser, live, who, **PHONE)
    assert page.url.endswith("/m/"), page.url
    assert page.locator("header.top nav").count() == 0
    assert page.locator("header.mbar").count() == 1
    return page


def snap(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    shot(page, f"handheld-{name}")


def wedge(page: Any, text: str) -> None:
    """What a keyboard-wedge 2D imager does: keystrokes into the focused field, then Enter."""
    # the scan field has the focus once the page is loaded: nothing to tap between scans
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(text, delay=2)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def result(page: Any) -> tuple[str, str]:
    box = page.locator("#result")
    assert box.count() == 1, page.content()[-2000:]
    return str(box.get_attribute("data-kind")), box.inner_text()


def label_payload(page: Any, tmp: Path) -> str:
    """The QR payload of the label the page shows, decoded from its image by zbar."""
    src = page.locator("#result img").get_attribute("src")
    png = page.context.request.get(page.url.split("/m/")[0] + src)
    assert png.ok and png.headers["content-type"] == "image/png"
    path = tmp / (re.sub(r"\W", "_", src) + ".png")
    path.write_bytes(png.body())
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, check=False)
    qr = [s for s in out.stdout.decode().splitlines() if s.startswith("HWT1|")]
    assert len(qr) == 1, out
    return qr[0]


def register(page: Any, tmp: Path, weight: str) -> tuple[str, str]:
    page.click('a[data-flow="register"]')
    page.select_option("#profile", index=1)
    page.select_option("#packaging", label="桶")
    page.fill("#volume", "200")
    page.fill("input[name=weight_kg]", weight)
    with page.expect_navigation():
        page.click("#register-form button[type=submit]")
    code = page.locator("#new-code").inner_text().strip()
    expect(page.locator("#result img")).to_have_js_property("complete", True)
    # 200 L: the 150 mm label of HJ 1276-2022 (1772 px a side at 300 dpi)
    assert page.evaluate("document.querySelector('#result img').naturalWidth") == 1772
    payload = label_payload(page, tmp)
    assert payload.split("|")[1] == code
    return code, payload


def desk_on_a_phone(browser: Any, live: Live, codes: list[str]) -> str:
    """The desk steps on the same phone, through the console's pages: the producer's manager
    books the pickup, the transporter's dispatcher accepts it with a vehicle and a driver, the
    manager makes the manifest. Return its number."""
    admin = phone(browser, live, "p1admin")
    booking_id = book(admin, live, codes)
    snap(admin, "producer-booked")
    dispatcher = phone(browser, live, "driver")
    accept(dispatcher, live, booking_id)
    snap(dispatcher, "transporter-accepted")
    dispatcher.context.close()
    admin.goto(f"{live.url}/bookings/{booking_id}")
    with admin.expect_navigation():
        admin.click("#make-manifest")
    assert admin.locator("#manifest-state").inner_text() == "待运输"
    snap(admin, "producer-manifest")
    number = admin.url.rsplit("/", 1)[1]
    admin.context.close()
    return number


def test_whole_handover_on_a_phone(browser: Any, live: Live, tmp_path: Path) -> None:
    # -- the producer's operator: register, label, store ---------------------------------
    op = phone(browser, live, "p1op")
    tiles = op.locator("ul.tiles a").evaluate_all("els => els.map(e => e.dataset.flow)")
    assert tiles == ["register", "store", "unstore", "reprint"]
    snap(op, "producer-home")
    code1, qr1 = register(op, tmp_path, "180.5")
    snap(op, "producer-registered")
    op.click("#m-home")
    code2, qr2 = register(op, tmp_path, "176")
    op.click("#m-home")
    op.click('a[data-flow="store"]')
    op.select_option("#room", label="1号危废暂存间")
    op.focus("#code")
    wedge(op, qr1)
    kind, text = result(op)
    assert kind == "ok" and "标签签名有效" in text, text  # the park signed the label
    wedge(op, qr2)
    assert result(op)[0] == "ok", result(op)
    assert op.locator("#count").inner_text() == "2"
    wedge(op, qr1)  # scanned again: shown as done, not refused
    kind, text = result(op)
    assert kind == "done" and "已完成" in text, text
    assert op.locator("#count").inner_text() == "2"
    snap(op, "producer-stored")
    # A torn label is reprinted: the reason, then the code typed from the barcode's digits.
    op.click("#m-home")
    op.click('a[data-flow="reprint"]')
    op.select_option("select[name=reason]", label="标签破损")
    op.focus("#code")
    wedge(op, code2)
    assert "补打已记录" in op.locator("#result").inner_text()
    expect(op.locator("#result img")).to_have_js_property("complete", True)
    assert op.evaluate("document.querySelector('#result img').naturalWidth") == 1772
    assert label_payload(op, tmp_path) == qr2  # the same label, the same signed payload
    snap(op, "producer-reprinted")

    # -- desk work of the other roles, on phones too: booking, acceptance, manifest -------
    number = desk_on_a_phone(browser, live, [code1, code2])

    # -- the producer's operator scans both out -------------------------------------------
    op.click("#m-home")
    op.click('a[data-flow="unstore"]')
    for qr in (qr1, qr2):
        wedge(op, qr)
        assert result(op)[0] == "ok", result(op)
    wedge(op, qr2)
    assert result(op)[0] == "done"
    snap(op, "producer-unstored")
    op.context.close()

    # -- the driver: its manifest, loading with a running count, departure ---------------
    drv = phone(browser, live, "driver")
    card = drv.locator(f'#manifests a[data-manifest="{number}"]')
    assert card.count() == 1, drv.content()[-1500:]
    snap(drv, "driver-home")
    card.click()
    drv.wait_for_selector("#progress")
    assert (drv.locator("#loaded").inner_text(), drv.locator("#total").inner_text()) == ("0", "2")
    wedge(drv, qr1)
    assert result(drv)[0] == "ok"
    assert drv.locator("#loaded").inner_text() == "1"
    wedge(drv, qr1)
    assert result(drv)[0] == "done"
    wedge(drv, qr2)
    assert drv.locator("#progress").inner_text().startswith("已装车 2 / 2")
    snap(drv, "driver-loaded")
    with drv.expect_navigation():
        drv.click("#depart")
    assert drv.locator("#departed").count() == 1
    assert drv.locator("#manifest-status").inner_text() == "运输中"
    snap(drv, "driver-departed")
    drv.context.close()

    # -- the receiver: scan, weigh, accept; confirm; dispose ------------------------------
    rcv = phone(browser, live, "receiver")
    rcv.click(f'#manifests a[data-manifest="{number}"]')
    rcv.wait_for_selector("#progress")
    for qr, kg in ((qr1, "180.2"), (qr2, "175.4")):
        wedge(rcv, qr)
        assert result(rcv)[0] == "open"
        assert rcv.locator("#dispatched").count() == 1
        rcv.fill("#weight", kg)
        snap(rcv, "receiver-weighing")
        with rcv.expect_navigation():
            rcv.click("#accept")
        assert result(rcv)[0] == "ok", result(rcv)
    wedge(rcv, qr1)
    assert result(rcv)[0] == "done"
    row = rcv.locator(f'#lines tr[data-code="{code1}"]').inner_text()
    assert "180.500" in row and "180.200" in row, row
    assert rcv.locator("#received").inner_text() == "2"
    snap(rcv, "receiver-received")
    with rcv.expect_navigation():
        rcv.click("#confirm")
    assert rcv.locator("#confirmed").count() == 1
    snap(rcv, "receiver-confirmed")
    rcv.click("#m-home")
    rcv.click('a[data-flow="dispose"]')
    rcv.select_option("#method", value="D10")
    rcv.focus("#code")
    for qr in (qr1, qr2):
        wedge(rcv, qr)
        assert result(rcv)[0] == "ok", result(rcv)
    wedge(rcv, qr2)
    assert result(rcv)[0] == "done"
    assert rcv.locator("#count").inner_text() == "2"
    snap(rcv, "receiver-disposed")
    rcv.context.close()

    # -- afterwards: the ledger verifies; every step of the batch is in it ---------------
    park = login(browser, live, "park")
    park.goto(live.url + "/ledger")
    with park.expect_navigation():
        park.click("#verify-button")
    assert "error" not in (park.locator("#verify-result").get_attribute("class") or "")
    park.goto(live.url + f"/batches/{code2}")  # the batch page: its life as a timeline
    types = park.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.type)")
    for step in (
        "batch.register",
        "batch.label",
        "batch.store",
        "batch.reprint",
        "batch.unstore",
        "batch.load",
        "batch.receive",
        "batch.dispose",
    ):
        assert step in types, (step, types)
    park.context.close()
