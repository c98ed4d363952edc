"""The waste-code picker in headless Chromium: a producer's admin finds a code by an everyday
word, by the beginning of a code and by a category, picks it with the keyboard or the mouse and
saves a waste profile; an unknown code is answered under the field and writes nothing; without
JavaScript the field is a plain input that takes a code without hyphens; the catalogue page
lists a category; and both need a login."""

from __future__ import annotations

import urllib.request
from typing import Any

from tests.pages.conftest import Live, login, shot


def _ledger_size(live: Live) -> int:
    return int(live.api("park", "/ledger/checkpoint")[1]["tree_size"])


def _options(page: Any) -> list[str]:
    page.wait_for_selector(".wc-list li.wc-item")
    return [
        str(c)
        for c in page.locator(".wc-list li.wc-item").evaluate_all(
            "els => els.map(e => e.dataset.code)"
        )
    ]


def test_picker_finds_by_word_code_and_category(browser: Any, live: Live) -> None:
    page = login(browser, live, "p2admin", viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/profiles")
    assert page.locator("#picker-waste_code").count() == 1, page.content()[-3000:]
    field = page.locator("#picker-waste_code")
    # An everyday word: 废机油 is not in the catalogue's text; the synonym table finds 900-214-08.
    field.click()
    page.keyboard.type("废机油")
    codes = _options(page)
    assert codes[:2] == ["900-214-08", "900-249-08"], codes
    shot(page, "picker-word")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert field.input_value() == "900-249-08"
    assert "HW08" in page.locator(".wc-chosen").inner_text()
    # The catalogue's hazards are ticked for the new profile (900-249-08 is T,I).
    ticked = page.locator("input[name=hazards]:checked").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert ticked == ["T", "I"], ticked
    # The beginning of a code, then a click.
    field.fill("")
    page.keyboard.type("261-0")
    codes = _options(page)
    assert codes and all(c.startswith("261-0") for c in codes), codes
    page.locator(f'.wc-list li[data-code="{codes[2]}"]').click()
    assert field.input_value() == codes[2]
    # A category and an industry word narrow together.
    field.fill("")
    page.keyboard.type("HW49 实验室")
    codes = _options(page)
    assert codes[0] == "900-047-49", codes
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.fill("input[name=name]", "实验室废液")
    page.select_option("select[name=form]", label="液态")
    page.select_option("select[name=packaging]", label="桶")
    before = _ledger_size(live)
    with page.expect_navigation():
        page.click("#profile-form button[type=submit]")
    assert "900-047-49" in page.locator("#profile-created").inner_text()
    assert page.locator('#profile-table td:text-is("900-047-49")').count() == 1
    assert _ledger_size(live) == before + 1
    shot(page, "picker-saved")


def test_unknown_code_is_answered_in_the_form(browser: Any, live: Live) -> None:
    page = login(browser, live, "p2admin")
    page.goto(live.url + "/profiles?lang=en")
    page.fill("#picker-waste_code", "999-999-99")
    page.fill("input[name=name]", "nothing")
    before = _ledger_size(live)
    with page.expect_navigation():
        page.click("#profile-form button[type=submit]")
    err = page.locator("#picker-waste_code-error").inner_text()
    assert "999-999-99" in err and "national catalogue" in err, err
    assert page.locator("#picker-waste_code").get_attribute("aria-invalid") == "true"
    assert page.locator("#picker-waste_code").input_value() == "999-999-99"
    assert page.locator("input[name=name]").input_value() == "nothing"
    assert _ledger_size(live) == before
    shot(page, "picker-unknown-code")


def test_without_javascript_the_picker_is_a_plain_field(browser: Any, live: Live) -> None:
    page = login(browser, live, "p3admin", java_script_enabled=False)
    page.goto(live.url + "/profiles")
    page.fill("#picker-waste_code", "90004149")  # typed without hyphens
    page.fill("input[name=name]", "含油抹布")
    page.select_option("select[name=form]", label="固态")
    page.select_option("select[name=packaging]", label="袋")
    with page.expect_navigation():
        page.click("#profile-form button[type=submit]")
    assert "900-041-49" in page.locator("#profile-created").inner_text()
    # No hazards ticked: the profile takes the catalogue's (T/In).
    row = page.locator("#profile-table tr", has_text="含油抹布").inner_text()
    assert set(row.split("\t")[4].split(", ")) == {"T", "In"}, row
    # The catalogue page works as a plain form: a category lists all of its codes.
    page.goto(live.url + "/catalogue")
    page.select_option("select[name=category]", value="HW08")
    with page.expect_navigation():
        page.click("#catalogue-search button[type=submit]")
    assert page.locator("#catalogue-table tbody tr").count() == 32
    shot(page, "catalogue-hw08")


def test_picker_pages_need_a_login(live: Live) -> None:
    for path in ("/catalogue", "/catalogue/search?q=HW08", "/profiles"):
        req = urllib.request.Request(live.url + path)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            resp = opener.open(req, timeout=10)
            status, where = resp.status, resp.headers.get("Location", "")
        except urllib.error.HTTPError as e:
            status, where = e.code, e.headers.get("Location", "")
        assert status == 302 and "/login" in where, (path, status, where)


def test_operators_and_other_kinds_cannot_add_profiles(browser: Any, live: Live) -> None:
    for who in ("p1op", "driver"):
        page = login(browser, live, who)
        page.goto(live.url + "/profiles")
        assert page.locator("#profile-form").count() == 0
        page.context.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_permit_form_collects_codes_with_the_picker(browser: Any, live: Live) -> None:
    page = login(browser, live, "park", viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/enterprises/new")
    field = page.locator("#picker-operating-codes")
    for word, code in (("废矿物油", "900-249-08"), ("实验室废液", "900-047-49")):
        field.click()
        page.keyboard.type(word)
        page.wait_for_selector(f".wc-list li[data-code='{code}']")
        page.locator(f".wc-list li[data-code='{code}']").click()
        assert field.input_value() == ""  # cleared for the next one, and never submitted
    page.locator("#picker-operating-codes").click()
    page.keyboard.type("900-249-08")  # the same code again is not added twice
    page.wait_for_selector(".wc-list li[data-code='900-249-08']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("#operating-codes").input_value() == "900-249-08\n900-047-49"
    assert page.locator("form input#picker-operating-codes[name]").count() == 0
    shot(page, "picker-permit-codes")


def test_the_enterprise_file_filters_by_a_picked_code(browser: Any, live: Live) -> None:
    page = login(browser, live, "p1admin", viewport={"width": 1280, "height": 900})
    with page.expect_navigation():
        page.click("header nav a:text-is('企业档案')")
    field = page.locator("#batches #picker-waste_code")
    field.click()
    page.keyboard.type("废矿物油")
    page.wait_for_selector("#batches .wc-list li[data-code='900-249-08']")
    page.locator("#batches .wc-list li[data-code='900-249-08']").click()
    with page.expect_navigation():
        page.click("#batches form.filters button[type=submit]")
    assert "waste_code=900-249-08" in page.url
    cells = page.locator("#batches table tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and all("900-249-08" in c for c in cells), cells
