"""Login that leaks nothing and cannot be turned against users: the same work for unknown and
known usernames, throttling per address, per account and globally (password spraying) that never
locks the owner out from an address that has not failed, Retry-After, and pruned attempt rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import time

import pytest
import sqlalchemy as sa
from flask import Flask

from hwtrace.config import DEFAULTS
from hwtrace.services import directory as D
from hwtrace.services.context import Context
from hwtrace.store.tables import LoginAttempt
from tests.factories import PASSWORD, World


def _login(app: Flask, username: str, password: str, addr: str) -> tuple[int, dict[str, str]]:
    r = app.test_client().post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )
    return r.status_code, dict(r.headers)


def test_unknown_and_known_usernames_take_the_same_time(
    world: World, app: Flask, ctx: Context
) -> None:
    # A hash cost that dominates the request (the tests' default is nearly free), and limits out
    # of the way: this measures the work, not the throttle.
    ctx.settings = dataclasses.replace(
        ctx.settings,
        argon2_time_cost=2,
        argon2_memory_kib=16384,
        login_max_failures=10_000,
        login_address_max_failures=10_000,
        login_account_max_failures=10_000,
        login_global_max_failures=10_000,
    )
    user = D.create_user(
        ctx,
        actor=None,
        new=D.NewUser(
            username="timing_" + world.usernames["p1op"],
            password=PASSWORD,
            role="operator",
            enterprise_id=world.ids["p1"],
        ),
    )
    client = app.test_client()

    def timed(username: str) -> float:
        t0 = time.perf_counter()
        r = client.post("/api/v1/auth/login", json={"username": username, "password": "wrong-pw"})
        elapsed = time.perf_counter() - t0
        assert r.status_code == 401
        return elapsed

    timed("nobody-at-all")  # warm-up (the stand-in hash is made once)
    known: list[float] = []
    unknown: list[float] = []
    for i in range(50):
        known.append(timed(user.username))
        unknown.append(timed(f"nobody-{i}"))
    a, b = statistics.median(known), statistics.median(unknown)
    assert abs(a - b) / max(a, b) < 0.2, (a, b)


@pytest.fixture(autouse=True)
def default_limits(world: World, ctx: Context) -> None:
    """The shipped limits, once the world is set up (the tests' config lifts the ones counting
    any username: its logins all come from 127.0.0.1)."""
    ctx.settings = dataclasses.replace(
        ctx.settings,
        login_address_max_failures=DEFAULTS["LOGIN_ADDRESS_MAX_FAILURES"],
        login_global_max_failures=DEFAULTS["LOGIN_GLOBAL_MAX_FAILURES"],
    )


def test_a_stranger_cannot_lock_the_owner_out(world: World, app: Flask) -> None:
    user = world.usernames["p2op"]
    for _ in range(5):
        assert _login(app, user, "wrong", "203.0.113.7")[0] == 401
    status, headers = _login(app, user, PASSWORD, "203.0.113.7")
    assert status == 429 and int(headers["Retry-After"]) > 0
    # the owner, from an address that has not failed, logs in
    assert _login(app, user, PASSWORD, "198.51.100.1")[0] == 200


def test_one_address_trying_many_usernames_is_throttled(world: World, app: Flask) -> None:
    limit = world.ctx.settings.login_address_max_failures
    for i in range(limit):
        assert _login(app, f"guess{i}", "wrong", "203.0.113.8")[0] == 401
    assert _login(app, world.usernames["p1op"], PASSWORD, "203.0.113.8")[0] == 429
    assert _login(app, world.usernames["p1op"], PASSWORD, "198.51.100.2")[0] == 200


def test_an_account_under_attack_gives_each_address_one_try(world: World, app: Flask) -> None:
    user = world.usernames["r2"]
    limit = world.ctx.settings.login_account_max_failures
    for i in range(limit):  # one failure each from many addresses: no address limit is hit
        assert _login(app, user, "wrong", f"192.0.2.{i + 1}")[0] == 401
    assert _login(app, user, PASSWORD, "192.0.2.1")[0] == 429  # failed before: refused
    assert _login(app, user, "wrong", "192.0.2.200")[0] == 401  # a new address: one try
    assert _login(app, user, "wrong", "192.0.2.200")[0] == 429
    assert _login(app, user, PASSWORD, "198.51.100.3")[0] == 200  # the owner passes


def test_password_spraying_is_throttled_globally(world: World, app: Flask, ctx: Context) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, login_global_max_failures=10)
    # the global count is of the whole database: start from a clean window
    with ctx.db.write_session() as s, s.begin():
        s.execute(sa.delete(LoginAttempt))
    for i in range(10):
        assert _login(app, f"spray{i}", "Spring2026!", f"192.0.2.{i + 1}")[0] == 401
    # every address that failed once is refused, whatever username it tries next
    assert _login(app, world.usernames["p1admin"], "Spring2026!", "192.0.2.3")[0] == 429
    assert _login(app, world.usernames["p1admin"], PASSWORD, "198.51.100.4")[0] == 200


def test_old_login_attempts_are_pruned(world: World, app: Flask, ctx: Context) -> None:
    old = ctx.now() - dt.timedelta(hours=ctx.settings.login_attempts_keep_hours + 1)
    with ctx.db.write_session() as s, s.begin():
        s.add(LoginAttempt(username="ancient", remote_addr="192.0.2.9", ok=False, at=old))
    assert _login(app, "someone", "wrong", "192.0.2.10")[0] == 401
    with ctx.db.read_session() as s:
        left = s.scalar(
            sa.select(sa.func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.username == "ancient")
        )
    assert left == 0
