"""Logins, throttling, token expiry and revocation, device tokens."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from hwtrace.services.context import Context
from tests.factories import PASSWORD, Caller, World


def test_login_and_me(world: World, client: FlaskClient) -> None:
    r = client.post(
        "/api/v1/auth/login", json={"username": world.usernames["p1op"], "password": PASSWORD}
    )
    assert r.status_code == 200
    token = r.get_json()["token"]
    assert token.startswith("hwt_")
    me = Caller(client, token).get("/api/v1/me").get_json()
    assert me["username"] == world.usernames["p1op"]
    assert me["role"] == "operator" and me["enterprise"]["kind"] == "producer"


def test_wrong_password_and_unknown_user_look_the_same(world: World, client: FlaskClient) -> None:
    a = client.post(
        "/api/v1/auth/login", json={"username": world.usernames["p1op"], "password": "nope"}
    )
    b = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.get_json()["code"] == b.get_json()["code"] == "auth.invalid_credentials"


def test_login_throttled_after_failures(world: World, client: FlaskClient) -> None:
    user = world.usernames["p2op"]
    for _ in range(5):
        assert (
            client.post("/api/v1/auth/login", json={"username": user, "password": "x"}).status_code
            == 401
        )
    r = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
    assert r.status_code == 429 and r.get_json()["code"] == "auth.throttled"


def test_missing_bad_and_revoked_tokens(world: World, client: FlaskClient) -> None:
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.get_json()["code"] == "auth.required"
    r = Caller(client, "hwt_forged").get("/api/v1/me")
    assert r.status_code == 401 and r.get_json()["code"] == "auth.token_revoked"
    op = world.as_("p1op")
    assert op.post("/api/v1/auth/logout").status_code == 200
    r = op.get("/api/v1/me")
    assert r.status_code == 401 and r.get_json()["code"] == "auth.token_revoked"


def test_device_token_issue_list_revoke(world: World) -> None:
    admin = world.as_("p1admin")
    r = admin.post("/api/v1/auth/tokens", {"name": "PDA-01"})
    assert r.status_code == 201
    dev = r.get_json()
    assert dev["kind"] == "device" and dev["expires_at"] is not None
    pda = Caller(admin.client, dev["token"])
    assert pda.get("/api/v1/me").status_code == 200
    listed = admin.get("/api/v1/auth/tokens").get_json()
    assert any(t["id"] == dev["token_id"] for t in listed)
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert admin.delete(f"/api/v1/auth/tokens/{dev['token_id']}").status_code == 200
    assert pda.get("/api/v1/me").status_code == 401
    # someone else's token cannot be revoked by an operator of another enterprise
    other = world.as_("p2op").delete(f"/api/v1/auth/tokens/{dev['token_id']}")
    assert other.status_code in (403, 404)


def test_expired_login_token_refused(world: World, ctx: Context) -> None:
    op = world.as_("p1op")
    real = ctx.clock
    ctx.clock = lambda: real() + dt.timedelta(hours=ctx.settings.token_ttl_hours + 1)
    try:
        r = op.get("/api/v1/me")
    finally:
        ctx.clock = real
    assert r.status_code == 401 and r.get_json()["code"] == "auth.token_revoked"


def test_passwords_are_argon2(world: World, ctx: Context) -> None:
    import sqlalchemy as sa

    from hwtrace.store.tables import ApiToken, User

    with ctx.db.read_session() as s:
        h = s.scalar(sa.select(User.password_hash).where(User.username == world.usernames["p1op"]))
        stored = list(s.scalars(sa.select(ApiToken.token_hash)))
    assert h is not None and h.startswith("$argon2id$")
    assert world.tokens["p1op"] not in stored
