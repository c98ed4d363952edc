"""Page sessions: only local redirect targets after login, SameSite=Lax and Secure cookies (also
behind a trusted proxy), a server-side session id instead of an API token in the cookie, idle and
absolute timeouts, and a CSRF token on the login form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hwtrace import create_app
from hwtrace.services.context import Context
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, World, page_client


def _form_login(client: FlaskClient, username: str, url: str = "/login", **kw: Any) -> Any:
    client.get("/login", **kw)
    with client.session_transaction(**kw) as sess:
        csrf = sess["csrf"]
    return client.post(url, data={"username": username, "password": PASSWORD, "csrf": csrf}, **kw)


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/%5C/evil.example",
        "https://evil.example/",
        "/%0A/evil.example",
        "/%20/evil.example",
        "http:/evil.example",
        "%2F%2Fevil.example",
    ],
)
def test_login_redirects_only_to_this_site(world: World, app: Flask, target: str) -> None:
    r = _form_login(app.test_client(), world.usernames["p1op"], "/login?next=" + target)
    assert r.status_code == 302
    loc = urlsplit(r.headers["Location"])
    assert loc.netloc in ("", "localhost") and not loc.path.startswith("//"), loc
    assert "evil" not in r.headers["Location"]


def test_login_keeps_a_local_target(world: World, app: Flask) -> None:
    r = _form_login(app.test_client(), world.usernames["park"], "/login?next=/warnings%3Fx%3D1")
    assert r.status_code == 302 and r.headers["Location"] == "/warnings?x=1"


def _cookie(resp: Any) -> str:
    found = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert found, resp.headers
    return found[-1]


@pytest.fixture
def proxied_app(database_url: str, tmp_path: Path, app: Flask) -> Iterator[Flask]:
    behind = create_app(
        {
            **TEST_CONFIG,
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "PARK_CODE": app.config["PARK_CODE"],
            "LEDGER_KEY_FILE": app.config["LEDGER_KEY_FILE"],
            "SECRET_KEY": "test",
            "TRUSTED_PROXIES": 1,
        }
    )
    yield behind
    behind.extensions["hwtrace"].db.dispose()


def test_cookie_is_samesite_lax_and_secure_over_https(
    world: World, app: Flask, proxied_app: Flask
) -> None:
    user = world.usernames["p1op"]
    plain = _cookie(_form_login(app.test_client(), user))
    assert "SameSite=Lax" in plain and "HttpOnly" in plain and "Secure" not in plain
    tls = _cookie(_form_login(app.test_client(), user, base_url="https://localhost"))
    assert "SameSite=Lax" in tls and "Secure" in tls
    # X-Forwarded-Proto is believed from a trusted proxy only
    spoofed = {"headers": {"X-Forwarded-Proto": "https"}}
    assert "Secure" not in _cookie(_form_login(app.test_client(), user, **spoofed))
    assert "Secure" in _cookie(_form_login(proxied_app.test_client(), user, **spoofed))
    # and the setting forces it
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in _cookie(_form_login(app.test_client(), user))


def test_the_cookie_carries_a_session_id_not_an_api_token(world: World, app: Flask) -> None:
    client = page_client(app, world.usernames["p1op"])
    cookie = client.get_cookie("session")
    assert cookie is not None
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert set(data) <= {"sid", "csrf", "verify"}, data
    api = app.test_client()
    for value in data.values():
        r = api.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})
        assert r.status_code == 401
    assert _logged_in(client)
    # and an API token is no page session
    other = app.test_client()
    with other.session_transaction() as sess:
        sess["sid"] = world.tokens["p1op"]
    assert not _logged_in(other)


def _logged_in(client: FlaskClient) -> bool:
    r = client.get("/")
    return r.status_code in (200, 302) and "/login" not in r.headers.get("Location", "")


def _at(ctx: Context, when: dt.datetime) -> None:
    ctx.clock = lambda: when


def test_idle_timeout(world: World, app: Flask, ctx: Context) -> None:
    start = dt.datetime.now(dt.UTC)
    _at(ctx, start)
    client = page_client(app, world.usernames["p1op"])
    idle = dt.timedelta(minutes=ctx.settings.session_idle_minutes)
    _at(ctx, start + idle - dt.timedelta(minutes=1))
    assert _logged_in(client)  # used: the idle time starts again
    _at(ctx, start + 2 * idle - dt.timedelta(minutes=2))
    assert _logged_in(client)
    _at(ctx, start + 3 * idle)
    assert not _logged_in(client)


def test_absolute_timeout(world: World, app: Flask, ctx: Context) -> None:
    start = dt.datetime.now(dt.UTC)
    _at(ctx, start)
    client = page_client(app, world.usernames["p1op"])
    step = dt.timedelta(minutes=ctx.settings.session_idle_minutes - 5)
    end = start + dt.timedelta(hours=ctx.settings.session_absolute_hours)
    t = start
    while t + step < end:
        t += step
        _at(ctx, t)
        assert _logged_in(client), t - start
    _at(ctx, end)
    assert not _logged_in(client)


def test_login_form_needs_its_csrf_token(world: World, app: Flask) -> None:
    client = app.test_client()
    r = client.post("/login", data={"username": world.usernames["p1op"], "password": PASSWORD})
    assert r.status_code == 400
    assert client.get_cookie("session") is None or "sid" not in (
        app.session_interface.get_signing_serializer(app).loads(  # type: ignore[attr-defined]
            client.get_cookie("session").value  # type: ignore[union-attr]
        )
    )
    assert _form_login(client, world.usernames["p1op"]).status_code == 302


def test_a_control_character_in_the_login_form_is_refused_not_500(world: World, app: Flask) -> None:
    """PostgreSQL refuses a NUL in a query's text; the form is refused before any query."""
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        csrf = sess["csrf"]
    for name in ("\x00", "p1op\x00", "p1op\u202e"):
        r = client.post("/login", data={"username": name, "password": "x", "csrf": csrf})
        assert r.status_code == 400, (name, r.status_code)
