"""Who may set, read and see a room's monitoring, its alarms and its page."""

from __future__ import annotations

from flask import Flask

from tests.factories import World, page_client

RULES = {"thresholds": {"temperature": {"max": 30, "minutes": 0}}, "cards": ["C1"]}


def test_monitoring_settings_by_the_rooms_admin_or_the_park(world: World, app: Flask) -> None:
    room = world.rooms["p1"]
    url = f"/api/v1/storage-rooms/{room}/monitoring"
    body = {"code": "A1", "rules": RULES}
    assert app.test_client().put(url, json=body).status_code == 401
    assert world.as_("p1op").put(url, body).status_code == 403
    assert world.as_("auditor").put(url, body).status_code == 403
    for other in ("p2admin", "tadmin", "r1admin"):
        r = world.as_(other).put(url, body)
        assert r.status_code == 404, (other, r.get_json())
        assert world.as_(other).get(url).status_code == 404
        assert world.as_(other).get(f"/api/v1/storage-rooms/{room}/alarms").status_code == 404
    r = world.as_("p1admin").put(url, body)
    assert r.status_code == 200, r.get_json()
    assert world.as_("park").put(url, {"code": "A2", "rules": RULES}).status_code == 200
    assert world.as_("p1op").get(url).get_json()["code"] == "A2"
    assert world.as_("auditor").get(url).status_code == 200
    # the code is unique in the park; rules must make sense
    r = world.as_("p2admin").put(
        f"/api/v1/storage-rooms/{world.rooms['p2']}/monitoring", {"code": "A2", "rules": RULES}
    )
    assert r.status_code == 409 and r.get_json()["code"] == "monitor.duplicate_code"
    bad = {"thresholds": {"temperature": {"min": 40, "max": 30}}}
    r = world.as_("p1admin").put(url, {"code": "A2", "rules": bad})
    assert r.status_code == 400 and r.get_json()["code"] == "monitor.invalid_rules"
    r = world.as_("p1admin").put(url, {"code": "A 2", "rules": RULES})
    assert r.status_code == 400
    assert app.test_client().get("/api/v1/alarms").status_code == 401
    assert world.as_("p2op").get("/api/v1/alarms").status_code == 200


def test_the_room_page_is_the_rooms_enterprise_and_the_parks(world: World, app: Flask) -> None:
    url = f"/rooms/{world.rooms['p1']}"
    r = app.test_client().get(url)
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]
    assert page_client(app, world.usernames["p2admin"]).get(url).status_code == 404
    assert page_client(app, world.usernames["t"]).get(url).status_code == 404
    for who in ("p1op", "p1admin", "park", "auditor"):
        r = page_client(app, world.usernames[who]).get(url)
        assert r.status_code == 200, who
        assert "最近 24 小时" in r.get_data(as_text=True)
