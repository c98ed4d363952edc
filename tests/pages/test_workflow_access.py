"""Who may open and post the console's workflow pages: anonymous callers are sent to the login
form, another producer gets 404 (existence is not leaked), the wrong party or role gets 403, and
park roles read everything but change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pages.conftest import Live, login
from tests.pages.test_workflows import DESK, accept, book, register_and_store


@pytest.fixture(scope="module")
def transfer(browser: Any, live: Live) -> dict[str, Any]:
    producer = login(browser, live, "p7admin", **DESK)
    codes = register_and_store(producer, live, ["18.5"])
    booking_id = book(producer, live, codes)
    driver = login(browser, live, "driver", **DESK)
    accept(driver, live, booking_id)
    driver.context.close()
    producer.goto(f"{live.url}/bookings/{booking_id}")
    with producer.expect_navigation():
        producer.click("#make-manifest")
    number = producer.url.rsplit("/", 1)[1]
    producer.context.close()
    return {"code": codes[0], "booking": booking_id, "number": number}


def _gets(t: dict[str, Any]) -> list[str]:
    return [
        f"/bookings/{t['booking']}",
        f"/manifests/{t['number']}",
        f"/manifests/{t['number']}.pdf",
        f"/batches/{t['code']}",
        f"/batches/{t['code']}/label.pdf",
    ]


def _posts(t: dict[str, Any]) -> dict[str, dict[str, str]]:
    n, b, c = t["number"], t["booking"], t["code"]
    return {
        f"/bookings/{b}/accept": {
            "vehicle_plate": "苏E3A621",
            "driver_user_id": "1",
            "driver_licence": "320500198801",
        },
        f"/bookings/{b}/cancel": {"reason": "x"},
        f"/bookings/{b}/manifest": {},
        f"/manifests/{n}/unstore": {"code": c},
        f"/manifests/{n}/load": {"code": c},
        f"/manifests/{n}/depart": {},
        f"/manifests/{n}/cancel": {"reason": "x"},
        f"/batches/{c}/void": {"reason": "x"},
        f"/batches/{c}/correct": {"reason": "x", "weight_kg": "1"},
        f"/batches/{c}/reprint": {"reason": "x"},
    }


def _csrf(page: Any) -> str:
    return str(page.locator("input[name=csrf]").first.get_attribute("value"))


def test_anonymous_is_sent_to_login(browser: Any, live: Live, transfer: dict[str, Any]) -> None:
    context = browser.new_context()
    page = context.new_page()
    for path in ["/bookings", "/bookings/new", "/manifests", *_gets(transfer)]:
        resp = page.request.get(live.url + path, max_redirects=0)
        assert resp.status == 302 and "/login" in resp.headers["location"], path
    for path, form in _posts(transfer).items():
        resp = page.request.post(live.url + path, form=form, max_redirects=0)
        assert resp.status == 302 and "/login" in resp.headers["location"], path
    context.close()


def test_other_producer_gets_404(browser: Any, live: Live, transfer: dict[str, Any]) -> None:
    page = login(browser, live, "p1admin", **DESK)
    for path in _gets(transfer):
        assert page.request.get(live.url + path).status == 404, path
    token = _csrf(page)
    for path, form in _posts(transfer).items():
        resp = page.request.post(live.url + path, form={**form, "csrf": token})
        assert resp.status == 404, (path, resp.status)
    # Its own lists do not show the other's booking or manifest.
    page.goto(live.url + "/bookings")
    assert page.locator(f'tr[data-booking="{transfer["booking"]}"]').count() == 0
    page.goto(live.url + "/manifests")
    assert page.locator(f'tr[data-number="{transfer["number"]}"]').count() == 0
    page.context.close()


def test_wrong_party_gets_403(browser: Any, live: Live, transfer: dict[str, Any]) -> None:
    n, b, c = transfer["number"], transfer["booking"], transfer["code"]
    driver = login(browser, live, "driver", **DESK)
    assert driver.request.get(live.url + "/bookings/new").status == 403
    token = _csrf(driver)
    for path, form in {
        f"/bookings/{b}/cancel": {"reason": "x"},
        f"/bookings/{b}/manifest": {},
        f"/manifests/{n}/unstore": {"code": c},
        f"/manifests/{n}/cancel": {"reason": "x"},
        f"/batches/{c}/void": {"reason": "x"},
        f"/batches/{c}/reprint": {"reason": "x"},
    }.items():
        resp = driver.request.post(live.url + path, form={**form, "csrf": token})
        assert resp.status == 403, (path, resp.status)
    driver.context.close()
    receiver = login(browser, live, "receiver", **DESK)
    token = _csrf(receiver)
    for path, form in {
        f"/bookings/{b}/accept": {
            "vehicle_plate": "苏E3A621",
            "driver_user_id": "1",
            "driver_licence": "320500198801",
        },
        f"/manifests/{n}/depart": {},
        f"/manifests/{n}/cancel": {"reason": "x"},
    }.items():
        resp = receiver.request.post(live.url + path, form={**form, "csrf": token})
        assert resp.status == 403, (path, resp.status)
    receiver.context.close()
    # A receiver the manifest is not sent to does not see it.
    recycler = login(browser, live, "recycler", **DESK)
    for path in _gets(transfer):
        assert recycler.request.get(live.url + path).status == 404, path
    recycler.context.close()


def test_park_roles_read_but_do_not_change(
    browser: Any, live: Live, transfer: dict[str, Any]
) -> None:
    for who in ("park", "auditor"):
        page = login(browser, live, who, **DESK)
        for path in ["/bookings", "/manifests", *_gets(transfer)]:
            assert page.request.get(live.url + path).status == 200, (who, path)
        assert page.request.get(live.url + "/bookings/new").status == 403
        token = _csrf(page)
        for path, form in _posts(transfer).items():
            resp = page.request.post(live.url + path, form={**form, "csrf": token})
            assert resp.status == 403, (who, path, resp.status)
        page.goto(f"{live.url}/batches/{transfer['code']}")
        assert page.locator("#batch-actions").count() == 0
        page.context.close()


def test_posts_need_the_csrf_token(browser: Any, live: Live, transfer: dict[str, Any]) -> None:
    page = login(browser, live, "p7admin", **DESK)
    resp = page.request.post(
        f"{live.url}/batches/{transfer['code']}/void", form={"reason": "x", "csrf": "forged"}
    )
    assert resp.status == 400 and "CSRF" in resp.text()
    page.goto(f"{live.url}/batches/{transfer['code']}")
    assert page.locator("#batch-state").inner_text() == "已入库"
    page.context.close()
