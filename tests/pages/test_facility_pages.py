"""Facility pages and signs in Chromium: the enterprise file lists its facilities with their
codes; a facility's page shows what it holds, its limits and its alarms; its sign's QR code is
that page's address; on the handheld store page, scanning a room's sign selects the room and the
next scan stores into it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.printer.conftest import zbar

PHONE = {"viewport": {"width": 412, "height": 860}, "is_mobile": True, "has_touch": True}


def _sign_url(page: Any, facility_id: int, tmp: Path) -> str:
    """The text of the QR code on a facility's sign, as a phone would read it."""
    r = page.request.get(f"/facilities/{facility_id}/sign.png")
    assert r.ok and r.headers["content-type"] == "image/png"
    (tmp / "sign.png").write_bytes(r.body())
    (url,) = zbar(tmp / "sign.png")
    return str(url)


def _stored_batch(live: Live, room_id: int) -> str:
    """A new batch of p1, labelled and stored in the room."""
    room = next(r for r in live.api("p1op", "/storage-rooms")[1] if r["id"] == room_id)
    profile = next(
        p
        for p in live.api("p1op", "/waste-profiles")[1]
        if p["category"] in room["allowed_categories"]
    )
    status, batch = live.api(
        "p1op",
        "/batches",
        "POST",
        {"profile_id": profile["id"], "weight_kg": "1", "container_volume_l": 20},
    )
    assert status == 201, batch
    code = batch["code"]
    assert live.api("p1op", f"/batches/{code}/events", "POST", {"action": "label"})[0] == 200
    return str(code)


def test_facility_page_and_sign(browser: Any, live: Live, tmp_path: Path) -> None:
    facility = next(f for f in live.api("p1admin", "/facilities")[1] if f["code"] == "TS001")
    code = _stored_batch(live, facility["room_id"])
    body = {"action": "store", "room_id": facility["room_id"]}
    assert live.api("p1op", f"/batches/{code}/events", "POST", body)[0] == 200
    view = live.api("p1admin", f"/facilities/{facility['id']}")[1]
    page = login(browser, live, "p1admin", base_url=live.url)
    me = live.api("p1admin", "/me")[1]
    page.goto(f"{live.url}/enterprises/{me['enterprise']['id']}")
    rows = page.locator("#facilities tbody tr")
    assert rows.count() >= 1
    first = rows.first.locator("a").first
    assert first.inner_text() == "TS001"
    with page.expect_navigation():
        first.click()
    assert page.locator("#facility-code").inner_text() == "TS001"
    assert page.locator("#limits").inner_text().count("HW") >= 1
    stored = page.locator("#stored tbody tr td.mono").all_inner_texts()
    assert code in stored and stored == [b["code"] for b in view["stored"]]
    assert page.locator("#stored-kg").inner_text() == view["stored_kg"]
    assert page.locator("#alarms .result").count() == len(view["alarms"])
    shot(page, "facility-page")
    # The sign opens this very page.
    url = _sign_url(page, facility["id"], tmp_path)
    assert url == page.url.split("?")[0], (url, page.url)
    pdf = page.request.get(f"/facilities/{facility['id']}/sign.pdf?page=A3")
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    (tmp_path / "s.pdf").write_bytes(pdf.body())
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "危险废物贮存设施" in text and "TS001" in text
    # Another enterprise's user cannot open it.
    other = login(browser, live, "p2op", base_url=live.url)
    other.goto(url)
    assert "TS001" not in other.locator("main").inner_text()


def _wedge(page: Any, text: str) -> None:
    page.focus("#code")
    page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_scanning_a_room_sign_selects_the_room(browser: Any, live: Live, tmp_path: Path) -> None:
    page = login(browser, live, "p1op", base_url=live.url, **PHONE)
    page.goto(f"{live.url}/m/scan/store")
    default = page.eval_on_selector("#room", "e => e.value")
    storage = [f for f in live.api("p1op", "/facilities")[1] if f["kind"] == "storage"]
    target = next(f for f in storage if str(f["room_id"]) != default)
    _wedge(page, _sign_url(page, target["id"], tmp_path))
    assert page.eval_on_selector("#room", "e => e.value") == str(target["room_id"])
    last = page.locator("#result")
    assert last.get_attribute("data-kind") == "room" and target["name"] in last.inner_text()
    shot(page, "mobile-store-room-selected")
    # The next scan stores into the selected room.
    code = _stored_batch(live, target["room_id"])
    _wedge(page, code)
    assert live.api("p1op", f"/batches/{code}")[1]["room_id"] == target["room_id"]
    # A sign of another enterprise's room is refused, and the selection stays.
    foreign = live.api("park", "/facilities")[1]
    theirs = next(
        f for f in foreign if f["kind"] == "storage" and f["id"] not in {s["id"] for s in storage}
    )
    ent = live.api("park", f"/enterprises/{theirs['enterprise_id']}")[1]
    _wedge(page, f"{live.url}/f/{ent['uscc']}/{theirs['code']}")
    last = page.locator("#result")
    assert last.get_attribute("data-kind") == "error"
    assert page.eval_on_selector("#room", "e => e.value") == str(target["room_id"])
