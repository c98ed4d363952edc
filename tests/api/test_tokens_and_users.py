"""Tokens and users: device tokens expire and come only from a login, a user, its enterprise admin
and the park admin list and revoke tokens, logout revokes what the login created, deactivation,
password change and reset; each one a ledger entry."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from hwtrace.services.context import Context
from tests.factories import PASSWORD, Caller, World


def _types(world: World) -> list[str]:
    entries = world.as_("park").get("/api/v1/ledger/entries?limit=1000").get_json()
    return [e["type"] for e in entries]


def _login(client: FlaskClient, username: str, password: str = PASSWORD) -> Caller | int:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return Caller(client, r.get_json()["token"]) if r.status_code == 200 else r.status_code


def test_device_tokens_expire_and_come_only_from_a_login(world: World, ctx: Context) -> None:
    op = world.as_("p1op")
    r = op.post("/api/v1/auth/tokens", {"name": "PDA-07"})
    assert r.status_code == 201
    dev = r.get_json()
    expires = dt.datetime.fromisoformat(dev["expires_at"])
    days = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 86400
    assert abs(days - ctx.settings.device_token_days) < 1
    pda = Caller(op.client, dev["token"])
    assert pda.get("/api/v1/me").status_code == 200
    # a device token cannot mint more
    r = pda.post("/api/v1/auth/tokens", {"name": "PDA-08"})
    assert r.status_code == 403 and r.get_json()["code"] == "auth.login_required"
    assert "token.create" in _types(world)
    real = ctx.clock
    ctx.clock = lambda: real() + dt.timedelta(days=ctx.settings.device_token_days + 1)
    try:
        assert pda.get("/api/v1/me").status_code == 401
    finally:
        ctx.clock = real


def test_logout_revokes_what_the_login_created(world: World, client: FlaskClient) -> None:
    login = _login(client, world.usernames["p1op"])
    assert isinstance(login, Caller)
    dev = login.post("/api/v1/auth/tokens", {"name": "PDA-1"}).get_json()
    pda = Caller(client, dev["token"])
    assert pda.get("/api/v1/me").status_code == 200
    assert login.post("/api/v1/auth/logout").status_code == 200
    assert pda.get("/api/v1/me").status_code == 401
    assert login.get("/api/v1/me").status_code == 401
    # a handheld ends its login as it takes the device token, and keeps the device token
    login = _login(client, world.usernames["p1op"])
    assert isinstance(login, Caller)
    dev = login.post("/api/v1/auth/tokens", {"name": "PDA-2", "end_login": True}).get_json()
    assert login.get("/api/v1/me").status_code == 401
    assert Caller(client, dev["token"]).get("/api/v1/me").status_code == 200


def test_who_lists_and_revokes_whose_tokens(world: World) -> None:
    target = world.user_ids["p1op"]
    url = f"/api/v1/auth/tokens?user_id={target}"
    for who, expect in (
        ("p1op", 200),
        ("p1admin", 200),
        ("park", 200),
        ("p2admin", 404),
        ("p2op", 404),
        ("t", 404),
        ("auditor", 404),
    ):
        r = world.as_(who).get(url)
        assert r.status_code == expect, (who, r.get_json())
    tokens = world.as_("p1admin").get(url).get_json()
    live = [t for t in tokens if not t["revoked"]]
    assert live
    # another enterprise's admin cannot revoke it; the park's administrator can
    assert world.as_("p2admin").delete(f"/api/v1/auth/tokens/{live[0]['id']}").status_code == 404
    assert world.as_("park").delete(f"/api/v1/auth/tokens/{live[0]['id']}").status_code == 200
    assert world.as_("p1op").get("/api/v1/me").status_code == 401
    assert "token.revoke" in _types(world)


def test_deactivation_kills_every_token_at_once(world: World, client: FlaskClient) -> None:
    target = world.user_ids["p1op"]
    dev = world.as_("p1op").post("/api/v1/auth/tokens", {"name": "PDA-3"}).get_json()
    assert world.as_("p1op").post(f"/api/v1/users/{target}/deactivate").status_code == 403
    assert world.as_("p2admin").post(f"/api/v1/users/{target}/deactivate").status_code == 404
    r = world.as_("p1admin").post(f"/api/v1/users/{target}/deactivate")
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert world.as_("p1op").get("/api/v1/me").status_code == 401
    assert Caller(client, dev["token"]).get("/api/v1/me").status_code == 401
    assert _login(client, world.usernames["p1op"]) == 401
    me = world.user_ids["p1admin"]
    r = world.as_("p1admin").post(f"/api/v1/users/{me}/deactivate")
    assert r.status_code == 409 and r.get_json()["code"] == "user.self"
    assert "user.deactivate" in _types(world)


def test_password_change(world: World, client: FlaskClient) -> None:
    other = _login(client, world.usernames["p2op"])
    assert isinstance(other, Caller)
    me = world.as_("p2op")
    r = me.post(
        "/api/v1/auth/password", {"current_password": "wrong-one", "new_password": "new pass 2026"}
    )
    assert r.status_code == 401
    r = me.post(
        "/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "new pass 2026"}
    )
    assert r.status_code == 200
    assert me.get("/api/v1/me").status_code == 200  # this token stays
    assert other.get("/api/v1/me").status_code == 401  # every other one dies
    assert _login(client, world.usernames["p2op"]) == 401
    assert isinstance(_login(client, world.usernames["p2op"], "new pass 2026"), Caller)
    assert "user.password_change" in _types(world)


def test_password_reset_by_the_admins(world: World, client: FlaskClient) -> None:
    target = world.user_ids["p1op"]
    url = f"/api/v1/users/{target}/password"
    for who, expect in (("p1op", 403), ("p2admin", 404), ("t", 403), ("auditor", 403)):
        assert world.as_(who).post(url, {"new_password": "reset pass 1"}).status_code == expect
    assert world.as_("p1admin").post(url, {"new_password": "reset pass 1"}).status_code == 200
    assert world.as_("p1op").get("/api/v1/me").status_code == 401
    assert isinstance(_login(client, world.usernames["p1op"], "reset pass 1"), Caller)
    assert world.as_("park").post(url, {"new_password": "reset pass 2"}).status_code == 200
    assert isinstance(_login(client, world.usernames["p1op"], "reset pass 2"), Caller)
    assert _types(world).count("user.password_reset") == 2
