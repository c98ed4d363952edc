"""部令第23号 第十五条: manifest numbers are 14 digits (year, province code, city code, a serial
within the city and year), unique and gap-free even when many manifests are made at once; the
manifests issued before keep their numbers.

Runs on the session's database: SQLite in the default suite, PostgreSQL when
HWTRACE_TEST_DATABASE_URL is set (16 creators in threads, each its own connection from the pool).
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from hwtrace.domain.manifest_numbers import counter_name, parse_national
from hwtrace.services.manifests import next_serial
from hwtrace.store.tables import DailyCounter, Manifest
from tests.api.test_transport import _accept, _request, _stored
from tests.factories import World

CREATORS = 16


def _accepted_bookings(world: World, n: int) -> list[int]:
    ids = []
    for code in _stored(world, "p1", n, weight="10"):
        r = _request(world, "p1", [code])
        assert r.status_code == 201, r.get_json()
        bid = int(r.get_json()["id"])
        assert _accept(world, bid).status_code == 200
        ids.append(bid)
    return ids


def test_article_15_number_names_year_province_city(world: World) -> None:
    (bid,) = _accepted_bookings(world, 1)
    r = world.as_("p1admin").post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 201, r.get_json()
    number = r.get_json()["number"]
    parsed = parse_national(number)
    assert parsed is not None, number
    year, province, city, serial = parsed
    assert (province, city) == ("32", "05")  # the park's settings (HWTRACE_PROVINCE_CODE/CITY_CODE)
    assert year == world.ctx.today().year and serial >= 1


def test_article_15_sixteen_concurrent_creators_no_gap_or_duplicate(world: World) -> None:
    bookings = _accepted_bookings(world, CREATORS)
    clients = [world.as_("p1admin") for _ in bookings]
    start = threading.Barrier(CREATORS)
    results: dict[int, Any] = {}

    def create(i: int) -> None:
        start.wait()
        r = clients[i].post(f"/api/v1/bookings/{bookings[i]}/manifest")
        results[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=create, args=(i,)) for i in range(CREATORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code == 201 for code, _ in results.values()), results
    numbers = [body["number"] for _, body in results.values()]
    assert len(set(numbers)) == CREATORS
    serials = sorted(parse_national(n)[3] for n in numbers)  # type: ignore[index]
    assert serials == list(range(serials[0], serials[0] + CREATORS)), serials
    year = world.ctx.today().year
    with world.ctx.db.read_session() as s:
        last = s.scalar(
            sa.select(DailyCounter.last_seq).where(
                DailyCounter.name == counter_name(year, "32", "05")
            )
        )
        stored = set(s.scalars(sa.select(Manifest.number).where(Manifest.number.in_(numbers))))
    assert last is not None and last >= serials[-1]
    assert stored == set(numbers)


def test_manifests_issued_before_keep_their_numbers(world: World) -> None:
    first, second = _accepted_bookings(world, 2)
    r = world.as_("p1admin").post(f"/api/v1/bookings/{first}/manifest")
    assert r.status_code == 201
    old = f"{world.ctx.settings.park_code}-20261101-00001"  # the format used before 第十五条's
    with world.ctx.uow() as uow:
        uow.session.execute(
            sa.update(Manifest).where(Manifest.number == r.get_json()["number"]).values(number=old)
        )
        uow.commit()
    r = world.as_("p1admin").post(f"/api/v1/bookings/{second}/manifest")
    assert r.status_code == 201
    assert parse_national(r.get_json()["number"]) is not None
    r = world.as_("p1admin").get(f"/api/v1/manifests/{old}")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["number"] == old


def test_article_15_counter_takes_serials_one_transaction_at_a_time(world: World) -> None:
    """The counter alone, without the booking and contract locks the API takes around it: 16
    transactions (own connections) read it at the same moment; each gets its own serial, and
    one that rolls back gives its serial to a later one (no gap)."""
    name = f"test-counter:{world.ctx.settings.park_code}"
    engine = ledger.db.create_engine(world.ctx.db.url, pool_size=CREATORS, max_overflow=0)
    pg = engine.dialect.name == "postgresql"
    start = threading.Barrier(CREATORS, timeout=120)
    got: list[int] = []
    lock = threading.Lock()

    def take(i: int) -> None:
        if not pg:  # SQLite's BEGIN IMMEDIATE queues writers at the start of the transaction
            start.wait()
        with Session(engine) as s:
            if pg:  # every transaction has begun before any takes a number
                s.execute(sa.select(1))
                start.wait()
            serial = next_serial(s, name)
            if i == 0:
                s.rollback()
                return
            s.commit()
        with lock:
            got.append(serial)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(CREATORS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        engine.dispose()
    assert sorted(got) == list(range(1, CREATORS)), sorted(got)
