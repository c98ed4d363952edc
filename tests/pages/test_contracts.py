"""Contracts in the console, in headless Chromium on the demo park: a producer's administrator
registers a contract with its scanned document (a wrong term is shown next to the form), the
receiver's administrator confirms it, the producer terminates it; who sees which contracts and
who may act on them."""

from __future__ import annotations

import datetime as dt
import urllib.request
from typing import Any

from tests.factories import CONTRACT_PDF
from tests.pages.conftest import Live, login, shot

WIDE = {"viewport": {"width": 1366, "height": 900}}


def test_register_confirm_and_terminate_a_contract(browser: Any, live: Live) -> None:
    page = login(browser, live, "p3admin", **WIDE)
    with page.expect_navigation():
        page.click("header nav a[href='/contracts']")
    rows = page.locator("#contract-table tbody tr[data-status]")
    assert rows.count() == 4  # two years with the incinerator and the recycler
    assert page.locator("#contract-table tbody tr[data-status=CONFIRMED]").count() >= 2
    today = dt.date.today()
    form = page.locator("form#propose")
    form.locator("input[name=number]").fill("LY-UI-P3-09")
    form.locator("select[name=receiver_id]").select_option(label="绿源环保处置有限公司")
    form.locator("input[name=valid_from]").fill(today.isoformat())
    form.locator("input[name=valid_to]").fill((today - dt.timedelta(days=1)).isoformat())
    # The waste code through the catalogue picker: the beginning of the code, then the keyboard.
    form.locator("input[name=code0]").click()
    page.keyboard.type("900-041")
    page.wait_for_selector("form#propose .wc-list li[data-code='900-041-49']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert form.locator("input[name=code0]").input_value() == "900-041-49"
    form.locator("input[name=qty0]").fill("3.5")
    doc = {"name": "LY-UI-P3-09.pdf", "mimeType": "application/pdf", "buffer": CONTRACT_PDF}
    form.locator("input[name=document]").set_input_files(doc)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    err = page.locator("#propose-error")
    assert err.get_attribute("data-code") == "contract.invalid_term"
    assert "早于" in err.inner_text()
    assert page.locator("form#propose input[name=number]").input_value() == "LY-UI-P3-09"
    shot(page, "contracts-form-error")
    form = page.locator("form#propose")
    form.locator("input[name=valid_to]").fill((today + dt.timedelta(days=180)).isoformat())
    form.locator("input[name=document]").set_input_files(doc)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    row = page.locator("#contract-table tr[data-number='LY-UI-P3-09']")
    assert row.get_attribute("data-status") == "PROPOSED"
    assert "待接收单位确认" in row.inner_text()
    # The producer cannot confirm its own contract: no button.
    assert row.locator("button.confirm").count() == 0
    # The document downloads as uploaded.
    href = row.locator("a[href$='/document']").get_attribute("href")
    got = page.request.get(live.url + href)
    assert got.status == 200 and got.body() == CONTRACT_PDF
    page.context.close()

    recv = login(browser, live, "receiver", **WIDE)
    recv.goto(live.url + "/contracts")
    row = recv.locator("#contract-table tr[data-number='LY-UI-P3-09']")
    with recv.expect_navigation():
        row.locator("button.confirm").click()
    row = recv.locator("#contract-table tr[data-number='LY-UI-P3-09']")
    assert row.get_attribute("data-status") == "CONFIRMED"
    shot(recv, "contracts-receiver")
    recv.goto(live.url + "/contracts?lang=en")
    assert "confirmed" in recv.locator("#contract-table tr[data-number='LY-UI-P3-09']").inner_text()
    recv.goto(live.url + "/contracts?lang=zh")
    recv.context.close()

    page = login(browser, live, "p3admin", **WIDE)
    page.goto(live.url + "/contracts")
    row = page.locator("#contract-table tr[data-number='LY-UI-P3-09']")
    row.locator("form.terminate input[name=reason]").fill("合同条款调整，重新签订")
    with page.expect_navigation():
        row.locator("form.terminate button").click()
    row = page.locator("#contract-table tr[data-number='LY-UI-P3-09']")
    assert row.get_attribute("data-status") == "TERMINATED"
    assert "重新签订" in row.inner_text()
    page.context.close()


def _contract_id(live: Live, number: str) -> int:
    status, rows = live.api("park", "/contracts")
    assert status == 200
    return int(next(c["id"] for c in rows if c["number"] == number))


def test_who_sees_and_acts_on_contracts(browser: Any, live: Live) -> None:
    p1_first = _contract_id(live, "LY-1-P1-01")
    # The park and its auditor see every producer's contracts, with no forms.
    for who in ("park", "auditor"):
        page = login(browser, live, who, **WIDE)
        page.goto(live.url + "/contracts")
        assert page.locator("#contract-table tbody tr[data-status]").count() >= 32
        assert page.locator("form#propose").count() == 0
        assert page.locator("#contract-table form").count() == 0
        page.context.close()
    # Another producer sees only its own; p1's contract does not exist for it.
    page = login(browser, live, "p2admin", **WIDE)
    page.goto(live.url + "/contracts")
    numbers = page.locator("#contract-table tbody tr[data-status]").evaluate_all(
        "rs => rs.map(r => r.dataset.number)"
    )
    assert numbers and all("-P2-" in n for n in numbers), numbers
    r = page.request.get(f"{live.url}/contracts/{p1_first}/document")
    assert r.status == 404
    token = page.locator("form#propose input[name=csrf]").input_value()
    r = page.request.post(
        f"{live.url}/contracts/{p1_first}/terminate", form={"csrf": token, "reason": "x"}
    )
    assert r.status == 404
    page.context.close()
    # An operator sees its enterprise's contracts but registers none and ends none.
    page = login(browser, live, "p1op", **WIDE)
    page.goto(live.url + "/contracts")
    assert page.locator("#contract-table tr[data-number='LY-1-P1-01']").count() == 1
    assert page.locator("form#propose").count() == 0
    page.context.close()
    # Without a login: to the login form.
    for path in ("/contracts", f"/contracts/{p1_first}/document"):
        with urllib.request.urlopen(live.url + path) as resp:
            assert "/login" in resp.geturl(), path
