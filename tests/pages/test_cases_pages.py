"""A room alarm's case walked through the pages like people do: the storage keeper finds it in
the handheld's to-do list (phone viewport), handles it with a note and a photo; the park
administrator finds it in the console's cases, verifies and closes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hwtrace.domain import monitoring as M
from tests.pages.conftest import Live, login, shot

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _raise_alarm(live: Live, code: str) -> int:
    """A power cut in a new room of p1admin's, through the monitoring use case on the server's
    database (the MQTT path itself is tested in tests/monitoring)."""
    from hwtrace.app import create_app
    from hwtrace.services import monitoring

    status, made = live.api(
        "p1admin",
        "/storage-rooms",
        "POST",
        {"name": f"监测库 {code}", "capacity_kg": "1000", "allowed_categories": ["HW49"]},
    )
    assert status == 201, made
    room = made["id"]
    status, body = live.api(
        "p1admin", f"/storage-rooms/{room}/monitoring", "PUT", {"code": code, "rules": {}}
    )
    assert status == 200, body
    env = live.env
    app = create_app(
        {
            "DATABASE_URL": env["HWTRACE_DATABASE_URL"],
            "LEDGER_KEY_FILE": env["HWTRACE_LEDGER_KEY_FILE"],
            "SECRET_KEY": "test",
            "PARK_CODE": env.get("HWTRACE_PARK_CODE", "DEMO"),
        }
    )
    try:
        ctx = app.extensions["hwtrace"]
        kind = M.SensorKind.POWER
        topic = M.Topic(ctx.settings.park_code, code, kind)
        changes = monitoring.ingest(ctx, topic, M.Reading(kind, dt.datetime.now(dt.UTC), "off"))
        assert changes == ["+power:power_off"], changes
    finally:
        app.extensions["hwtrace"].db.dispose()
    status, alarms = live.api("p1admin", f"/storage-rooms/{room}/alarms")
    assert status == 200, alarms
    return int(alarms[-1]["case_id"])


def test_a_case_handled_on_the_phone_and_closed_in_the_console(
    browser: Any, live: Live, tmp_path: Path
) -> None:
    case = _raise_alarm(live, "PW1")
    photo = tmp_path / "breaker.png"
    photo.write_bytes(PNG)

    page = login(browser, live, "p1op", **PHONE)
    page.goto(live.url + "/m/")
    page.click("#m-inbox")
    item = page.locator(f'#todo li[data-kind="case"][data-ref="{case}"]')
    assert "断电" in item.inner_text()
    item.locator("a").click()
    page.fill("textarea[name=note]", "断路器跳闸，已复位，电源恢复")
    page.set_input_files("input[name=evidence]", str(photo))
    shot(page, "case-handle-phone")
    page.click("#handle")
    page.wait_for_selector('#case-status[data-status="handled"]')
    assert "断路器跳闸" in page.inner_text("#case-note")
    shot(page, "case-handled-phone")
    page.context.close()

    page = login(browser, live, "park", viewport={"width": 1366, "height": 900})
    page.click("#nav-inbox")
    page.locator(f'#todo li[data-kind="case"][data-ref="{case}"] a').click()
    page.fill("#verify-form input[name=note]", "现场照片清楚，同意办结")
    page.click("#verify")
    page.wait_for_selector('#case-status[data-status="closed"]')
    page.click("#nav-cases")
    page.click("#status-closed")
    assert page.locator(f'#case-list tr[data-case="{case}"]').count() == 1
    took = page.inner_text(f'#case-list tr[data-case="{case}"] td.took')
    assert float(took) >= 0  # how long this one took, opened to closed
    assert page.locator("#case-summary").count() == 1
    shot(page, "cases-park-console")
    page.context.close()


def test_a_case_without_evidence_is_refused_in_the_form(browser: Any, live: Live) -> None:
    case = _raise_alarm(live, "PW2")
    page = login(browser, live, "p1admin", viewport={"width": 1280, "height": 900})
    page.goto(live.url + f"/cases/{case}")
    page.fill("textarea[name=note]", "只写了说明")
    # the browser would refuse an empty required file; the server refuses it too
    page.eval_on_selector("input[name=evidence]", "e => e.removeAttribute('required')")
    page.click("#handle")
    assert "证据" in page.inner_text("#form-error")
    assert page.get_attribute("#case-status", "data-status") == "assigned"
    page.context.close()


def _power(live: Live, code: str, value: str) -> list[str]:
    """A power reading of room ``code`` through the monitoring use case on the server's
    database."""
    from hwtrace.app import create_app
    from hwtrace.services import monitoring

    env = live.env
    app = create_app(
        {
            "DATABASE_URL": env["HWTRACE_DATABASE_URL"],
            "LEDGER_KEY_FILE": env["HWTRACE_LEDGER_KEY_FILE"],
            "SECRET_KEY": "test",
            "PARK_CODE": env.get("HWTRACE_PARK_CODE", "DEMO"),
        }
    )
    try:
        ctx = app.extensions["hwtrace"]
        kind = M.SensorKind.POWER
        topic = M.Topic(ctx.settings.park_code, code, kind)
        at = dt.datetime.now(dt.UTC)
        return list(monitoring.ingest(ctx, topic, M.Reading(kind, at, value)))
    finally:
        app.extensions["hwtrace"].db.dispose()


def test_the_park_sweeps_warnings_into_cases_and_a_cleared_case_says_so(
    browser: Any, live: Live
) -> None:
    page = login(browser, live, "park", viewport={"width": 1366, "height": 900})
    page.click("#nav-cases")
    page.click("#sweep")
    assert "巡检完成" in page.inner_text(".flash")
    status, warnings = live.api("park", "/warnings")
    assert status == 200, warnings
    status, cases = live.api("park", "/cases?status=open")
    assert status == 200, cases
    keys = {c["warning_key"] for c in cases}
    listed = [w for w in warnings["items"] if w["key"] not in keys]
    assert listed == [], listed[:3]  # every current warning has its case
    page.click("#status-all")
    shot(page, "cases-swept-console")
    page.context.close()

    # the power comes back: the case says the condition is gone and still waits for handling
    case = _raise_alarm(live, "PW3")
    assert _power(live, "PW3", "on") == ["-power:power_off"]
    page = login(browser, live, "p1op", **PHONE)
    page.goto(live.url + f"/m/cases/{case}")
    assert "已消除" in page.inner_text("#case-cleared")
    assert page.get_attribute("#case-status", "data-status") == "assigned"
    shot(page, "case-cleared-phone")
    page.context.close()
