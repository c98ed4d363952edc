"""What reaches me, through the pages: a user chooses the events e-mailed to them; the
enterprise administrator reads its webhook's delivery log, sends a delivery again, disables
the webhook and enables it again."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_cases_pages import _raise_alarm


def test_a_user_chooses_emails_and_the_admin_replays_a_delivery(browser: Any, live: Live) -> None:
    status, hook = live.api(
        "p1admin",
        "/webhooks",
        "POST",
        {"url": "http://127.0.0.1:9/erp", "events": ["case.opened"], "secret": "s3cret"},
    )
    assert status == 201, hook
    _raise_alarm(live, "NS1")  # opens a case: one delivery to the webhook

    page = login(browser, live, "p1admin", viewport={"width": 1280, "height": 900})
    page.click("#nav-account")
    page.click("#to-notifications")
    page.fill("input[name=email]", "keeper@p1.example")
    page.check('input[name=events][value="case.opened"]')
    page.check('input[name=events][value="case.escalated"]')
    page.click("#prefs-save")
    assert "已保存" in page.inner_text(".flash")
    assert page.is_checked('input[name=events][value="case.escalated"]')
    status, prefs = live.api("p1admin", "/me/notifications")
    assert status == 200 and prefs["email"] == "keeper@p1.example", prefs
    assert prefs["email_events"] == ["case.escalated", "case.opened"]

    rows = page.locator(f"#hook-{hook['id']} tr[data-delivery]")
    assert rows.count() == 1 and "case.opened" in rows.first.inner_text()
    rows.first.locator("button.replay").click()
    assert "已重新投递" in page.inner_text(".flash")
    assert page.locator(f"#hook-{hook['id']} tr[data-delivery]").count() == 2
    shot(page, "notification-settings")
    # the admin disables the webhook, then enables it again (as after repeated failures)
    section = f"#hook-{hook['id']}"
    with page.expect_navigation():
        page.click(f"{section} button.toggle-hook")
    assert "已停用" in page.inner_text(".flash")
    assert page.get_attribute(section, "data-active") == "no"
    with page.expect_navigation():
        page.click(f"{section} button.toggle-hook")
    assert "已重新启用" in page.inner_text(".flash")
    assert page.get_attribute(section, "data-active") == "yes"
    status, hooks = live.api("p1admin", "/webhooks")
    assert [h["active"] for h in hooks if h["id"] == hook["id"]] == [True], hooks
    page.context.close()

    # another user's choices are their own; an operator has no webhooks to see
    page = login(browser, live, "p1op", viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/account/notifications")
    assert page.input_value("input[name=email]") == ""
    assert page.locator("section[id^=hook-]").count() == 0
    page.context.close()
