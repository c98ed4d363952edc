"""部令第23号 第十六条 through the pages and the API: a producer books several kinds of waste as
one manifest or one per kind; one vehicle's trip carries the manifests of two 移出人, each its
own; a manifest that would mix two 移出人 is refused; the trip pages are for the transporter and
the park only."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from hwtrace.store.tables import Batch, TransferLine
from tests.api.test_transport import _accept, _request, _stored
from tests.factories import World, page_client


def _csrf(client: Any, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert m, path
    return m.group(1)


def _second_kind(world: World) -> str:
    """A stored batch of p1 of a second kind (271-001-02, in the receivers' permits)."""
    pid = world.add_profile("p1", "271-001-02", "精馏残渣", "半固态", ["T"])
    r = world.as_("p1admin").put(
        f"/api/v1/users/{world.user_ids['p1op']}/authorizations",
        {"profile_ids": [world.profiles["p1"], pid]},
    )
    assert r.status_code == 200, r.get_json()
    op = world.as_("p1op")
    code = op.register(pid, "10")["code"]
    assert op.act(code, "label").status_code == 200
    r = op.act(code, "store", room_id=world.rooms["p1"])
    if r.status_code != 200:  # the room takes HW49 only: a room for HW11
        r = world.as_("p1admin").post(
            "/api/v1/storage-rooms",
            {"name": "2号库", "capacity_kg": "1000", "allowed_categories": ["HW02"]},
        )
        assert r.status_code == 201, r.get_json()
        r = op.act(code, "store", room_id=r.get_json()["id"])
    assert r.status_code == 200, r.get_json()
    return str(code)


def _book_on_page(world: World, app: Flask, codes: list[str], per_kind: bool) -> Any:
    client = page_client(app, world.usernames["p1admin"])
    start = dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(hours=1)
    data = {
        "csrf": _csrf(client, "/bookings/new"),
        "codes": codes,
        "transporter_id": str(world.ids["t"]),
        "receiver_id": str(world.ids["r1"]),
        "planned_method": "D10",
        "window_start": start.strftime("%Y-%m-%dT%H:%M"),
        "window_end": (start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
    }
    if per_kind:
        data["per_kind"] = "1"
    return client.post("/bookings/new", data=data)


def _bookings_of(world: World, code: str) -> set[int]:
    with world.ctx.db.read_session() as s:
        return set(s.scalars(sa.select(TransferLine.booking_id).where(TransferLine.code == code)))


def test_article_16_several_kinds_one_manifest_or_one_per_kind(world: World, app: Flask) -> None:
    first = _stored(world, "p1", 2, weight="10")
    other = _second_kind(world)
    r = _book_on_page(world, app, [*first, other], per_kind=True)
    assert r.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)', r.get_data(as_text=True))
    (a,), (b,) = _bookings_of(world, first[0]), _bookings_of(world, other)
    assert a != b and _bookings_of(world, first[1]) == {a}
    # The same three, booked again as one manifest (after cancelling), share one booking.
    for bid in (a, b):
        r = world.as_("p1admin").post(f"/api/v1/bookings/{bid}/cancel", {"reason": "合并为一张"})
        assert r.status_code == 200, r.get_json()
    r = _book_on_page(world, app, [*first, other], per_kind=False)
    assert r.status_code == 302
    [one] = _bookings_of(world, other) - {b}
    assert _bookings_of(world, first[0]) - {a} == {one}


def test_article_16_one_trip_carries_two_shippers_each_on_its_own(world: World, app: Flask) -> None:
    numbers = []
    for producer in ("p1", "p2"):
        r = _request(world, producer, _stored(world, producer, 1, weight="10"))
        bid = r.get_json()["id"]
        assert _accept(world, bid).status_code == 200  # the same vehicle 苏E12345
        r = world.as_(f"{producer}admin").post(f"/api/v1/bookings/{bid}/manifest")
        assert r.status_code == 201, r.get_json()
        numbers.append(r.get_json()["number"])
    page = page_client(app, world.usernames["t"]).get("/trips").get_data(as_text=True)
    assert 'data-trip="苏E12345@' in page, page[page.find("<main") :][:1500]
    trip = page.split('data-trip="苏E12345@')[1].split("</section>")[0]
    assert all(n in trip for n in numbers) and "2 个移出人" in trip
    m = page_client(app, world.usernames["t"]).get("/m/trips").get_data(as_text=True)
    assert all(n in m for n in numbers)


def test_article_16_a_manifest_mixing_two_shippers_is_refused(world: World) -> None:
    (mine,) = _stored(world, "p1", 1, weight="10")
    (theirs,) = _stored(world, "p2", 1, weight="10")
    r = _request(world, "p1", [mine, theirs])
    assert r.status_code == 404  # another 移出人's batch cannot be booked
    r = _request(world, "p1", [mine])
    bid = r.get_json()["id"]
    assert _accept(world, bid).status_code == 200
    with world.ctx.uow() as uow:  # a line of p2's batch slipped onto p1's booking
        s = uow.session
        b = s.scalar(sa.select(Batch).where(Batch.code == theirs))
        assert b is not None
        s.add(
            TransferLine(
                booking_id=bid,
                batch_id=b.id,
                code=theirs,
                dispatched_g=b.weight_g,
                outcome="PENDING",
            )
        )
        uow.commit()
    r = world.as_("p1admin").post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 409 and r.get_json()["code"] == "manifest.mixed_shippers"
    assert "第十六条" in r.get_json()["message"]


def test_trip_pages_authorization(world: World, app: Flask) -> None:
    assert app.test_client().get("/trips").status_code == 302
    assert app.test_client().get("/m/trips").status_code == 302
    for who in ("p1admin", "p1op", "r1", "r1admin"):
        client = page_client(app, world.usernames[who])
        assert client.get("/trips").status_code == 403, who
        assert client.get("/m/trips").status_code == 403, who
    for who in ("t", "tadmin", "park", "auditor"):
        client = page_client(app, world.usernames[who])
        assert client.get("/trips").status_code == 200, who
        assert client.get("/m/trips").status_code == 200, who
