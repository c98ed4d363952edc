"""The working-day calendar in use (部令第23号 第十八条: confirm receipt within 5 working days):
the park administrator lists a holiday on the calendar page and the next departure's receipt
deadline moves past it; the overdue warning names the deadline's date in the park's time; only
the park administrator edits the calendar (the auditor reads it, enterprises never see it)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from hwtrace.domain.workdays import RECEIPT_WORKING_DAYS, WorkCalendar
from hwtrace.services import workdays as svc
from hwtrace.store.tables import Manifest
from tests.factories import World, page_client

BEIJING = ZoneInfo("Asia/Shanghai")


def _csrf(client: Any, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert m, path
    return m.group(1)


def _calendar(world: World) -> WorkCalendar:
    with world.ctx.db.read_session() as s:
        return svc.calendar_in(s, world.ctx)


def test_article_18_receipt_deadline_follows_the_parks_calendar(world: World, app: Flask) -> None:
    today = world.ctx.local_now().date()
    before = _calendar(world)
    holiday = before.add_working_days(today, 1)  # the next working day becomes a holiday
    park = page_client(app, world.usernames["park"])
    r = park.post(
        "/calendar",
        data={
            "csrf": _csrf(park, "/calendar"),
            "action": "set",
            "day": holiday.isoformat(),
            "kind": "holiday",
            "name": "园区停工",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    page = park.get(f"/calendar?year={holiday.year}").get_data(as_text=True)
    assert f'data-day="{holiday.isoformat()}"' in page and "园区停工" in page
    after = _calendar(world)
    assert not after.is_working_day(holiday)

    code = world.as_("p1op").register(world.profiles["p1"], "20")["code"]
    world.walk(code, "IN_TRANSIT")
    m = world.as_("t").get(f"/api/v1/manifests/{world.manifests[code]}").get_json()
    departed = dt.datetime.fromisoformat(m["departed_at"]).astimezone(BEIJING).date()
    due = dt.datetime.fromisoformat(m["receipt_due_at"]).astimezone(BEIJING)
    last = after.add_working_days(departed, RECEIPT_WORKING_DAYS)
    assert due == dt.datetime(last.year, last.month, last.day, tzinfo=BEIJING) + dt.timedelta(1)
    if departed < holiday:  # the holiday inside the five days pushed the deadline a day on
        assert last > before.add_working_days(departed, RECEIPT_WORKING_DAYS)

    # Time passes: the deadline is behind us; the producer's warning names its date.
    with world.ctx.uow() as uow:
        uow.session.execute(
            sa.update(Manifest)
            .where(Manifest.number == world.manifests[code])
            .values(receipt_due_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        uow.commit()
    r = world.as_("p1admin").get("/api/v1/warnings")
    [w] = [w for w in r.get_json()["items"] if w["subject"] == world.manifests[code]]
    local_day = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)).astimezone(BEIJING).date()
    assert f"接收确认期限 {local_day.isoformat()}（北京时间）已过" in w["message"]
    assert "第十八条" in w["message"] and "art. 18" in w["message_en"]


def test_unlisting_a_day_makes_the_year_the_parks_own(world: World, app: Flask) -> None:
    park = page_client(app, world.usernames["park"])
    csrf = _csrf(park, "/calendar?year=2026")
    r = park.post(
        "/calendar", data={"csrf": csrf, "action": "unset", "year": "2026", "day": "2026-02-28"}
    )
    assert r.status_code == 302
    cal = _calendar(world)
    assert not cal.is_working_day(dt.date(2026, 2, 28))  # a Saturday again
    assert cal.is_working_day(dt.date(2026, 2, 14))  # the rest of the year is kept
    assert not cal.is_working_day(dt.date(2026, 2, 16))
    page = park.get("/calendar?year=2026").get_data(as_text=True)
    assert 'data-day="2026-02-28"' not in page and "园区导入或修改" in page
    # A make-up working day on a weekday is refused in the form, in words.
    r = park.post(
        "/calendar",
        data={"csrf": csrf, "action": "set", "day": "2026-03-03", "kind": "workday"},
    )
    assert r.status_code == 400 and "调休上班只能是周六或周日" in r.get_data(as_text=True)


def test_calendar_page_authorization(world: World, app: Flask) -> None:
    anonymous = app.test_client()
    assert anonymous.get("/calendar").status_code == 302  # to the login page
    for who in ("p1admin", "p1op", "t", "r1admin"):
        assert page_client(app, world.usernames[who]).get("/calendar").status_code == 403, who
    auditor = page_client(app, world.usernames["auditor"])
    page = auditor.get("/calendar?year=2026")
    assert page.status_code == 200 and "2026-02-14" in page.get_data(as_text=True)
    assert 'id="import-form"' not in page.get_data(as_text=True)
    r = auditor.post(
        "/calendar",
        data={
            "csrf": _csrf(auditor, "/calendar"),
            "action": "set",
            "day": "2026-03-02",
            "kind": "holiday",
        },
    )
    assert r.status_code == 403
    assert _calendar(world).is_working_day(dt.date(2026, 3, 2))
    p1 = page_client(app, world.usernames["p1admin"])
    r = p1.post("/calendar", data={"csrf": "x", "action": "set", "day": "2026-03-02"})
    assert r.status_code in (400, 403)
    assert _calendar(world).is_working_day(dt.date(2026, 3, 2))


def test_calendar_edits_are_ledger_entries(world: World, app: Flask) -> None:
    park = page_client(app, world.usernames["park"])
    csrf = _csrf(park, "/calendar")
    data = {"csrf": csrf, "action": "set", "day": "2027-01-01", "kind": "holiday"}
    r = park.post("/calendar", data=data)
    assert r.status_code == 302
    with world.ctx.db.read_session() as s:
        bodies = s.scalars(
            sa.text(
                "SELECT body FROM ledger_entry WHERE log_id = :log AND entry_type = 'calendar.set'"
            ),
            {"log": world.ctx.settings.park_code},
        ).all()
    assert any(b"2027-01-01" in bytes(b) and b"holiday" in bytes(b) for b in bodies)
