"""The park console in headless Chromium: what a park administrator and a producer may and may
not see, every page, the in-browser proof check, full verification, acknowledgement and the
language switch. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.pages.conftest import Live, login, shot

KINDS = [
    "storage_over_limit",
    "storage_near_limit",
    "room_over_capacity",
    "labelled_not_stored",
    "transfer_overdue",
    "discrepancy",
    "out_of_order",
    "weight_outlier",
    "contract_expiring",
    "contract_nearly_used",
]


def _ids(live: Live) -> dict[str, int]:
    status, ents = live.api("park", "/enterprises")
    assert status == 200
    names = {e["name"]: e["id"] for e in ents}
    return {"p1": names["苏南制药股份有限公司"], "p2": names["华东生物医药有限公司"]}


def _disposed_code(live: Live) -> str:
    status, page = live.api("park", "/batches?status=DISPOSED&limit=1")
    assert status == 200 and page["items"], page
    return str(page["items"][0]["code"])


def test_park_admin_sees_the_whole_park(browser: Any, live: Live) -> None:
    ids = _ids(live)
    page = login(browser, live, "park", viewport={"width": 1366, "height": 900})
    assert page.url.endswith("/map")
    plots = page.locator("svg.map a.plot")
    assert plots.count() >= 12  # 8 producers, transporter, 2 receivers, the park
    assert page.locator("svg.map a.plot-red").count() >= 1
    assert page.locator("#by-category td").count() >= 3
    shot(page, "park-map")
    # Click through to an enterprise's file.
    with page.expect_navigation():
        page.locator(f'svg.map a[data-enterprise="{ids["p1"]}"]').click()
    assert page.url.endswith(f"/enterprises/{ids['p1']}")
    for section in ("#profile", "#by-status", "#rooms", "#profiles", "#batches", "#ledger"):
        assert page.locator(section).count() == 1, section
    assert page.locator("#ledger table tbody tr").count() >= 5
    # Filters: state and waste code narrow the batch list.
    page.goto(f"{live.url}/enterprises/{ids['p1']}?status=DISPOSED")
    states = page.locator("#batches tbody tr td:nth-child(5)").all_inner_texts()
    assert states and set(states) == {"已处置"}
    shot(page, "park-enterprise-file")
    # Warnings: every kind is present in the demo park.
    page.goto(live.url + "/warnings")
    for kind in KINDS:
        count = page.locator(f'.chips a[data-kind="{kind}"] b').inner_text()
        assert int(count) >= 1, kind
    shot(page, "park-warnings")
    # Acknowledge one with a note: a ledger entry, shown as acknowledged.
    row = page.locator("#warning-table tr:has(form.ack)").first
    key = row.get_attribute("data-key")
    row.locator("input[name=note]").fill("已电话督办，三日内转运")
    with page.expect_navigation():
        row.locator("form.ack button").click()
    done = page.locator(f'#warning-table tr[data-key="{key}"]')
    assert "已电话督办" in done.inner_text()
    # Ledger: checkpoint, full verification from the button.
    page.goto(live.url + "/ledger")
    assert int(page.locator("#tree-size").inner_text()) > 100
    with page.expect_navigation():
        page.click("#verify-button")
    assert "验证通过" in page.locator("#verify-result").inner_text()
    shot(page, "park-ledger")
    # A disposed batch's proofs verify in the browser (WebCrypto) against the checkpoint.
    code = _disposed_code(live)
    page.goto(f"{live.url}/ledger/proof?code={code}")
    page.wait_for_function("document.getElementById('proof-summary').dataset.ok !== undefined")
    summary = page.locator("#proof-summary")
    assert summary.get_attribute("data-bad") == "0"
    assert int(summary.get_attribute("data-ok") or 0) >= 6
    assert page.locator("tr.proof.verified").count() == int(summary.get_attribute("data-ok") or 0)
    shot(page, "park-proof")
    # Charts: generated and disposed, by category and by enterprise.
    page.goto(live.url + "/charts")
    assert page.locator("svg.chart").count() == 4
    assert page.locator("svg.chart rect[fill]").count() > 20
    shot(page, "park-charts")
    page.goto(live.url + "/exports")
    assert page.locator("#export-table tbody tr").count() >= 11
    # English.
    page.goto(live.url + "/map?lang=en")
    assert "Park map" in page.locator("header nav").inner_text()
    page.goto(live.url + "/warnings")
    assert "Warnings" in page.locator("h1").inner_text()  # the cookie keeps the language
    shot(page, "park-warnings-en")
    page.context.close()


def test_producer_sees_only_its_own_file(browser: Any, live: Live) -> None:
    ids = _ids(live)
    page = login(browser, live, "p1admin", viewport={"width": 1024, "height": 768})  # a tablet
    assert page.url.endswith(f"/enterprises/{ids['p1']}")
    shot(page, "producer-file")
    resp = page.goto(f"{live.url}/enterprises/{ids['p2']}")
    assert resp is not None and resp.status == 404
    assert "单位不存在" in page.content()
    page.goto(live.url + "/map")
    assert page.locator("svg.map a.plot").count() == 1
    page.goto(live.url + "/warnings")
    names = {n for n in page.locator("#warning-table tbody td:nth-child(3)").all_inner_texts() if n}
    assert names <= {"苏南制药股份有限公司"}
    page.goto(live.url + "/exports")
    assert page.locator("#export-table tbody tr").count() == 1
    # Downloads: its own file, never another producer's.
    own = page.request.get(f"{live.url}/exports/batches.csv?enterprise_id={ids['p1']}")
    assert own.status == 200 and "识别码" in own.body().decode("utf-8-sig")
    other = page.request.get(f"{live.url}/exports/batches.csv?enterprise_id={ids['p2']}")
    assert other.status == 404
    pdf = page.request.get(f"{live.url}/exports/annual.pdf?enterprise_id={ids['p1']}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # Another producer's batch: no proof rows, and no entry about it on the ledger page.
    _status, other = live.api("p2admin", "/batches?limit=1")
    code = other["items"][0]["code"]
    page.goto(f"{live.url}/ledger/proof?code={code}")
    assert page.locator("tr.proof").count() == 0
    page.goto(live.url + "/ledger")
    assert code not in page.content()
    page.goto(live.url + "/enterprises")  # park list: a producer is sent to its own file
    assert page.url.endswith(f"/enterprises/{ids['p1']}")
    page.context.close()


def test_auditor_reads_but_cannot_acknowledge(browser: Any, live: Live) -> None:
    page = login(browser, live, "auditor")
    page.goto(live.url + "/warnings")
    assert page.locator("#warning-table tbody tr").count() > 5
    assert page.locator("form.ack").count() == 0
    page.context.close()


def test_login_and_csrf(browser: Any, live: Live) -> None:
    context = browser.new_context()
    page = context.new_page()
    resp = page.goto(live.url + "/warnings")
    assert "/login" in page.url and resp is not None
    page.fill("input[name=username]", "park")
    page.fill("input[name=password]", "wrong password")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator(".error").count() == 1
    # A POST without the session's CSRF token is refused, and nothing is acknowledged.
    page.fill("input[name=username]", "park")
    page.fill("input[name=password]", "hwtrace-demo")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    req = urllib.request.Request(
        live.url + "/warnings/ack",
        data=b"key=x&note=y&csrf=forged",
        headers={"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 400
    assert "CSRF" in err.value.read().decode()
    # Security headers on every page.
    resp = page.goto(live.url + "/map")
    assert resp is not None
    headers = resp.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    cookie = next(c for c in context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # Logout revokes the token: the old cookie no longer opens a page.
    with page.expect_navigation():
        page.click("header form button")
    req = urllib.request.Request(live.url + "/map", headers={"Cookie": cookies})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert re.search(r"/login", r.url)
    context.close()
