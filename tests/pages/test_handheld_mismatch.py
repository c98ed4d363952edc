"""A mismatch found at receipt on a phone (390x844), typed and tapped (《危险废物转移管理办法》
第十八条第二款, the receiver's check 第十二条(一)): the receiver scans a label, weighs it, marks
its packaging not as declared — refused until it says what it found, the batch kept open with
what was typed — then accepts it; the console's manifest page lists the mismatch for the
producer, and its to-do list shows it.

Screenshots: test-artifacts/screenshots/handheld-mismatch-*.png."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_handheld_handover import PHONE, result, wedge
from tests.pages.test_workflows import (
    DESK,
    accept,
    book,
    load_and_depart,
    make_manifest,
    register_and_store,
)


def test_art18_2_packaging_not_as_declared_on_the_handheld(browser: Any, live: Live) -> None:
    producer = login(browser, live, "p6admin", **DESK)
    [code] = register_and_store(producer, live, ["52"])
    booking_id = book(producer, live, [code])
    driver = login(browser, live, "driver", **DESK)
    accept(driver, live, booking_id)
    number = make_manifest(producer, live, booking_id, [code])
    load_and_depart(driver, live, number, [code])
    driver.context.close()

    rcv = login(browser, live, "receiver", **PHONE)
    rcv.goto(f"{live.url}/m/manifest/{number}/receive")
    wedge(rcv, code)
    assert result(rcv)[0] == "open"
    rcv.fill("#weight", "52")
    rcv.click("#mismatch summary")
    rcv.check('#mismatch input[value="packaging"]')
    with rcv.expect_navigation():
        rcv.click("#accept")
    kind, text = result(rcv)
    assert kind == "error" and "说明" in text, text
    assert rcv.locator("#weigh-form").count() == 1  # the batch stays open
    assert rcv.locator('#mismatch input[value="packaging"]').is_checked()
    shot(rcv, "handheld-mismatch-refused")
    rcv.fill("#weight", "52")
    rcv.fill('#mismatch input[name="mismatch_note"]', "包装袋破损，已加套")
    with rcv.expect_navigation():
        rcv.click("#accept")
    assert result(rcv)[0] == "ok", result(rcv)
    shot(rcv, "handheld-mismatch-accepted")
    rcv.context.close()

    producer.goto(f"{live.url}/manifests/{number}")
    found = producer.locator("#manifest-mismatches").inner_text()
    assert code in found and "包装方式" in found and "包装袋破损" in found
    producer.goto(live.url + "/inbox")
    assert producer.locator(f'#todo li[data-kind="mismatch"][data-ref="{number}"]').count() == 1
    producer.context.close()
