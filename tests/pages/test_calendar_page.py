"""The working-day calendar page (工作日历), clicked and typed by the park administrator on a
desktop screen: the shipped 2026 arrangement with its Spring Festival make-up days, a calendar
file for a later year imported through the form, a day listed and unlisted; a make-up working
day on a weekday is refused in the form and writes nothing; the auditor reads, producers get 403.
(部令第23号 第十八条, 第二十条: deadlines in working days.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflow_forms import Ledger
from tests.pages.test_workflows import DESK


def _submit(page: Any, selector: str) -> int:
    with page.expect_navigation() as nav:
        page.click(selector)
    return int(nav.value.status)


def test_park_admin_imports_and_edits_the_calendar(
    browser: Any, live: Live, tmp_path: Path
) -> None:
    ledger = Ledger(browser, live)
    page = login(browser, live, "park", **DESK)
    page.click("#nav-calendar")
    page.goto(live.url + "/calendar?year=2026")
    spring = page.locator('#calendar-days tr[data-day="2026-02-14"]')
    assert "调休上班" in spring.inner_text() and "春节" in spring.inner_text()
    assert "国务院办公厅" in page.locator("#calendar-source").inner_text()
    shot(page, "console-calendar-2026")

    # A year's arrangement from a file (a made-up 2031, so no real year is disturbed).
    sheet = tmp_path / "2031.csv"
    sheet.write_text(
        "date,kind,name,source\n2031-01-01,holiday,元旦,测试\n2031-01-04,workday,元旦,测试\n",
        encoding="utf-8",
    )
    page.goto(live.url + "/calendar?year=2031")
    page.set_input_files("#import-form input[name=file]", str(sheet))
    page.fill("#import-form input[name=source]", "园区测试安排")
    before = ledger.size()
    assert _submit(page, "#import-calendar") == 200
    assert ledger.size() == before + 1
    assert page.locator("#calendar-days tbody tr").count() == 2
    assert "园区测试安排" in page.locator("#calendar-source").inner_text()

    # One day by hand; a weekday cannot be a make-up working day.
    page.fill("#day-form input[name=day]", "2031-01-06")
    page.select_option("#day-form select[name=kind]", "workday")
    before = ledger.size()
    assert _submit(page, "#set-day") == 400
    assert "周六或周日" in page.locator("#form-error").inner_text()
    assert ledger.size() == before
    page.select_option("#day-form select[name=kind]", "holiday")
    page.fill("#day-form input[name=name]", "园区检修")
    assert _submit(page, "#set-day") == 200
    row = page.locator('#calendar-days tr[data-day="2031-01-06"]')
    assert "放假" in row.inner_text() and "园区检修" in row.inner_text()
    shot(page, "console-calendar-edited")
    assert _submit(page, '#calendar-days tr[data-day="2031-01-06"] button') == 200
    assert page.locator('#calendar-days tr[data-day="2031-01-06"]').count() == 0
    page.context.close()


def test_calendar_page_is_for_park_roles(browser: Any, live: Live) -> None:
    page = login(browser, live, "auditor", **DESK)
    page.goto(live.url + "/calendar?year=2026")
    assert page.locator('#calendar-days tr[data-day="2026-02-28"]').count() == 1
    assert page.locator("#day-form, #import-form").count() == 0
    page.context.close()
    page = login(browser, live, "p1admin", **DESK)
    assert page.locator("#nav-calendar").count() == 0
    r = page.goto(live.url + "/calendar")
    assert r is not None and r.status == 403
    page.context.close()
