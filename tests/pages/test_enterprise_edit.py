"""The park administrator records a renewed operating permit in the console, in headless
Chromium on the demo park: from the receiver's file, the change form opens prefilled; saved
without a reason it is refused in place with what was typed kept; with one, the file shows the
new permit and its validity, and the ledger has the change with the previous permit.

Screenshots go to test-artifacts/screenshots/ (enterprise-edit-*.png)."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import _click, _error, _flash

DESK = {"viewport": {"width": 1366, "height": 900}}
CROSS = "浙江海岚危废处置有限公司"
UNTIL = "2099-12-31"


def test_the_park_records_a_renewed_permit(browser: Any, live: Live) -> None:
    status, rows = live.api("park", "/enterprises?kind=receiver")
    assert status == 200, rows
    [rx] = [e for e in rows if e["name"] == CROSS]
    page = login(browser, live, "park", **DESK)
    page.goto(f"{live.url}/enterprises/{rx['id']}")
    _click(page, "#edit-enterprise")
    form = page.locator("form#enterprise-edit")
    old_number = form.locator("input[name=operating_number]").input_value()
    assert old_number and form.locator("#province").input_value() == "33"
    new_number = old_number + "-2"
    form.locator("input[name=operating_number]").fill(new_number)
    form.locator("input[name=operating_valid_until]").fill(UNTIL)
    _click(page, "#save-enterprise")
    assert "原因" in _error(page), _error(page)
    assert form.locator("input[name=operating_number]").input_value() == new_number
    shot(page, "enterprise-edit-refused")
    form.locator("#reason").fill("经营许可证换发（延续）")
    _click(page, "#save-enterprise")
    assert "已变更" in _flash(page), _flash(page)
    assert page.locator("#operating-valid-until").inner_text() == UNTIL
    assert new_number in page.locator("#permits").inner_text()
    shot(page, "enterprise-edit-saved")
    status, entries = live.api("park", f"/ledger/entries?subject={rx['uscc']}&limit=50")
    assert status == 200, entries
    [change] = [e for e in entries if e["type"] == "enterprise.update"][-1:]
    assert change["payload"]["previous_permits"]["operating"]["number"] == old_number
    assert change["payload"]["reason"] == "经营许可证换发（延续）"
    # in English the province reads in English
    page.goto(f"{live.url}/enterprises/{rx['id']}?lang=en")
    assert page.locator("#province").inner_text() == "33 Zhejiang"
    page.context.close()
