"""The yearly management plan (HJ 1259-2022 A.1–A.7) in headless Chromium on the demo park: a
producer's administrator opens next year's draft prefilled from this year's ledger, edits it (a
reduction measure, a facility row added), saves, confirms (the content's SHA-256 in the ledger),
corrects it (a new version with a reason), downloads PDF and XLSX; who may read and change it."""

from __future__ import annotations

import datetime as dt
import io
import urllib.request
from typing import Any

from openpyxl import load_workbook

from hwtrace.domain.plans import TABLES
from tests.pages.conftest import Live, login, shot

WIDE = {"viewport": {"width": 1366, "height": 900}}
YEAR = dt.date.today().year + 1  # prefilled from this year, where the demo's batches are


def _cell(page: Any, tid: str, row: int, col: int) -> Any:
    return page.locator(f"form#plan-edit input[name='{tid}:{row}:{col}']")


def test_draft_edit_confirm_and_correct_a_plan(browser: Any, live: Live) -> None:
    page = login(browser, live, "p1admin", **WIDE)
    with page.expect_navigation():
        page.click("header nav a#nav-plans")
    year = page.locator("form#plan-year input[name=year]")
    year.fill(str(YEAR))
    with page.expect_navigation():
        page.locator("form#plan-year button").click()
    assert page.locator("#draft-state").get_attribute("data-saved") == "no"
    assert _cell(page, "A.1", 0, 1).input_value() == "苏南制药股份有限公司"
    a3 = page.locator("table[data-table='A.3'] tbody tr")
    generated = [_cell(page, "A.3", i, 11).input_value() for i in range(a3.count())]
    assert any(g and float(g) > 0 for g in generated), generated  # from this year's ledger
    # edit: a reduction measure, a facility row added in a blank row
    _cell(page, "A.6", 0, 6).fill("0.1")
    _cell(page, "A.6", 0, 8).fill("改用可重复使用的包装桶")
    blank = page.locator("table[data-table='A.2'] tbody tr").count() - 3
    _cell(page, "A.2", blank, 1).fill("一车间")
    _cell(page, "A.2", blank, 3).fill("反应釜")
    with page.expect_navigation():
        page.click("button#save-draft")
    assert page.locator("#draft-state").get_attribute("data-saved") == "yes"
    assert _cell(page, "A.6", 0, 8).input_value() == "改用可重复使用的包装桶"
    assert _cell(page, "A.2", blank, 1).input_value() == "一车间"
    assert _cell(page, "A.2", blank, 0).input_value() == str(blank + 1)  # numbered
    shot(page, "plan-draft")
    sha1 = page.locator("#plan-sha").inner_text()
    with page.expect_navigation():
        page.click("form#plan-confirm button")
    assert page.locator("#version-table tr[data-version='1']").count() == 1
    # a correction: edit, save, confirm with a reason
    _cell(page, "A.6", 0, 6).fill("0.2")
    with page.expect_navigation():
        page.click("button#save-draft")
    sha2 = page.locator("#plan-sha").inner_text()
    assert sha2 != sha1
    page.fill("form#plan-confirm input[name=reason]", "减量目标调整")
    with page.expect_navigation():
        page.click("form#plan-confirm button")
    v2 = page.locator("#version-table tr[data-version='2']")
    assert "减量目标调整" in v2.inner_text()
    shot(page, "plan-versions")
    # the files: version 1's PDF, the draft's XLSX with the standard's columns per table
    pdf = page.request.get(live.url + page.locator(
        "#version-table tr[data-version='1'] a.pdf").get_attribute("href"))  # fmt: skip
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    xlsx = page.request.get(live.url + page.locator("a#draft-xlsx").get_attribute("href"))
    wb = load_workbook(io.BytesIO(xlsx.body()))
    assert len(wb.sheetnames) == 7
    for ws, (tid, (_, headers)) in zip(wb.worksheets, TABLES.items(), strict=True):
        assert ws.title.startswith(tid)
        assert [c.value for c in ws[1]] == headers
    page.context.close()
    # the ledger fixed both contents
    status, rows = live.api("park", "/ledger/entries?type=plan.confirm&limit=1000")
    assert status == 200
    mine = [r["payload"] for r in rows if r["payload"]["year"] == YEAR]
    assert [(p["version"], p["content_sha256"]) for p in mine] == [(1, sha1), (2, sha2)]
    assert mine[1]["reason"] == "减量目标调整"


def test_who_reads_and_changes_a_plan(browser: Any, live: Live) -> None:
    # an operator reads its enterprise's plan and changes nothing
    op = login(browser, live, "p1op", **WIDE)
    op.goto(f"{live.url}/plans?year={YEAR}")
    assert op.locator("table[data-table='A.3']").count() == 1
    assert op.locator("form#plan-edit").count() == 0
    assert op.locator("form#plan-confirm").count() == 0
    token = op.locator("header form input[name=csrf]").input_value()
    r = op.request.post(f"{live.url}/plans/{YEAR}/draft", form={"csrf": token})
    assert r.status == 403
    op.context.close()
    # another producer's administrator: a stale review is refused, its own plan only
    p2 = login(browser, live, "p2admin", **WIDE)
    p2.goto(f"{live.url}/plans?year={YEAR}&enterprise_id=1")
    assert p2.locator("#version-table tr[data-version]").count() == 0  # its own, not p1's
    token = p2.locator("header form input[name=csrf]").input_value()
    r = p2.request.post(
        f"{live.url}/plans/{YEAR}/confirm", form={"csrf": token, "sha256": "0" * 64}
    )
    assert r.status == 409
    p2.context.close()
    # the park reads p1's plan with its versions, and changes nothing
    park = login(browser, live, "park", **WIDE)
    park.goto(f"{live.url}/plans?year={YEAR}")
    park.locator("form#plan-year select[name=enterprise_id]").select_option(
        label="苏南制药股份有限公司"
    )
    with park.expect_navigation():
        park.locator("form#plan-year button").click()
    assert park.locator("#version-table tr[data-version]").count() >= 2
    assert park.locator("form#plan-edit").count() == 0
    href = park.locator("#version-table tr[data-version='1'] a.xlsx").get_attribute("href")
    assert park.request.get(live.url + href).status == 200
    token = park.locator("header form input[name=csrf]").input_value()
    r = park.request.post(f"{live.url}/plans/{YEAR}/draft", form={"csrf": token})
    assert r.status == 403
    park.context.close()
    # a receiver makes no plan
    rc = login(browser, live, "receiver", **WIDE)
    token = rc.locator("header form input[name=csrf]").input_value()
    r = rc.request.post(f"{live.url}/plans/{YEAR}/draft", form={"csrf": token})
    assert r.status in (403, 409)
    assert rc.request.get(f"{live.url}/plans/{YEAR}.pdf").status == 409
    rc.context.close()
    for path in ("/plans", f"/plans/{YEAR}.pdf", f"/plans/{YEAR}.xlsx"):
        with urllib.request.urlopen(live.url + path) as resp:
            assert "/login" in resp.geturl(), path
