"""The to-do inbox gathers what waits for each user: a case for the assignee's users and, once
handled, for the park administrator; a booking for the transporter to accept; a manifest for
the receiver to receive; and whatever a registered source (park notices) adds."""

from __future__ import annotations

import datetime as dt

from hwtrace.domain import monitoring as M
from hwtrace.services import auth, inbox
from hwtrace.services import monitoring as monitoring_svc
from tests.factories import World, page_client


def _todo(world: World, who: str) -> list[inbox.Todo]:
    return inbox.todo(world.ctx, actor=auth.actor_for_token(world.ctx, world.tokens[who]))


def test_each_user_sees_what_waits_for_them(world: World) -> None:
    r = world.as_("p1admin").put(
        f"/api/v1/storage-rooms/{world.rooms['p1']}/monitoring", {"code": "IN1", "rules": {}}
    )
    assert r.status_code == 200, r.get_json()
    topic = M.Topic(world.ctx.settings.park_code, "IN1", M.SensorKind.POWER)
    now = world.ctx.now()
    monitoring_svc.ingest(world.ctx, topic, M.Reading(M.SensorKind.POWER, now, "off"))
    [case] = [t for t in _todo(world, "p1op") if t.kind == "case"]
    assert case.urgent and "断电" in case.title_zh
    assert [t for t in _todo(world, "p2op") if t.kind == "case"] == []
    assert [t for t in _todo(world, "park") if t.kind == "case"] == []  # not handled yet

    # a booking waits for the transporter until accepted
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "STORED")
    r = world.as_("p1op").post(
        "/api/v1/bookings",
        {
            "codes": [code],
            "transporter_id": world.ids["t"],
            "receiver_id": world.ids["r1"],
            "window_start": now.isoformat(),
            "window_end": (now + dt.timedelta(hours=8)).isoformat(),
            "planned_method": world.method_d,
        },
    )
    assert r.status_code == 201, r.get_json()
    booking = str(r.get_json()["id"])
    assert booking in [t.ref for t in _todo(world, "t") if t.kind == "booking"]
    assert [t for t in _todo(world, "r1") if t.kind == "booking"] == []

    # a manifest in transit waits for the receiver
    other = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(other, "IN_TRANSIT")
    assert world.manifests[other] in [t.ref for t in _todo(world, "r1") if t.kind == "manifest"]

    # the console and the handheld list them
    page = page_client(world.app, world.usernames["p1op"]).get("/m/inbox").get_data(as_text=True)
    assert f'data-ref="{case.ref}"' in page
    page = page_client(world.app, world.usernames["t"]).get("/inbox").get_data(as_text=True)
    assert f'data-ref="{booking}"' in page


def test_a_registered_source_adds_its_todos(world: World) -> None:
    def notices(ctx: object, actor: object) -> list[inbox.Todo]:
        return [inbox.Todo("notice", "N-1", "园区通知：消防演练", "park notice: fire drill")]

    inbox.SOURCES.append(notices)
    try:
        assert [t.ref for t in _todo(world, "p2op") if t.kind == "notice"] == ["N-1"]
    finally:
        inbox.SOURCES.remove(notices)
