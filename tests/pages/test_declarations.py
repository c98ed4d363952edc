"""Declarations in the console, in headless Chromium on the demo park: the park sees who is late
and sets a management class; a late producer reviews and declares; a producer corrects a declared
month (a reason is asked for in place first); who sees what."""

from __future__ import annotations

import urllib.request
from typing import Any

from tests.pages.conftest import Live, login, shot

WIDE = {"viewport": {"width": 1366, "height": 900}}


def test_park_sees_who_is_late_and_sets_classes(browser: Any, live: Live) -> None:
    page = login(browser, live, "park", **WIDE)
    with page.expect_navigation():
        page.click("header nav a[href='/declarations']")
    late = page.locator("#due-table tr[data-late=yes]")
    assert late.count() >= 1
    assert "长江精细化工有限公司" in late.first.inner_text()
    assert page.locator("#due-table tr[data-version='0']").count() >= 1
    assert page.locator("#submit-form").count() == 0
    shot(page, "declarations-park")
    row = page.locator("#class-table tr", has_text="海森生物技术有限公司")
    assert "登记管理" in row.inner_text()
    row.locator("select[name=management_class]").select_option("simplified")
    with page.expect_navigation():
        row.locator("button").click()
    row = page.locator("#class-table tr", has_text="海森生物技术有限公司")
    assert "简化管理" in row.inner_text()
    page.context.close()


def test_a_late_producer_declares_and_another_corrects(browser: Any, live: Live) -> None:
    page = login(browser, live, "p3admin", **WIDE)
    page.goto(live.url + "/declarations")
    late = page.locator("#due-table tr[data-late=yes][data-version='0']").first
    period = late.get_attribute("data-period")
    with page.expect_navigation():
        late.locator("a").click()
    assert page.locator("#report-table thead th").count() == 23
    assert page.locator("#report-table thead th").nth(19).inner_text() == "上月底剩余贮存量"
    pdf = page.request.get(live.url + page.locator("#report a.pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"
    xlsx = page.request.get(live.url + page.locator("#report a.xlsx").get_attribute("href"))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    with page.expect_navigation():
        page.click("#submit-form button")
    row = page.locator(f"#due-table tr[data-period='{period}']")
    assert row.get_attribute("data-version") == "1" and "逾期申报" in row.inner_text()
    hist = page.locator(f"#history-table tr[data-period='{period}']")
    assert hist.count() == 1
    pdf = page.request.get(live.url + hist.locator("a[href*='.pdf']").get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"
    shot(page, "declarations-late-declared")
    page.context.close()

    page = login(browser, live, "p1admin", **WIDE)
    page.goto(live.url + "/declarations")
    done = page.locator("#due-table tr[data-version='1']").first
    period = done.get_attribute("data-period")
    with page.expect_navigation():
        done.locator("a").click()
    with page.expect_navigation():
        page.click("#submit-form button")  # a correction without a reason
    err = page.locator("#declaration-error")
    assert err.get_attribute("data-code") == "declaration.reason_required"
    page.goto(f"{live.url}/declarations?period={period}")
    page.fill("#submit-form input[name=reason]", "补录一桶漏登记的废包装物")
    with page.expect_navigation():
        page.click("#submit-form button")
    versions = page.locator(f"#history-table tr[data-period='{period}']")
    assert versions.count() == 2
    assert "补录" in versions.first.inner_text()
    page.context.close()


def test_who_sees_declarations(browser: Any, live: Live) -> None:
    page = login(browser, live, "p2op", **WIDE)
    page.goto(live.url + "/declarations")
    assert page.locator("#due-table tbody tr[data-period]").count() >= 1
    assert page.locator("#class-table").count() == 0
    page.goto(live.url + "/declarations?period=2025-01")
    assert page.locator("#submit-form").count() == 0  # an operator reviews, never declares
    token = page.locator("header form input[name=csrf]").input_value()
    r = page.request.post(
        live.url + "/declarations/class",
        form={"csrf": token, "enterprise_id": "1", "management_class": "key"},
    )
    assert r.status == 403
    page.context.close()
    page = login(browser, live, "driver", **WIDE)
    page.goto(live.url + "/declarations")
    assert page.locator("#due-table tbody tr[data-period]").count() == 0
    assert page.request.get(live.url + "/declarations/2025-01.pdf").status == 409
    page.context.close()
    with urllib.request.urlopen(live.url + "/declarations") as resp:
        assert "/login" in resp.geturl()
