"""A mismatch at receipt in the console, clicked and typed (《危险废物转移管理办法》第十八条第二款):
the receiver weighs one batch far off its manifest and finds another's packaging not as
declared; the manifest page lists both for every party; the receiver opens the receipt page,
is refused a decision without a reason (shown in the form), decides each batch, and downloads
the report (PDF with the article and its SHA-256, CSV); the producer sees the mismatch in its
to-do list and may not open the report.

Screenshots: test-artifacts/screenshots/receipt-*.png."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import (
    DESK,
    _click,
    _error,
    _flash,
    accept,
    book,
    load_and_depart,
    make_manifest,
    register_and_store,
)


def test_art18_2_receiver_decides_each_batch_and_downloads_the_report(
    browser: Any, live: Live
) -> None:
    producer = login(browser, live, "p8admin", **DESK)
    codes = register_and_store(producer, live, ["40", "41"])
    booking_id = book(producer, live, codes)
    driver = login(browser, live, "driver", **DESK)
    accept(driver, live, booking_id)
    number = make_manifest(producer, live, booking_id, codes)
    load_and_depart(driver, live, number, codes)
    driver.context.close()

    receiver = login(browser, live, "receiver", **DESK)
    receiver.goto(f"{live.url}/manifests/{number}")
    heavy, torn = codes
    row = receiver.locator(f'tr[data-code="{heavy}"]')
    row.locator("input[name=weight_kg]").fill("46.5")
    with receiver.expect_navigation():
        row.locator('button[value="accept"]').click()
    assert heavy in _flash(receiver), _error(receiver)
    row = receiver.locator(f'tr[data-code="{torn}"]')
    row.locator("input[name=weight_kg]").fill("41")
    row.locator("details.mismatch summary").click()
    row.locator('input[name=mismatch][value="packaging"]').check()
    row.locator("input[name=mismatch_note]").fill("包装桶破损")
    with receiver.expect_navigation():
        row.locator('button[value="accept"]').click()
    assert torn in _flash(receiver), _error(receiver)
    found = receiver.locator("#manifest-mismatches").inner_text()
    assert heavy in found and "重量差异" in found and "包装方式" in found and "包装桶破损" in found
    shot(receiver, "receipt-manifest-mismatches")
    _click(receiver, "#receipt-link")
    assert receiver.locator("#receipt-article").inner_text().endswith("第十八条第二款")
    assert receiver.locator("form.decide").count() == 2
    # no reason: refused in the form, nothing recorded
    form = receiver.locator(f'tr[data-code="{heavy}"] form.decide')
    form.locator('input[value="accept_measured"]').check()
    with receiver.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "理由" in _error(receiver)
    assert receiver.locator("form.decide").count() == 2
    form = receiver.locator(f'tr[data-code="{heavy}"] form.decide')
    form.locator('input[value="accept_measured"]').check()
    form.locator("input[name=reason]").fill("磅差经复核，以实测为准")
    with receiver.expect_navigation():
        form.locator("button[type=submit]").click()
    assert heavy in _flash(receiver), _error(receiver)
    form = receiver.locator(f'tr[data-code="{torn}"] form.decide')
    form.locator('input[value="reject_return"]').check()
    form.locator("input[name=reason]").fill("包装破损，退回移出人")
    with receiver.expect_navigation():
        form.locator("button[type=submit]").click()
    assert torn in _flash(receiver), _error(receiver)
    cells = receiver.locator("#receipt-rows td.decision").all_inner_texts()
    assert any("按实测量接收" in c and "46.5" in c for c in cells), cells
    assert any("拒收退回" in c and "包装破损，退回移出人" in c for c in cells), cells
    assert "北京时间" in receiver.locator("#receipt-rows thead").inner_text()
    shot(receiver, "receipt-decided")
    pdf = receiver.request.get(live.url + receiver.locator("#report-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    got = receiver.request.get(live.url + receiver.locator("#report-csv").get_attribute("href"))
    text = got.body().decode("utf-8-sig")
    assert heavy in text and "按实测量接收" in text and "第十八条第二款" in text
    receiver.goto(f"{live.url}/manifests/{number}/receipt?lang=en")
    assert "Not as declared at receipt" in receiver.locator("h1").inner_text()
    assert "refused and returned" in receiver.locator("#receipt-rows").inner_text()
    shot(receiver, "receipt-decided-en")
    receiver.context.close()

    # the producer was told: its to-do links to the manifest; the report is not its to read
    producer.goto(live.url + "/inbox")
    todo = producer.locator(f'#todo li[data-kind="mismatch"][data-ref="{number}"]')
    assert "接收核对不符" in todo.inner_text()
    with producer.expect_navigation():
        todo.locator("a").click()
    assert torn in producer.locator("#manifest-mismatches").inner_text()
    assert producer.locator("#receipt-link").count() == 0
    r = producer.request.get(f"{live.url}/manifests/{number}/receipt")
    assert r.status == 403
    shot(producer, "receipt-producer-manifest")
    producer.context.close()
