"""Scope: nothing about an enterprise the caller may not see; loading and departing are for the
assigned driver (and the transporter's administrator); authorization before validation."""

from __future__ import annotations

import json

from flask import Flask

from tests.factories import PASSWORD, World, page_client


def test_bundle_does_not_reveal_a_foreign_producer(world: World) -> None:
    """A producer or transporter asking for a bundle narrowed to a producer it has never dealt
    with gets 404, not that producer's name and USCC."""
    for who, other in (("p1op", "p2"), ("t", "p2"), ("p2op", "p1")):
        r = world.as_(who).get(f"/api/v1/exports/bundle.json?enterprise_id={world.ids[other]}")
        assert r.status_code == 404, (who, r.get_data(as_text=True)[:200])
        assert f"{other} 测试单位" not in r.get_data(as_text=True)
    # a receiver knows the producers it has a contract with
    r = world.as_("r1").get(f"/api/v1/exports/bundle.json?enterprise_id={world.ids['p2']}")
    assert r.status_code == 200
    # its own enterprise, a counterparty, and the park's roles: allowed
    r = world.as_("p1op").get(f"/api/v1/exports/bundle.json?enterprise_id={world.ids['p1']}")
    assert r.status_code == 200
    r = world.as_("p1op").get(f"/api/v1/exports/bundle.json?enterprise_id={world.ids['r1']}")
    assert r.status_code == 200
    r = world.as_("auditor").get(f"/api/v1/exports/bundle.json?enterprise_id={world.ids['p2']}")
    assert r.status_code == 200
    assert json.loads(r.data)["scope"]["enterprise"]["name"].startswith("p2 测试单位")


def test_pages_name_only_enterprises_the_caller_may_know(app: Flask, world: World) -> None:
    """The manifests and bookings pages label lists with names the caller may know: a
    producer's page never carries the name of another producer."""
    code = world.as_("p2op").register(world.profiles["p2"])["code"]
    assert code
    p1 = page_client(app, world.usernames["p1admin"])
    for url in ("/bookings", "/manifests", "/warnings", "/bookings/new"):
        text = p1.get(url).get_data(as_text=True)
        assert "p2 测试单位" not in text, url
    park = page_client(app, world.usernames["park"])
    assert "p2 测试单位" in park.get("/enterprises").get_data(as_text=True)


def _other_operator(world: World) -> str:
    r = world.as_("tadmin").post(
        "/api/v1/users",
        {
            "username": f"t2_{world.ids['t']}",
            "password": PASSWORD,
            "role": "operator",
            "enterprise_id": world.ids["t"],
        },
    )
    assert r.status_code == 201, r.get_json()
    r = world.app.test_client().post(
        "/api/v1/auth/login", json={"username": f"t2_{world.ids['t']}", "password": PASSWORD}
    )
    return str(r.get_json()["token"])


def test_only_the_driver_or_the_transporter_admin_loads_and_departs(world: World) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "AWAITING_PICKUP")
    number = world.manifests[code]
    t2 = _other_operator(world)
    h = {"Authorization": f"Bearer {t2}"}
    c = world.app.test_client()
    # another operator of the transporter sees the manifest but may not load or depart it
    assert c.get(f"/api/v1/manifests/{number}", headers=h).status_code == 200
    r = c.post(f"/api/v1/manifests/{number}/load", json={"code": code}, headers=h)
    assert r.status_code == 403 and r.get_json()["code"] == "manifest.not_driver", r.get_json()
    assert "驾驶员" in r.get_json()["message"] and "driver" in r.get_json()["message_en"]
    r = c.post(f"/api/v1/batches/{code}/events", json={"action": "load"}, headers=h)
    assert r.status_code == 403 and r.get_json()["code"] == "manifest.not_driver", r.get_json()
    r = c.post(f"/api/v1/manifests/{number}/depart", json={}, headers=h)
    assert r.status_code == 403 and r.get_json()["code"] == "manifest.not_driver"
    # the assigned driver (t) loads, the transporter's admin departs
    r = world.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": code})
    assert r.status_code == 200, r.get_json()
    r = world.as_("tadmin").post(f"/api/v1/manifests/{number}/depart", {})
    assert r.status_code == 200, r.get_json()


def test_handheld_load_page_is_the_drivers(app: Flask, world: World) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "AWAITING_PICKUP")
    number = world.manifests[code]
    _other_operator(world)
    t2 = page_client(app, f"t2_{world.ids['t']}")
    assert t2.get(f"/m/manifest/{number}/load").status_code == 403
    driver = page_client(app, world.usernames["t"])
    assert driver.get(f"/m/manifest/{number}/load").status_code == 200


def test_authorization_comes_before_validation(world: World) -> None:
    """A stranger sending a malformed body learns nothing: 404 (or 403), never the
    validation message of a resource it may not act on."""
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "STORED")
    bid = world.book([code])
    bad = {"vehicle_plate": "x", "driver_user_id": 1, "driver_licence": ""}
    for who, status in (("p2op", 404), ("r2", 404), ("p1op", 403), ("auditor", 403)):
        r = world.as_(who).post(f"/api/v1/bookings/{bid}/accept", bad)
        assert r.status_code == status, (who, r.get_json())
        r = world.as_(who).post(f"/api/v1/bookings/{bid}/accept", {"nonsense": True})
        assert r.status_code == status, (who, r.get_json())
    r = world.as_("t").post(f"/api/v1/bookings/{bid}/accept", {"nonsense": True})
    assert r.status_code == 400  # the transporter itself is told what is wrong
    # the same for a reason left empty, a password reset, and a role that may not create
    r = world.as_("p2admin").post(f"/api/v1/bookings/{bid}/cancel", {"reason": ""})
    assert r.status_code == 404
    r = world.as_("p2admin").post(
        f"/api/v1/users/{world.user_ids['p1op']}/password", {"password": "x"}
    )
    assert r.status_code == 404
    r = world.as_("t").post("/api/v1/batches", {})
    assert r.status_code == 403
    r = world.as_("auditor").post("/api/v1/enterprises", {"kind": "nonsense"})
    assert r.status_code == 403
