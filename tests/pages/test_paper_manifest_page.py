"""An emergency paper manifest entered in the console, clicked and typed
(《危险废物转移管理办法》第二十条): the producer finds the entry from its manifests, ticks the batch
carried, chooses the transporter and driver and the receiver, attaches the scan; a malformed
plate is refused in the form with what was typed kept; entered 25 days after the transfer,
it is accepted, marked "paper" on the manifest and in the list, and the warnings page shows
the late entry with its deadline's date and its handbook rule. The receiver sees the paper
manifest's scan on the manifest.

Screenshots: test-artifacts/screenshots/paper-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from tests.factories import CONTRACT_PDF
from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import DESK, RECEIVER, TRANSPORTER, _error, _flash


def _stored_batch(live: Live, who: str, produced_on: dt.date) -> str:
    """A batch produced on ``produced_on``, labelled and stored (set up through the API)."""
    status, profiles = live.api(who, "/waste-profiles")
    assert status == 200, profiles
    status, rooms = live.api(who, "/storage-rooms")
    assert status == 200, rooms
    for p in profiles:
        status, b = live.api(
            who,
            "/batches",
            "POST",
            {"profile_id": p["id"], "weight_kg": "12.5", "produced_on": produced_on.isoformat()},
        )
        if status != 201:
            continue
        code = b["code"]
        status, body = live.api(who, f"/batches/{code}/events", "POST", {"action": "label"})
        assert status == 200, body
        for room in rooms:
            status, body = live.api(
                who, f"/batches/{code}/events", "POST", {"action": "store", "room_id": room["id"]}
            )
            if status == 200:
                return str(code)
    raise AssertionError("no profile and room took a batch")


def test_art20_paper_manifest_entered_late_is_marked_and_warned(browser: Any, live: Live) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    day = today - dt.timedelta(days=25)
    code = _stored_batch(live, "p7admin", day)
    page = login(browser, live, "p7admin", **DESK)
    page.goto(live.url + "/manifests")
    with page.expect_navigation():
        page.click("#paper-entry")
    assert "第二十条" in page.locator("#paper-rule").inner_text()
    form = page.locator("form#paper-form")
    form.locator("input[name=paper_number]").fill("JS-PAPER-0007")
    form.locator("input[name=transferred_on]").fill(day.isoformat())
    form.locator("input[name=reason]").fill("省平台停机，使用纸质联单")
    form.locator(f'input[name=codes][value="{code}"]').check()
    carrier = page.locator("#carrier option", has_text=TRANSPORTER).first.get_attribute("value")
    form.locator("select[name=carrier]").select_option(value=carrier)
    form.locator("input[name=vehicle_plate]").fill("ABC")
    form.locator("input[name=driver_licence]").fill("320500198801")
    receiver = page.locator("#paper-receiver option", has_text=RECEIVER).get_attribute("value")
    form.locator("select[name=receiver_id]").select_option(value=receiver)
    form.locator("select[name=planned_method]").select_option("D10")
    scan = {"name": "联单扫描.pdf", "mimeType": "application/pdf", "buffer": CONTRACT_PDF}
    form.locator("input[name=scan]").set_input_files(scan)
    with page.expect_navigation():
        form.locator("#paper-submit").click()
    assert page.locator("#form-error").get_attribute("data-code") == "transport.invalid_plate"
    assert form.locator("input[name=paper_number]").input_value() == "JS-PAPER-0007"
    assert form.locator(f'input[name=codes][value="{code}"]').is_checked()
    shot(page, "paper-refused")
    form.locator("input[name=vehicle_plate]").fill("苏E7P001")
    form.locator("input[name=scan]").set_input_files(scan)
    with page.expect_navigation():
        form.locator("#paper-submit").click()
    assert "JS-PAPER-0007" in _flash(page), _error(page)
    section = page.locator("#paper-manifest")
    assert section.get_attribute("data-late") == "yes"
    text = section.inner_text()
    assert day.isoformat() in text and "第二十条" in text and "逾期补录" in text
    number = page.url.rsplit("/", 1)[1]
    assert page.locator("#manifest-state").inner_text() == "运输中"
    got = page.request.get(live.url + page.locator("#paper-scan").get_attribute("href"))
    assert got.status == 200 and got.body() == CONTRACT_PDF
    shot(page, "paper-manifest")
    page.goto(live.url + "/manifests")
    assert page.locator(f'tr[data-number="{number}"] .badge.paper').count() == 1
    page.goto(live.url + "/warnings")
    body = page.locator("main").inner_text()
    assert "纸质联单逾期补录" in body and "JS-PAPER-0007" in body
    link = page.locator('a[href*="transfer.paper-manifest"]')
    assert link.count() >= 1
    shot(page, "paper-warning")
    page.context.close()

    rec = login(browser, live, "receiver", **DESK)
    rec.goto(f"{live.url}/manifests/{number}")
    assert rec.locator("#paper-manifest").count() == 1
    assert rec.locator(f'tr[data-code="{code}"] form.receive').count() == 1
    rec.context.close()
