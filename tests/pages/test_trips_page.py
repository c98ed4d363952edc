"""Trips (车次, 部令第23号 第十六条) clicked through: a producer's manager ticks batches of two
kinds and chooses one manifest per kind on the booking form; the transporter's dispatcher opens
its trips (a vehicle on a day, the manifests it carries and how many 移出人) and a manifest from
there; the driver sees today's trips on the phone. Producers and receivers have no trip pages."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import Live, login, shot
from tests.pages.test_workflows import DESK, TRANSPORTER

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _candidates(page: Any) -> list[tuple[str, dict[str, str]]]:
    """Receivers, each with a stored batch of each of two kinds in its permit."""
    boxes = page.locator("#stored-batches input[name=codes]")
    found = [
        (boxes.nth(i).get_attribute("data-waste") or "", boxes.nth(i).get_attribute("value") or "")
        for i in range(boxes.count())
    ]
    out = []
    options = page.locator("#receiver option[data-codes]")
    for k in range(options.count()):
        allowed = set((options.nth(k).get_attribute("data-codes") or "").split())
        picked: dict[str, str] = {}
        for waste, code in found:
            if waste in allowed:
                picked.setdefault(waste, code)
        kinds = sorted(picked)
        for i in range(len(kinds)):
            for j in range(i + 1, len(kinds)):
                pair = {w: picked[w] for w in (kinds[i], kinds[j])}
                out.append((options.nth(k).get_attribute("value") or "", pair))
    return out


def _book_per_kind(page: Any, live: Live, receiver: str, picked: dict[str, str]) -> str:
    """Fill and send the booking form; return the form's refusal, empty when it was taken."""
    page.goto(live.url + "/bookings/new")
    for code in picked.values():
        page.check(f'input[name=codes][value="{code}"]')
    page.check("#per-kind")
    page.select_option("select[name=transporter_id]", label=TRANSPORTER)
    page.select_option("select[name=receiver_id]", value=receiver)
    page.select_option("select[name=planned_method]", value="D10")
    _click(page, "#submit-booking")
    error = page.locator("#form-error")
    return str(error.inner_text()) if error.count() else ""


def test_producer_books_one_manifest_per_kind(browser: Any, live: Live) -> None:
    """The demo's contracts decide which pairs of kinds a receiver takes from a producer: the
    form is tried pair by pair (a refused form writes nothing) until one is taken."""
    refusals = []
    for who in ("p4admin", "p5admin", "p3admin", "p6admin", "p7admin", "p8admin"):
        page = login(browser, live, who, **DESK)
        page.goto(live.url + "/bookings/new")
        for receiver, picked in _candidates(page)[:6]:
            refused = _book_per_kind(page, live, receiver, picked)
            if not refused:
                assert "已按废物种类提交 2 个预约" in page.locator(".flash").inner_text()
                assert page.url.endswith("/bookings")
                shot(page, "console-bookings-per-kind")
                page.context.close()
                return
            refusals.append(refused)
        page.context.close()
    raise AssertionError(f"no demo producer could book two kinds: {refusals}")


def test_transporter_sees_trips_console_and_phone(browser: Any, live: Live) -> None:
    page = login(browser, live, "driver", **DESK)
    _click(page, "#nav-trips")
    trip = page.locator("section.trip").first
    key = trip.get_attribute("data-trip") or ""
    plate, day = key.split("@")
    assert plate and day
    count = trip.locator("tbody tr").count()
    assert count >= 1 and f"{count} 张联单" in trip.locator("h2").inner_text()
    number = trip.locator("tbody tr").first.get_attribute("data-manifest")
    shot(page, "console-trips")
    _click(page, f'section.trip[data-trip="{key}"] tr[data-manifest="{number}"] a')
    assert page.url.endswith(f"/manifests/{number}")
    page.context.close()

    phone = login(browser, live, "driver", **PHONE)
    phone.goto(live.url + "/m/")
    _click(phone, "#m-trips")
    phone.goto(f"{live.url}/m/trips?day={day}")
    cards = phone.locator(f'section.trip[data-trip="{key}"] a[data-manifest]')
    assert cards.count() == count
    shot(phone, "m-trips")
    phone.context.close()


def test_trip_pages_are_not_for_producers(browser: Any, live: Live) -> None:
    page = login(browser, live, "p4admin", **DESK)
    assert page.locator("#nav-trips").count() == 0
    r = page.goto(live.url + "/trips")
    assert r is not None and r.status == 403
    page.context.close()
