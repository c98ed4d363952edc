"""The console's workflows on a desktop screen, one test per role, clicked and typed as a person
does (no API call): the producer books a pickup, reschedules, cancels, makes the manifest, takes
the batches out of storage, corrects, voids and reprints; the transporter accepts or declines in
its inbox, loads and departs; the receiver weighs, accepts or rejects, confirms and records
disposal. Each ends with the ledger verifying and the batch page showing every step. Batches are
registered and scanned in on the handheld pages, as a line operator does.

Screenshots go to test-artifacts/screenshots/ (console-*.png)."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot

DESK = {"viewport": {"width": 1366, "height": 900}}
TRANSPORTER = "安达危险品运输有限公司"
RECEIVER = "绿源环保处置有限公司"


def _click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _flash(page: Any) -> str:
    return str(page.locator(".flash").first.inner_text()) if page.locator(".flash").count() else ""


def _error(page: Any) -> str:
    return (
        str(page.locator("#form-error").inner_text()) if page.locator("#form-error").count() else ""
    )


def register_and_store(page: Any, live: Live, weights: list[str]) -> list[str]:
    """Register batches and scan them into the mixed room on the handheld pages."""
    codes = []
    for kg in weights:
        page.goto(live.url + "/m/register")
        page.select_option("select[name=profile_id]", index=1)
        page.fill("input[name=weight_kg]", kg)
        page.fill("input[name=container_volume_l]", "200")
        _click(page, "main button[type=submit]")
        codes.append(page.locator("#new-code").inner_text().strip())
    page.goto(live.url + "/m/scan/store")
    page.select_option("select[name=room_id]", label="1号危废暂存间")
    for code in codes:
        page.fill("#code", code)
        with page.expect_navigation():
            page.press("#code", "Enter")
        last = page.locator("#result")
        assert "ok" in (last.get_attribute("class") or ""), last.inner_text()
    return codes


def book(page: Any, live: Live, codes: list[str], *, method: str = "D10") -> int:
    """Book a pickup of stored batches from the producer's console; return the booking id."""
    page.goto(live.url + "/bookings")
    _click(page, "#book-pickup")
    for code in codes:
        page.check(f'input[name=codes][value="{code}"]')
    page.select_option("select[name=transporter_id]", label=TRANSPORTER)
    receiver = page.locator("#receiver option", has_text=RECEIVER).get_attribute("value")
    page.select_option("select[name=receiver_id]", value=receiver)
    page.select_option("select[name=planned_method]", value=method)
    _click(page, "#submit-booking")
    assert page.locator("#booking-state").inner_text() == "待承运确认", _error(page)
    return int(page.url.rsplit("/", 1)[1])


def accept(page: Any, live: Live, booking_id: int) -> None:
    """The transporter opens the booking from its inbox and accepts it with a vehicle and a
    driver chosen from its lists."""
    page.goto(live.url + "/bookings")
    _click(page, f'#inbox tr[data-booking="{booking_id}"] td a')
    page.fill("input[name=vehicle_plate]", "苏E3A621")
    driver = page.locator("#driver option", has_text="(driver)").get_attribute("value")
    page.select_option("#driver", value=driver)
    page.fill("input[name=driver_licence]", "320500198801")
    _click(page, "#accept-button")
    assert page.locator("#booking-state").inner_text() == "已接单", _error(page)


def make_manifest(page: Any, live: Live, booking_id: int, codes: list[str]) -> str:
    """The producer makes the manifest from the accepted booking and takes the batches out of
    storage; return the manifest number."""
    page.goto(f"{live.url}/bookings/{booking_id}")
    _click(page, "#make-manifest")
    number = page.url.rsplit("/", 1)[1]
    assert page.locator("#manifest-state").inner_text() == "待运输"
    for code in codes:
        _click(page, f'tr[data-code="{code}"] form.unstore button')
        assert code in _flash(page), _error(page)
    assert page.locator("#to-unstore").inner_text() == "0"
    return str(number)


def load_and_depart(page: Any, live: Live, number: str, codes: list[str]) -> None:
    """The transporter scans each batch onto the vehicle (typed into the scan field) and departs."""
    page.goto(live.url + "/manifests")
    _click(page, f'#manifest-list tr[data-number="{number}"] a')
    for code in codes:
        page.fill("#code", code)
        with page.expect_navigation():
            page.press("#code", "Enter")
        assert code in _flash(page), _error(page)
    assert page.locator("#loaded-count").inner_text() == str(len(codes))
    _click(page, "#depart-button")
    assert page.locator("#manifest-state").inner_text() == "运输中", _error(page)


def receive(page: Any, live: Live, number: str, code: str, kg: str, reject: str = "") -> None:
    """The receiver weighs one batch and accepts it, or rejects it with a reason."""
    page.goto(f"{live.url}/manifests/{number}")
    row = page.locator(f'tr[data-code="{code}"]')
    row.locator("input[name=weight_kg]").fill(kg)
    if reject:
        row.locator("input[name=reason]").fill(reject)
    with page.expect_navigation():
        row.locator(f'button[value="{"reject" if reject else "accept"}"]').click()
    assert code in _flash(page), _error(page)


def finish(page: Any, number: str, code: str, method: str, how: str = "dispose") -> None:
    row = page.locator(f'tr[data-code="{code}"]')
    row.locator("select[name=method]").select_option(method)
    with page.expect_navigation():
        row.locator(f'button[value="{how}"]').click()
    assert code in _flash(page), _error(page)


def verify_ledger(page: Any, live: Live) -> None:
    page.goto(live.url + "/ledger")
    _click(page, "#verify-button")
    assert "验证通过" in page.locator("#verify-result").inner_text()


def timeline(page: Any, live: Live, code: str) -> list[str]:
    """Open the batch page and return the entry types of its timeline, in order."""
    page.goto(f"{live.url}/batches/{code}")
    return list(
        page.locator("#timeline li[data-type]").evaluate_all("els => els.map(e => e.dataset.type)")
    )


def test_producer_console(browser: Any, live: Live) -> None:
    page = login(browser, live, "p2admin", **DESK)
    codes = register_and_store(page, live, ["12.5", "13.25", "40"])
    # Book two of them; the third stays in storage.
    booking_id = book(page, live, codes[:2])
    shot(page, "console-booking-requested")
    assert "待承运确认" in _flash(page)
    # Reschedule with a reason: the window moves, the booking waits for the transporter again.
    page.fill("#reschedule-form input[name=window_start]", "2031-05-06T09:00")
    page.fill("#reschedule-form input[name=window_end]", "2031-05-06T12:00")
    page.fill("#reschedule-form input[name=reason]", "车间检修，推迟取货")
    _click(page, "#reschedule-button")
    assert "2031-05-06 09:00 北京时间" in page.locator("#booking-facts").inner_text()
    # A second booking of the third batch, cancelled with a reason: the batch is free again.
    other = book(page, live, codes[2:])
    page.fill("#cancel-form input[name=reason]", "接收单位临时停产")
    _click(page, "#cancel-button")
    assert page.locator("#booking-state").inner_text() == "已取消"
    page.goto(live.url + "/bookings/new")
    assert page.locator(f'input[name=codes][value="{codes[2]}"]').count() == 1
    page.goto(live.url + "/bookings")
    assert page.locator(f'#booking-list tr[data-booking="{other}"] .state').inner_text() == "已取消"
    # The transporter accepts; the producer makes the manifest and takes the batches out.
    driver = login(browser, live, "driver", **DESK)
    accept(driver, live, booking_id)
    driver.context.close()
    number = make_manifest(page, live, booking_id, codes[:2])
    shot(page, "console-manifest-producer")
    pdf = page.request.get(live.url + str(page.locator("#manifest-pdf").get_attribute("href")))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # Correct the third batch's weight with a reason: the correction sits beside the original.
    page.goto(f"{live.url}/batches/{codes[2]}")
    page.fill("#correct-form input[name=weight_kg]", "41.5")
    page.fill("#correct-form input[name=reason]", "复磅更正")
    _click(page, "#correct-button")
    assert "41.500 kg" in page.locator("#batch-weight").inner_text()
    corrected = page.locator('#timeline li[data-type="batch.correct"]').inner_text()
    assert "40.000→41.500" in corrected and "复磅更正" in corrected
    # Reprint its label with a reason; the label is one click away.
    page.fill("#reprint-form input[name=reason]", "标签污损")
    _click(page, "#reprint-button")
    label = page.request.get(live.url + str(page.locator("#label-link").get_attribute("href")))
    assert label.status == 200 and label.body().startswith(b"%PDF")
    # Void it with a reason.
    page.fill("#void-form input[name=reason]", "登记重复")
    _click(page, "#void-button")
    assert page.locator("#batch-state").inner_text() == "已作废"
    shot(page, "console-batch-voided")
    steps = timeline(page, live, codes[2])
    for step in ("batch.register", "batch.label", "batch.store", "booking.request"):
        assert step in steps, steps
    assert steps.index("batch.correct") < steps.index("batch.reprint") < steps.index("batch.void")
    # The first batch's page: every step so far, the manifest linked.
    steps = timeline(page, live, codes[0])
    for step in (
        "batch.register",
        "batch.label",
        "batch.store",
        "booking.request",
        "booking.reschedule",
        "booking.accept",
        "manifest.create",
        "batch.unstore",
    ):
        assert step in steps, steps
    assert page.locator(".manifest-link").inner_text().endswith(number)
    verify_ledger(page, live)
    page.context.close()


def test_transporter_console(browser: Any, live: Live) -> None:
    producer = login(browser, live, "p3admin", **DESK)
    codes = register_and_store(producer, live, ["21.5", "22.5", "23.5"])
    wanted = book(producer, live, codes[:2])
    unwanted = book(producer, live, codes[2:])
    driver = login(browser, live, "driver", **DESK)
    # The inbox lists both; one is declined with a reason.
    driver.goto(live.url + "/bookings")
    inbox = driver.locator("#inbox")
    assert inbox.locator(f'tr[data-booking="{wanted}"]').count() == 1
    assert inbox.locator(f'tr[data-booking="{unwanted}"]').count() == 1
    shot(driver, "console-transporter-inbox")
    _click(driver, f'#inbox tr[data-booking="{unwanted}"] td a')
    driver.fill("#decline-form input[name=reason]", "当日车辆已满")
    _click(driver, "#decline-button")
    assert driver.locator("#booking-state").inner_text() == "已拒绝"
    accept(driver, live, wanted)
    number = make_manifest(producer, live, wanted, codes[:2])
    # Its manifests; loading by typing the codes; departure.
    load_and_depart(driver, live, number, codes[:2])
    shot(driver, "console-transporter-departed")
    driver.goto(live.url + "/manifests")
    row = driver.locator(f'#manifest-list tr[data-number="{number}"]')
    assert row.locator(".state").inner_text() == "运输中"
    assert "北京时间" in row.inner_text()
    # The warnings that concern it open from the menu.
    driver.goto(live.url + "/warnings")
    assert driver.locator("#warning-table").count() == 1
    verify_ledger(driver, live)
    steps = timeline(driver, live, codes[0])
    for step in ("booking.accept", "manifest.create", "batch.unstore", "batch.load"):
        assert step in steps, steps
    assert steps[-1] == "manifest.depart"
    driver.context.close()
    producer.context.close()


def test_receiver_console(browser: Any, live: Live) -> None:
    producer = login(browser, live, "p4admin", **DESK)
    codes = register_and_store(producer, live, ["31.5", "32.5"])
    booking_id = book(producer, live, codes)
    driver = login(browser, live, "driver", **DESK)
    accept(driver, live, booking_id)
    number = make_manifest(producer, live, booking_id, codes)
    load_and_depart(driver, live, number, codes)
    driver.context.close()
    receiver = login(browser, live, "receiver", **DESK)
    receiver.goto(live.url + "/manifests")
    _click(receiver, f'#manifest-list tr[data-number="{number}"] a')
    shot(receiver, "console-receiver-incoming")
    receive(receiver, live, number, codes[0], "31.45")
    receive(receiver, live, number, codes[1], "32.5", reject="包装破损渗漏")
    _click(receiver, "#confirm-button")
    assert receiver.locator("#manifest-state").inner_text() == "已接收", _error(receiver)
    finish(receiver, number, codes[0], "D10")
    assert receiver.locator("#manifest-state").inner_text() == "已办结"
    shot(receiver, "console-receiver-completed")
    lines = receiver.locator("#manifest-lines").inner_text()
    assert "31.450 kg" in lines and "包装破损渗漏" in lines
    verify_ledger(receiver, live)
    steps = timeline(receiver, live, codes[0])
    assert steps == [
        "batch.register",
        "batch.label",
        "batch.store",
        "booking.request",
        "booking.accept",
        "manifest.create",
        "batch.unstore",
        "batch.load",
        "manifest.depart",
        "batch.receive",
        "manifest.confirm",
        "batch.dispose",
        "manifest.complete",
    ], steps
    words = receiver.locator("#timeline").inner_text()
    assert "31.450 kg" in words and "D10 焚烧" in words and RECEIVER in words
    shot(receiver, "console-batch-page")
    receiver.goto(f"{live.url}/batches/{codes[0]}?lang=en")
    words = receiver.locator("#timeline").inner_text()
    assert "Disposed of" in words and "Beijing time" in words and "batch.dispose" not in words
    shot(receiver, "console-batch-page-en")
    receiver.goto(f"{live.url}/batches/{codes[0]}?lang=zh")
    receiver.context.close()
    producer.context.close()
