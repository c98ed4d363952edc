"""The handheld pages in headless Chromium on a phone-sized screen: a keyboard-wedge scanner
types into the focused input and presses Enter. Register + label, scan in, a misread and a voided
code refused with their messages, scan out, load and receive on a manifest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.pages.conftest import Live, login, shot

PHONE = {"viewport": {"width": 412, "height": 860}, "is_mobile": True, "has_touch": True}


def _wedge(page: Any, text: str) -> None:
    """What a keyboard-wedge scanner does: keystrokes into the focused field, then Enter."""
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    assert focused == "code", focused
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _last_result(page: Any) -> tuple[bool, str]:
    r = page.locator("#results .result").last
    return "ok" in (r.get_attribute("class") or ""), r.inner_text()


def test_handheld_flows(browser: Any, live: Live) -> None:
    page = login(browser, live, "p1op", **PHONE)
    page.goto(live.url + "/m/")
    flows = page.locator("ul.tiles a").evaluate_all("els => els.map(e => e.dataset.flow)")
    assert flows == ["register", "store", "unstore"]
    # Register and print: the label preview loads.
    page.click('a[data-flow="register"]')
    page.select_option("select[name=profile_id]", index=1)
    page.fill("input[name=weight_kg]", "12.5")
    page.fill("input[name=container_volume_l]", "30")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("#result").count() == 1, page.content()[-1500:]
    code = page.locator("#new-code").inner_text().strip()
    assert len(code) == 38
    assert page.evaluate("document.querySelector('#result img').naturalWidth") > 100
    shot(page, "mobile-register")
    # Scan in with the wedge; the input is focused again for the next scan.
    page.goto(live.url + "/m/scan/store")
    page.select_option("select[name=room_id]", label="1号危废暂存间")
    page.focus("#code")
    _wedge(page, code)
    ok, text = _last_result(page)
    assert ok, (code, text)
    # A misread (one character changed) is refused with the check-character message.
    bad = code[:-1] + ("A" if code[-1] != "A" else "B")
    page.focus("#code")
    _wedge(page, bad)
    ok, text = _last_result(page)
    assert not ok and "code." in text, text
    # A voided label is refused at the next scan, and nothing is written.
    status, body = live.api(
        "p1op", "/batches", "POST", {"profile_id": _profile(live), "weight_kg": "3"}
    )
    assert status == 201, body
    voided = body["code"]
    assert (
        live.api("p1op", f"/batches/{voided}/events", "POST", {"action": "void", "reason": "打错"})[
            0
        ]
        == 200
    )
    size = live.api("park", "/ledger/checkpoint")[1]["tree_size"]
    page.focus("#code")
    _wedge(page, voided)
    ok, text = _last_result(page)
    assert not ok and "作废" in text and "batch.voided" in text, text
    assert live.api("park", "/ledger/checkpoint")[1]["tree_size"] == size
    shot(page, "mobile-scan-in-refused")
    # Book the stored batch (API), then scan it out on the handheld.
    number = _manifest(live, code)
    page.goto(live.url + "/m/scan/unstore")
    page.focus("#code")
    _wedge(page, code)
    ok, text = _last_result(page)
    assert ok, text
    page.context.close()

    driver = login(browser, live, "driver", **PHONE)
    driver.goto(live.url + "/m/scan/load")
    driver.select_option("select[name=manifest]", value=number)
    driver.focus("#code")
    _wedge(driver, code)
    ok, text = _last_result(driver)
    assert ok, text
    shot(driver, "mobile-load")
    driver.context.close()
    assert live.api("driver", f"/manifests/{number}/depart", "POST", {})[0] == 200

    receiver = login(browser, live, "receiver", **PHONE)
    receiver.goto(live.url + "/m/scan/receive")
    receiver.select_option("select[name=manifest]", value=number)
    receiver.fill("input[name=weight_kg]", "12.4")
    receiver.focus("#code")
    _wedge(receiver, code)
    ok, text = _last_result(receiver)
    assert ok, text
    shot(receiver, "mobile-receive")
    receiver.context.close()
    status, batch = live.api("p1op", f"/batches/{code}")
    assert batch["status"] == "RECEIVED" and batch["received_weight_kg"] == "12.400"


def _profile(live: Live) -> int:
    _, me = live.api("p1op", "/me")
    _, auth = live.api("p1op", f"/users/{me['user_id']}/authorizations")
    return int(auth["profile_ids"][0])


def _manifest(live: Live, code: str) -> str:
    now = dt.datetime.now(dt.UTC)
    status, ents = live.api("park", "/enterprises")
    ids = {e["name"]: e["id"] for e in ents}
    status, booking = live.api(
        "p1op",
        "/bookings",
        "POST",
        {
            "codes": [code],
            "transporter_id": ids["安达危险品运输有限公司"],
            "receiver_id": ids["绿源环保处置有限公司"],
            "window_start": now.isoformat(),
            "window_end": (now + dt.timedelta(hours=4)).isoformat(),
            "planned_method": "D10",
        },
    )
    assert status == 201, booking
    status, me = live.api("driver", "/me")
    status, body = live.api(
        "driver",
        f"/bookings/{booking['id']}/accept",
        "POST",
        {
            "vehicle_plate": "苏E3A621",
            "driver_user_id": me["user_id"],
            "driver_licence": "320500198801",
        },
    )
    assert status == 200, body
    status, manifest = live.api("p1op", f"/bookings/{booking['id']}/manifest", "POST")
    assert status == 201, manifest
    return str(manifest["number"])
