"""Bad input in every console workflow form is answered in the form, in the user's language,
and writes nothing: the ledger's size is read before and after each refusal."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import (
    DESK,
    accept,
    book,
    load_and_depart,
    register_and_store,
    verify_ledger,
)


class Ledger:
    """The ledger's size as the park administrator's ledger page shows it."""

    def __init__(self, browser: Any, live: Live) -> None:
        self.page = login(browser, live, "park", **DESK)
        self.url = live.url

    def size(self) -> int:
        self.page.goto(self.url + "/ledger")
        return int(self.page.locator("#tree-size").inner_text())


def refused(page: Any, ledger: Ledger, click: str, *texts: str) -> str:
    """Submit with ``click``; the same page answers with the error in place, nothing written."""
    before = ledger.size()
    with page.expect_navigation() as nav:
        page.click(click)
    assert nav.value.status in (400, 409), nav.value.status
    error = page.locator("#form-error")
    assert error.count() == 1, page.content()[-2000:]
    message = str(error.inner_text())
    for text in texts:
        assert text in message, message
    assert ledger.size() == before
    return message


def test_bad_input_is_answered_in_the_form(browser: Any, live: Live) -> None:
    ledger = Ledger(browser, live)
    producer = login(browser, live, "p5admin", **DESK)
    codes = register_and_store(producer, live, ["15.5", "16.5"])
    # Booking: no batch ticked; a window that ends before it starts.
    producer.goto(live.url + "/bookings/new")
    producer.select_option("select[name=transporter_id]", index=1)
    receiver = producer.locator("#receiver option", has_text="绿源").get_attribute("value")
    producer.select_option("select[name=receiver_id]", value=receiver)
    producer.select_option("select[name=planned_method]", value="D10")
    refused(producer, ledger, "#submit-booking", "至少选择一个批次")
    # What was chosen is kept; tick a batch and give a backwards window.
    assert producer.locator("select[name=planned_method]").input_value() == "D10"
    producer.check(f'input[name=codes][value="{codes[0]}"]')
    producer.fill("input[name=window_start]", "2031-05-06T12:00")
    producer.fill("input[name=window_end]", "2031-05-06T09:00")
    refused(producer, ledger, "#submit-booking", "结束须晚于开始")
    shot(producer, "console-booking-refused")
    # In English the same refusal is in English.
    producer.goto(live.url + "/bookings/new?lang=en")
    producer.select_option("select[name=transporter_id]", index=1)
    producer.select_option("select[name=receiver_id]", value=receiver)
    producer.select_option("select[name=planned_method]", value="D10")
    refused(producer, ledger, "#submit-booking", "choose at least one batch")
    producer.goto(live.url + "/bookings?lang=zh")
    booking_id = book(producer, live, codes[:1])
    # Reschedule and cancel need a reason.
    refused(producer, ledger, "#reschedule-button", "原因")
    refused(producer, ledger, "#cancel-button", "原因")
    # The transporter: a plate that is no plate; declining without a reason.
    driver = login(browser, live, "driver", **DESK)
    driver.goto(f"{live.url}/bookings/{booking_id}")
    driver.fill("input[name=vehicle_plate]", "ABC")
    driver.select_option("#driver", index=1)
    driver.fill("input[name=driver_licence]", "320500198801")
    refused(driver, ledger, "#accept-button", "车牌")
    assert driver.locator("input[name=vehicle_plate]").input_value() == "ABC"
    refused(driver, ledger, "#decline-button", "原因")
    accept(driver, live, booking_id)
    # The manifest: voiding needs a reason; departure with nothing loaded is refused; a batch
    # that is not on the manifest, or a misread, is refused at loading.
    producer.goto(f"{live.url}/bookings/{booking_id}")
    with producer.expect_navigation():
        producer.click("#make-manifest")
    number = producer.url.rsplit("/", 1)[1]
    refused(producer, ledger, "#cancel-button", "原因")
    driver.goto(f"{live.url}/manifests/{number}")
    refused(driver, ledger, "#depart-button", "不能发车")
    driver.fill("#code", codes[1])
    refused(driver, ledger, "#load-button", "不在联单")
    driver.fill("#code", codes[0][:-1] + ("A" if codes[0][-1] != "A" else "B"))
    refused(driver, ledger, "#load-button")
    shot(driver, "console-load-refused")
    # A batch still in storage cannot be loaded.
    driver.fill("#code", codes[0])
    refused(driver, ledger, "#load-button", "已入库")
    producer.goto(f"{live.url}/manifests/{number}")
    with producer.expect_navigation():
        producer.click(f'tr[data-code="{codes[0]}"] form.unstore button')
    load_and_depart(driver, live, number, codes[:1])
    # The receiver: no weight, a weight that is no number, a rejection without a reason.
    receiver_page = login(browser, live, "receiver", **DESK)
    receiver_page.goto(f"{live.url}/manifests/{number}")
    row = f'tr[data-code="{codes[0]}"]'
    refused(receiver_page, ledger, f"{row} button[value=accept]", "称重")
    receiver_page.fill(f"{row} input[name=weight_kg]", "十五")
    refused(receiver_page, ledger, f"{row} button[value=accept]")
    receiver_page.fill(f"{row} input[name=weight_kg]", "15.5")
    refused(receiver_page, ledger, f"{row} button[value=reject]", "原因")
    receiver_page.fill(f"{row} input[name=weight_kg]", "15.5")
    with receiver_page.expect_navigation():
        receiver_page.click(f"{row} button[value=accept]")
    with receiver_page.expect_navigation():
        receiver_page.click("#confirm-button")
    # Disposal needs a method from the list.
    receiver_page.select_option(f"{row} select[name=method]", value="")
    refused(receiver_page, ledger, f"{row} button[value=dispose]", "利用处置方式")
    shot(receiver_page, "console-dispose-refused")
    # The batch page: correction, reprint and void each need a reason.
    producer.goto(f"{live.url}/batches/{codes[1]}")
    producer.fill("#correct-form input[name=weight_kg]", "17")
    refused(producer, ledger, "#correct-button", "原因")
    producer.fill("#correct-form input[name=weight_kg]", "-3")
    producer.fill("#correct-form input[name=reason]", "复磅")
    refused(producer, ledger, "#correct-button")
    refused(producer, ledger, "#reprint-button", "原因")
    refused(producer, ledger, "#void-button", "原因")
    assert producer.locator("#batch-state").inner_text() == "已入库"
    verify_ledger(producer, live)
    for p in (producer, driver, receiver_page, ledger.page):
        p.context.close()
