"""API rate limits: per token and per source address, 429 with a JSON error and Retry-After,
counted in the database so that several server processes share one count; the address is the
client's as seen through trusted proxies only. Runs on SQLite and on PostgreSQL (the session's
database)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hwtrace import create_app
from hwtrace.keys import init_keys
from hwtrace.services import directory as D
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, random_uscc


class Apps:
    """Apps (as separate server processes would be) on one park and one database."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.park = "R" + uuid.uuid4().hex[:10].upper()
        init_keys(tmp_path / "ledger.key", "hwtrace.local/test", None)
        self.made: list[Flask] = []

    def app(self, **config: Any) -> Flask:
        application = create_app(
            {
                **TEST_CONFIG,
                "INSTANCE_DIR": str(self.tmp_path),
                "DATABASE_URL": self.database_url,
                "PARK_CODE": self.park,
                "LEDGER_KEY_FILE": str(self.tmp_path / "ledger.key"),
                "SECRET_KEY": "test",
                "LEDGER_CHECKPOINTER": False,
                **config,
            }
        )
        self.made.append(application)
        return application

    def close(self) -> None:
        for application in self.made:
            application.extensions["hwtrace"].db.dispose()


@pytest.fixture
def apps(database_url: str, tmp_path: Path) -> Iterator[Apps]:
    a = Apps(database_url, tmp_path)
    yield a
    a.close()


def _user(app: Flask, name: str) -> str:
    """Create a user in the park and return its login token."""
    ctx = app.extensions["hwtrace"]
    D.ensure_park(ctx)
    ent = D.create_enterprise(
        ctx,
        actor=None,
        new=D.NewEnterprise(uscc=random_uscc(), name=f"{name} 单位", kind="producer"),
    )
    username = f"{name}_{uuid.uuid4().hex[:6]}"
    D.create_user(
        ctx,
        actor=None,
        new=D.NewUser(username=username, password=PASSWORD, role="operator", enterprise_id=ent.id),
    )
    r = app.test_client().post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert r.status_code == 200, r.get_json()
    return str(r.get_json()["token"])


def _me(app: Flask, token: str, addr: str = "127.0.0.1", **headers: str) -> Any:
    return app.test_client().get(
        "/api/v1/me",
        headers={"Authorization": f"Bearer {token}", **headers},
        environ_base={"REMOTE_ADDR": addr},
    )


def _refused(r: Any, scope: str, limit: int) -> None:
    assert r.status_code == 429, r.get_json()
    body = r.get_json()
    assert body["code"] == "rate_limited"
    assert "请求过于频繁" in body["message"] and "too many requests" in body["message_en"]
    assert body["context"]["scope"] == scope and body["context"]["limit"] == limit
    retry = int(r.headers["Retry-After"])
    assert 1 <= retry <= body["context"]["window_seconds"]


def test_per_token_limit(apps: Apps) -> None:
    app = apps.app(API_RATE_PER_TOKEN=3, API_RATE_PER_ADDRESS=0, API_RATE_WINDOW_SECONDS=3600)
    a, b = _user(app, "a"), _user(app, "b")
    for _ in range(3):
        assert _me(app, a).status_code == 200
    _refused(_me(app, a), "token", 3)
    _refused(_me(app, a, addr="10.9.9.9"), "token", 3)  # another address: the same token
    assert _me(app, b).status_code == 200  # another token counts apart


def test_per_address_limit_counts_anonymous_and_logged_in(apps: Apps) -> None:
    app = apps.app(API_RATE_PER_TOKEN=0, API_RATE_PER_ADDRESS=4, API_RATE_WINDOW_SECONDS=3600)
    token = _user(app, "c")  # the login itself came from 127.0.0.1
    c = app.test_client()
    env = {"REMOTE_ADDR": "10.1.1.1"}
    assert c.get("/api/v1/me", environ_base=env).status_code == 401  # counted, then refused
    assert c.get("/api/v1/openapi.json", environ_base=env).status_code == 200
    assert _me(app, token, addr="10.1.1.1").status_code == 200
    r = c.post("/api/v1/auth/login", json={"username": "x", "password": "y"}, environ_base=env)
    assert r.status_code == 401
    _refused(_me(app, token, addr="10.1.1.1"), "addr", 4)
    assert _me(app, token, addr="10.1.1.2").status_code == 200


def test_limits_hold_across_server_processes(apps: Apps) -> None:
    """Two apps on the same database, as two gunicorn workers: one count."""
    one = apps.app(API_RATE_PER_TOKEN=4, API_RATE_PER_ADDRESS=0, API_RATE_WINDOW_SECONDS=3600)
    two = apps.app(API_RATE_PER_TOKEN=4, API_RATE_PER_ADDRESS=0, API_RATE_WINDOW_SECONDS=3600)
    token = _user(one, "d")
    assert _me(one, token).status_code == 200
    assert _me(two, token).status_code == 200
    assert _me(one, token).status_code == 200
    assert _me(two, token).status_code == 200
    _refused(_me(one, token), "token", 4)
    _refused(_me(two, token), "token", 4)


def test_a_new_window_lets_the_caller_in_again(apps: Apps) -> None:
    app = apps.app(API_RATE_PER_TOKEN=2, API_RATE_PER_ADDRESS=0, API_RATE_WINDOW_SECONDS=60)
    ctx = app.extensions["hwtrace"]
    token = _user(app, "e")
    start = dt.datetime.now(dt.UTC).replace(second=10, microsecond=0)
    ctx.clock = lambda: start
    assert _me(app, token).status_code == 200
    assert _me(app, token).status_code == 200
    r = _me(app, token)
    _refused(r, "token", 2)
    assert r.headers["Retry-After"] == "50"  # the window ends at the next full minute
    ctx.clock = lambda: start + dt.timedelta(seconds=50)
    assert _me(app, token).status_code == 200


def test_address_behind_a_trusted_proxy(apps: Apps) -> None:
    """Behind one trusted proxy the client's address (X-Forwarded-For) is counted; with no
    trusted proxy the header is ignored and the peer is counted."""
    behind = apps.app(
        API_RATE_PER_TOKEN=0,
        API_RATE_PER_ADDRESS=2,
        API_RATE_WINDOW_SECONDS=3600,
        TRUSTED_PROXIES=1,
    )
    token = _user(behind, "f")
    for client in ("203.0.113.7", "203.0.113.8"):
        for _ in range(2):
            assert (
                _me(behind, token, addr="10.0.0.1", **{"X-Forwarded-For": client}).status_code
                == 200
            )
    _refused(_me(behind, token, addr="10.0.0.1", **{"X-Forwarded-For": "203.0.113.7"}), "addr", 2)
    direct = apps.app(API_RATE_PER_TOKEN=0, API_RATE_PER_ADDRESS=2, API_RATE_WINDOW_SECONDS=3600)
    assert (
        _me(direct, token, addr="10.0.0.2", **{"X-Forwarded-For": "198.51.100.1"}).status_code
        == 200
    )
    assert (
        _me(direct, token, addr="10.0.0.2", **{"X-Forwarded-For": "198.51.100.2"}).status_code
        == 200
    )
    _refused(_me(direct, token, addr="10.0.0.2", **{"X-Forwarded-For": "198.51.100.3"}), "addr", 2)


def test_the_test_suite_runs_without_limits(app: Flask) -> None:
    """The suite's config turns the limits off explicitly (it makes thousands of requests from
    one address); the server's defaults have them on."""
    s = app.extensions["hwtrace"].settings
    assert s.api_rate_per_token == 0 and s.api_rate_per_address == 0
    from hwtrace.config import DEFAULTS

    assert DEFAULTS["API_RATE_PER_TOKEN"] > 0 and DEFAULTS["API_RATE_PER_ADDRESS"] > 0
