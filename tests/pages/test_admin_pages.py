"""The administrators' console pages, clicked and typed on a desktop screen: a producer's admin
adds a storage room, a user and that user's profile authorizations, and reserves codes; the park
administrator registers an enterprise with its permits (a validated form) and a user for it. Bad
input in each form is answered in the form and writes nothing; wrong roles get 403, other
enterprises 404, anonymous callers the login form."""

from __future__ import annotations

from typing import Any

from schemas.formats import uscc_check_char
from tests.pages.conftest import PASSWORD, Live, login, shot
from tests.pages.test_workflow_forms import Ledger
from tests.pages.test_workflows import DESK, verify_ledger


def _submit(page: Any, selector: str) -> int:
    with page.expect_navigation() as nav:
        page.click(selector)
    return int(nav.value.status)


def _refused(page: Any, ledger: Ledger, selector: str, text: str, rows: str) -> None:
    before, count = ledger.size(), page.locator(rows).count()
    assert _submit(page, selector) in (400, 409)
    assert text in page.locator("#form-error").inner_text()
    assert page.locator(rows).count() == count
    assert ledger.size() == before


def test_producer_admin_pages(browser: Any, live: Live) -> None:
    ledger = Ledger(browser, live)
    page = login(browser, live, "p6admin", **DESK)
    # A storage room: categories are ticked from the catalogue's.
    page.goto(live.url + "/rooms")
    page.fill("#room-form input[name=name]", "3号危废暂存间（实验室）")
    page.fill("#room-form input[name=capacity_kg]", "800")
    _refused(page, ledger, "#add-room", "废物类别", "#room-list tbody tr")
    page.fill("#room-form input[name=capacity_kg]", "八百")
    page.check('#room-categories input[value="HW49"]')
    _refused(page, ledger, "#add-room", "capacity_kg", "#room-list tbody tr")
    assert page.locator('#room-categories input[value="HW49"]').is_checked()
    page.fill("#room-form input[name=capacity_kg]", "800")
    assert _submit(page, "#add-room") == 200
    row = page.locator('#room-list tr[data-room="3号危废暂存间（实验室）"]')
    assert "HW49" in row.inner_text() and "800.000 kg" in row.inner_text()
    shot(page, "console-rooms")
    # A user: a short password and a taken username are refused in the form.
    page.goto(live.url + "/users")
    page.fill("#user-form input[name=username]", "p6clerk")
    page.fill("#user-form input[name=display_name]", "刘库管")
    page.fill("#user-form input[name=password]", "short")
    page.select_option("#user-form select[name=role]", value="operator")
    _refused(page, ledger, "#add-user", "密码", "#user-list tbody tr")
    page.fill("#user-form input[name=username]", "p6op")
    page.fill("#user-form input[name=password]", "a-long-enough-password")
    _refused(page, ledger, "#add-user", "用户名已被占用", "#user-list tbody tr")
    page.fill("#user-form input[name=username]", "p6clerk")
    page.fill("#user-form input[name=password]", "a-long-enough-password")
    assert _submit(page, "#add-user") == 200
    assert page.locator('#user-list tr[data-user="p6clerk"]').count() == 1
    # Its authorizations: one profile ticked, one ledger entry.
    before = ledger.size()
    with page.expect_navigation():
        page.click('#user-list tr[data-user="p6clerk"] a')
    page.locator("#auth-form input[name=profile_ids]").first.check()
    assert _submit(page, "#save-auth") == 200
    assert page.locator("#auth-form input[name=profile_ids]").first.is_checked()
    assert ledger.size() == before + 1
    shot(page, "console-authorizations")
    # Code reservations: a count out of bounds and no profile are refused; then 5 codes.
    page.goto(live.url + "/reservations")
    page.fill("#reserve-form input[name=count]", "5")
    _refused(page, ledger, "#reserve", "废物档案", "#reservation-list tbody tr")
    page.select_option("#reserve-form select[name=profile_id]", index=1)
    page.fill("#reserve-form input[name=count]", "0")
    _refused(page, ledger, "#reserve", "", "#reservation-list tbody tr")
    page.fill("#reserve-form input[name=count]", "5")
    assert _submit(page, "#reserve") == 200
    assert page.locator("#reserved li").count() == 5
    shot(page, "console-reservations")
    verify_ledger(page, live)
    page.context.close()
    ledger.page.context.close()


def test_park_admin_registers_an_enterprise(browser: Any, live: Live) -> None:
    ledger = Ledger(browser, live)
    page = login(browser, live, "park", **DESK)
    page.goto(live.url + "/enterprises")
    with page.expect_navigation():
        page.click("#new-enterprise")
    body = "91320500MA1XY0099"
    rows = "#enterprise-form input"  # the form itself stays; the count checks nothing vanished
    page.fill("input[name=uscc]", body + ("0" if uscc_check_char(body) != "0" else "1"))
    page.fill("input[name=name]", "江南危废处置中心")
    page.select_option("select[name=kind]", value="receiver")
    page.fill("input[name=operating_number]", "JS3205OOD009-1")
    page.fill("input[name=annual_capacity_t]", "3000")
    page.fill("textarea[name=operating_codes]", "900-041-49, 271-001-02")
    _refused(page, ledger, "#add-enterprise", "校验位", rows)
    page.fill("input[name=uscc]", body + uscc_check_char(body))
    page.fill("textarea[name=operating_codes]", "900-041-49 999-999-99")
    _refused(page, ledger, "#add-enterprise", "999-999-99", rows)
    page.fill("textarea[name=operating_codes]", "900-041-49, 271-001-02")
    page.fill("input[name=annual_capacity_t]", "-5")
    _refused(page, ledger, "#add-enterprise", "年许可经营规模", rows)
    page.fill("input[name=annual_capacity_t]", "3000")
    page.fill("input[name=operating_number]", "")
    _refused(page, ledger, "#add-enterprise", "许可证编号", rows)
    page.fill("input[name=operating_number]", "JS3205OOD009-1")
    shot(page, "console-enterprise-form")
    assert _submit(page, "#add-enterprise") == 200
    permits = page.locator("#permits").inner_text()
    assert "JS3205OOD009-1" in permits and "271-001-02, 900-041-49" in permits
    # A user for it, chosen by name.
    page.goto(live.url + "/users")
    page.select_option("#user-form select[name=enterprise_id]", label="江南危废处置中心")
    page.fill("#user-form input[name=username]", "jnadmin")
    page.fill("#user-form input[name=password]", "a-long-enough-password")
    page.select_option("#user-form select[name=role]", value="auditor")
    _refused(page, ledger, "#add-user", "角色与单位类型不符", "#user-list tbody tr")
    page.select_option("#user-form select[name=role]", value="admin")
    page.fill("#user-form input[name=password]", PASSWORD)  # never echoed back
    assert _submit(page, "#add-user") == 200
    assert "江南危废处置中心" in page.locator('#user-list tr[data-user="jnadmin"]').inner_text()
    # The new receiver can log in and sees its own file.
    receiver = login(browser, live, "jnadmin", **DESK)
    assert "江南危废处置中心" in receiver.locator("h1").inner_text()
    receiver.context.close()
    verify_ledger(page, live)
    page.context.close()
    ledger.page.context.close()


def test_admin_pages_authorization(browser: Any, live: Live) -> None:
    anon = browser.new_context()
    for path in [
        "/rooms",
        "/users",
        "/reservations",
        "/enterprises/new",
        "/users/1/authorizations",
    ]:
        resp = anon.request.get(live.url + path, max_redirects=0)
        assert resp.status == 302 and "/login" in resp.headers["location"], path
    anon.close()
    op = login(browser, live, "p6op", **DESK)
    assert op.request.get(live.url + "/users").status == 403
    assert op.request.get(live.url + "/enterprises/new").status == 403
    token = str(op.locator("input[name=csrf]").first.get_attribute("value"))
    form = {"csrf": token, "name": "x", "capacity_kg": "1", "categories": "HW49"}
    assert op.request.post(live.url + "/rooms", form=form).status == 403
    assert op.request.get(live.url + "/reservations").status == 200
    op.context.close()
    other = login(browser, live, "p1admin", **DESK)
    assert other.request.get(live.url + "/enterprises/new").status == 403
    # Another enterprise's user (1 is the park's), or none: not found.
    for path in ("/users/1/authorizations", "/users/999999/authorizations"):
        assert other.request.get(live.url + path).status == 404, path
    other.context.close()
    driver = login(browser, live, "driver", **DESK)
    assert driver.request.get(live.url + "/reservations").status == 403
    assert driver.request.get(live.url + "/users/1/authorizations").status == 403
    driver.context.close()
    auditor = login(browser, live, "auditor", **DESK)
    assert auditor.request.get(live.url + "/enterprises/new").status == 403
    assert auditor.request.get(live.url + "/users").status == 403
    assert auditor.request.get(live.url + "/rooms").status == 200
    auditor.context.close()
