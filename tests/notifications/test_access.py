"""Who may register webhooks, read and replay their deliveries, and set e-mail choices."""

from __future__ import annotations

from flask import Flask

from tests.factories import World

BODY = {"url": "http://127.0.0.1:9/hook", "events": ["alarm.raised"], "secret": "x"}


def test_webhooks_are_their_enterprise_admins(world: World, app: Flask) -> None:
    anonymous = app.test_client()
    assert anonymous.post("/api/v1/webhooks", json=BODY).status_code == 401
    assert anonymous.get("/api/v1/webhooks").status_code == 401
    for who in ("p1op", "auditor", "t"):
        assert world.as_(who).post("/api/v1/webhooks", BODY).status_code == 403, who
        assert world.as_(who).get("/api/v1/webhooks").status_code == 403, who
    r = world.as_("p1admin").post("/api/v1/webhooks", BODY)
    assert r.status_code == 201, r.get_json()
    hook = r.get_json()
    assert "secret" not in hook
    assert world.as_("park").post("/api/v1/webhooks", {**BODY, "events": ["*"]}).status_code == 201
    # another enterprise's admin sees none of it
    assert world.as_("p2admin").get("/api/v1/webhooks").get_json() == []
    for path in ("deliveries",):
        assert world.as_("p2admin").get(f"/api/v1/webhooks/{hook['id']}/{path}").status_code == 404
        assert world.as_("park").get(f"/api/v1/webhooks/{hook['id']}/{path}").status_code == 404
        assert world.as_("p1op").get(f"/api/v1/webhooks/{hook['id']}/{path}").status_code == 403
    for action in ("enable", "disable"):
        assert (
            world.as_("p2admin").post(f"/api/v1/webhooks/{hook['id']}/{action}").status_code == 404
        )
        assert world.as_("p1op").post(f"/api/v1/webhooks/{hook['id']}/{action}").status_code == 403
    assert world.as_("p1admin").post(f"/api/v1/webhooks/{hook['id']}/disable").status_code == 200
    assert world.as_("p1admin").post("/api/v1/deliveries/nope/replay").status_code == 404
    assert anonymous.post("/api/v1/deliveries/nope/replay").status_code == 401
    bad = world.as_("p1admin").post("/api/v1/webhooks", {**BODY, "url": "ftp://x.example/"})
    assert bad.status_code == 400


def test_each_user_sets_only_their_own_email_choices(world: World, app: Flask) -> None:
    assert app.test_client().get("/api/v1/me/notifications").status_code == 401
    r = world.as_("p1op").put(
        "/api/v1/me/notifications", {"email": "op@p1.example", "email_events": ["case.opened"]}
    )
    assert r.status_code == 200, r.get_json()
    assert world.as_("p1op").get("/api/v1/me/notifications").get_json()["email"] == "op@p1.example"
    assert world.as_("p1admin").get("/api/v1/me/notifications").get_json()["email"] == ""
    r = world.as_("p1op").put("/api/v1/me/notifications", {"email": "not an address"})
    assert r.status_code == 400
