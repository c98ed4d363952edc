"""The handheld registration asks for the container volume (it decides the HJ 1276 label size):
the field is required, a form sent without it is answered with the question in place, and the
label printed after registration has the size the volume needs."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot

PHONE = {"viewport": {"width": 412, "height": 860}, "is_mobile": True, "has_touch": True}


def _fill(page: Any, weight: str) -> None:
    page.select_option("select[name=profile_id]", index=1)
    page.fill("input[name=weight_kg]", weight)


def test_register_asks_for_the_volume_and_sizes_the_label(browser: Any, live: Live) -> None:
    page = login(browser, live, "p1op", **PHONE)
    page.goto(live.url + "/m/register")
    _fill(page, "40")
    # The browser will not send the form without a volume...
    page.click("main button[type=submit]")
    assert page.evaluate("document.querySelector('#volume').validity.valueMissing")
    assert page.locator("#result").count() == 0
    # ...and a form sent anyway (an old page, a script) gets the question in place, no batch.
    page.evaluate("document.querySelector('#volume').removeAttribute('required')")
    before = live.api("park", "/ledger/checkpoint")[1]["tree_size"]
    with page.expect_navigation():
        page.click("main button[type=submit]")
    error = page.locator("#result.error")
    assert error.count() == 1 and "容器容积" in error.inner_text(), page.content()[-800:]
    assert "label.volume_required" in error.inner_text()
    assert live.api("park", "/ledger/checkpoint")[1]["tree_size"] == before
    shot(page, "mobile-register-volume-asked")
    # With 200 L the label is 150 x 150 mm (the PNG preview at 300 dpi: 1772 pixels a side).
    _fill(page, "40")
    page.fill("#volume", "200")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    code = page.locator("#new-code").inner_text().strip()
    page.wait_for_function("document.querySelector('#result img').complete")
    assert page.evaluate("document.querySelector('#result img').naturalWidth") == 1772
    assert live.api("p1op", f"/batches/{code}")[1]["container_volume_l"] == 200
    shot(page, "mobile-register-150mm")
