"""The handheld pages in headless Chromium on a phone-sized screen: a keyboard-wedge scanner
types into the focused input and presses Enter. Register + label, scan in; a misread, a voided
code and a forged label refused with their messages, nothing written. (The whole handover on
the handheld is tests/pages/test_handheld_handover.py.)"""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.handheld import tampered

PHONE = {"viewport": {"width": 412, "height": 860}, "is_mobile": True, "has_touch": True}


def _wedge(page: Any, text: str) -> None:
    """What a keyboard-wedge scanner does: keystrokes into the focused field, then Enter."""
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    assert focused == "code", focused
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _last_result(page: Any) -> tuple[bool, str]:
    r = page.locator("#result")
    return r.get_attribute("data-kind") in ("ok", "done"), r.inner_text()


def test_handheld_flows(browser: Any, live: Live) -> None:
    page = login(browser, live, "p1op", **PHONE)
    page.goto(live.url + "/m/")
    flows = page.locator("ul.tiles a").evaluate_all("els => els.map(e => e.dataset.flow)")
    assert flows == ["register", "store", "unstore", "reprint"]
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
    # A label whose QR payload was altered (weight changed, checksum recomputed) is refused as
    # forged: its signature no longer verifies.
    forged = tampered(_payload(page, live, code))
    page.focus("#code")
    _wedge(page, forged)
    ok, text = _last_result(page)
    assert not ok and "qr.forged" in text, text
    assert live.api("park", "/ledger/checkpoint")[1]["tree_size"] == size
    # In English the handheld speaks English.
    page.goto(live.url + "/m/scan/store?lang=en")
    assert page.inner_text("h1") == "Scan in"
    assert "Scan the label (QR code) or type the code" in page.inner_text("main")
    page.context.close()


def _payload(page: Any, live: Live, code: str) -> str:
    """The label's QR payload, read from the label image with zbar."""
    import subprocess
    import tempfile

    png = page.context.request.get(f"{live.url}/m/label/{code}.png")
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png.body())
        f.flush()
        out = subprocess.run(["zbarimg", "--raw", "-q", f.name], capture_output=True, check=False)
    (text,) = [t for t in out.stdout.decode().splitlines() if t.startswith("HWT1|")]
    return text


def _profile(live: Live) -> int:
    _, me = live.api("p1op", "/me")
    _, auth = live.api("p1op", f"/users/{me['user_id']}/authorizations")
    return int(auth["profile_ids"][0])
