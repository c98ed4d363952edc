"""Cross-province transfer approvals in the console, in headless Chromium on the demo park
(部令第23号 第二十一–二十八条): a producer's booking to the receiver in Zhejiang is refused
without an approval; its administrator enters one (a validity of more than 12 months is shown
next to the form first); the same booking is then accepted and its page names the approval,
whose used and remaining weight the approvals page shows.

Screenshots go to test-artifacts/screenshots/ (approvals-*.png)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import TRANSPORTER, _click, _error, register_and_store

DESK = {"viewport": {"width": 1366, "height": 900}}
CROSS = "浙江海岚危废处置有限公司"


def _book(page: Any, live: Live, code: str) -> None:
    page.goto(live.url + "/bookings/new")
    page.check(f'input[name=codes][value="{code}"]')
    page.select_option("select[name=transporter_id]", label=TRANSPORTER)
    option = page.locator("#receiver option", has_text=CROSS)
    assert "外省" in option.inner_text()
    page.select_option("select[name=receiver_id]", value=option.get_attribute("value"))
    page.select_option("select[name=planned_method]", value="D10")
    _click(page, "#submit-booking")


def test_enter_an_approval_then_book_across_provinces(browser: Any, live: Live) -> None:
    page = login(browser, live, "p2admin", **DESK)
    (code,) = register_and_store(page, live, ["20"])
    status, batch = live.api("p2admin", f"/batches/{code}")
    assert status == 200, batch
    waste_code = batch["waste_code"]
    # No approval: the booking is refused in place, with the articles and the remedy.
    _book(page, live, code)
    error = _error(page)
    assert "跨省转移" in error and "第二十一至二十八条" in error, error
    shot(page, "approvals-booking-refused")

    with page.expect_navigation():
        page.click("#nav-approvals")
    form = page.locator("form#enter")
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    form.locator("input[name=number]").fill("苏环危转〔UI〕0456号")
    form.locator("input[name=authority]").fill("江苏省生态环境厅")
    form.locator("select[name=receiver_id]").select_option(label=CROSS)
    form.locator("select[name=method]").select_option(value="D10")
    form.locator("input[name=valid_from]").fill(today.isoformat())
    form.locator("input[name=valid_to]").fill((today + dt.timedelta(days=400)).isoformat())
    form.locator("input[name=code0]").click()
    page.keyboard.type(waste_code[:7])
    page.wait_for_selector(f"form#enter .wc-list li[data-code='{waste_code}']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert form.locator("input[name=code0]").input_value() == waste_code
    form.locator("input[name=qty0]").fill("1")
    _click(page, "#enter-approval")
    err = page.locator("#enter-error")
    assert err.get_attribute("data-code") == "approval.validity_too_long"
    assert "十二个月" in err.inner_text()
    assert page.locator("form#enter input[name=number]").input_value() == "苏环危转〔UI〕0456号"
    shot(page, "approvals-form-error")
    page.locator("form#enter input[name=valid_to]").fill(
        (today + dt.timedelta(days=300)).isoformat()
    )
    _click(page, "#enter-approval")
    row = page.locator("#approval-table tr[data-number='苏环危转〔UI〕0456号']")
    assert row.count() == 1, page.locator("main").inner_text()[:500]
    line = row.locator(f".line[data-code='{waste_code}']")
    assert line.locator(".remaining").inner_text() == "1.000"

    # The same booking is now accepted and names the approval that covers it.
    _book(page, live, code)
    assert page.locator("#booking-state").inner_text() == "待承运确认", _error(page)
    assert "苏环危转〔UI〕0456号" in page.locator("#booking-approval").inner_text()
    shot(page, "approvals-booking-covered")
    page.goto(live.url + "/approvals")
    line = page.locator(
        f"#approval-table tr[data-number='苏环危转〔UI〕0456号'] .line[data-code='{waste_code}']"
    )
    assert line.locator(".used").inner_text() == "0.020"
    assert line.locator(".remaining").inner_text() == "0.980"
    shot(page, "approvals-list")
    page.goto(live.url + "/approvals?lang=en")
    assert "Cross-province approvals" in page.locator("h1").inner_text()
    page.goto(live.url + "/approvals?lang=zh")
    page.context.close()

    # The park sees every producer's approvals (the demo's of p1 too) and enters none for
    # itself without naming the producer; another producer sees none of p2's.
    park = login(browser, live, "park", **DESK)
    park.goto(live.url + "/approvals")
    assert park.locator("#approval-table tr[data-number='苏环危转〔UI〕0456号']").count() == 1
    assert park.locator("#approval-table tbody tr[data-number]").count() >= 2
    assert park.locator("form#enter select[name=producer_id]").count() == 1
    park.context.close()
    other = login(browser, live, "p3admin", **DESK)
    other.goto(live.url + "/approvals")
    assert other.locator("#approval-table tr[data-number='苏环危转〔UI〕0456号']").count() == 0
    other.context.close()
