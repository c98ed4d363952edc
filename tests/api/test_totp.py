"""The second factor (TOTP, RFC 6238): enabling it, logging in with it (API and form), recovery
codes used once, the park's requirement for its administrators, ledger entries, and the
per-account throttling a correct password plus a second factor passes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import struct
import time
from typing import Any

import pytest
from flask import Flask

from hwtrace.domain import totp
from tests.factories import PASSWORD, World


def code_at(secret: str, t: float) -> str:
    """The RFC 6238 code, computed here from the secret (RFC 4226 section 5.3)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t // 30)), hashlib.sha1).digest()
    o = mac[-1] & 15
    return str((struct.unpack(">I", mac[o : o + 4])[0] & 0x7FFFFFFF) % 1_000_000).zfill(6)


def test_rfc_vectors() -> None:
    """RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1, secret "12345678901234567890")."""
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert [totp.hotp(secret, c) for c in range(3)] == ["755224", "287082", "359152"]
    assert totp.hotp(secret, 59 // 30, digits=8) == "94287082"
    assert totp.hotp(secret, 1111111109 // 30, digits=8) == "07081804"
    assert totp.hotp(secret, 20000000000 // 30, digits=8) == "65353130"
    assert totp.totp(secret, 1234567890) == code_at(secret, 1234567890)
    # one step of drift either way, never a used step again
    now = 1_700_000_000.0
    assert totp.match(secret, code_at(secret, now - 30), now, after_step=None) is not None
    assert totp.match(secret, code_at(secret, now - 90), now, after_step=None) is None
    step = totp.match(secret, code_at(secret, now), now, after_step=None)
    assert step is not None
    assert totp.match(secret, code_at(secret, now), now, after_step=step) is None
    uri = totp.otpauth_uri(secret, account="p1admin", issuer="示范园区")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "period=30" in uri


def _next(secret: str) -> str:
    """The app's next code: the one of this time step was used to enable the factor, and a
    code is good once."""
    return code_at(secret, time.time() + 30)


def _wrong(secret: str) -> str:
    """A code that is none of the codes valid around now."""
    now = time.time()
    valid = {code_at(secret, now + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _login(world: World, who: str, **extra: Any) -> Any:
    return world.app.test_client().post(
        "/api/v1/auth/login",
        json={"username": world.usernames[who], "password": PASSWORD, **extra},
    )


def _enable(world: World, who: str) -> tuple[str, list[str]]:
    c = world.as_(who)
    r = c.post("/api/v1/auth/totp")
    assert r.status_code == 201, r.get_json()
    secret = r.get_json()["secret"]
    assert r.get_json()["otpauth_uri"].startswith("otpauth://totp/")
    r = c.post(
        "/api/v1/auth/totp/confirm",
        {"code": _wrong(secret)},
    )
    assert r.status_code == 400 and r.get_json()["code"] == "totp.invalid_code"
    r = c.post("/api/v1/auth/totp/confirm", {"code": code_at(secret, time.time())})
    assert r.status_code == 200, r.get_json()
    codes = r.get_json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def _entries(world: World, subject: str) -> list[str]:
    rows = world.as_("park").get("/api/v1/ledger/entries?limit=1000").get_json()
    return [e["type"] for e in rows if e["subject"] == subject]


def _settings(app: Flask, **changes: Any) -> None:
    ctx = app.extensions["hwtrace"]
    ctx.settings = dataclasses.replace(ctx.settings, **changes)


def test_enable_then_login_needs_the_code(app: Flask, world: World) -> None:
    _settings(app, login_max_failures=100)  # this test fails on purpose from one address
    secret, codes = _enable(world, "p1admin")
    r = _login(world, "p1admin")
    assert r.status_code == 401 and r.get_json()["code"] == "auth.totp_required"
    assert "动态验证码" in r.get_json()["message"] and "authenticator" in r.get_json()["message_en"]
    r = _login(world, "p1admin", otp=_wrong(secret))
    assert r.status_code == 401 and r.get_json()["code"] == "auth.totp_invalid"
    r = _login(world, "p1admin", otp=_next(secret))
    assert r.status_code == 200, r.get_json()
    # the same code is not good twice (replay), nor the one used to enable
    assert _login(world, "p1admin", otp=code_at(secret, time.time())).status_code == 401
    r = _login(world, "p1admin", otp=_next(secret))
    assert r.status_code == 401 and r.get_json()["code"] == "auth.totp_invalid"
    # a recovery code works once
    r = _login(world, "p1admin", otp=codes[0].upper())
    assert r.status_code == 200, r.get_json()
    r = _login(world, "p1admin", otp=codes[0])
    assert r.status_code == 401
    st = world.as_("p1admin").get("/api/v1/auth/totp").get_json()
    assert st == {"enabled": True, "pending": False, "recovery_codes_left": 9, "required": False}
    # stored hashed: no recovery code and no token in clear in the database
    from hwtrace.store.tables import RecoveryCode

    with world.ctx.db.read_session() as s:
        hashes = {
            r.code_hash for r in s.query(RecoveryCode).filter_by(user_id=world.user_ids["p1admin"])
        }
    assert codes[1] not in hashes and len(hashes) == 10
    # disable with a recovery code; then the password alone works again
    r = world.as_("p1admin").post("/api/v1/auth/totp/disable", {"code": codes[1]})
    assert r.status_code == 200, r.get_json()
    assert _login(world, "p1admin").status_code == 200
    subject = f"user:{world.usernames['p1admin']}"
    types = _entries(world, subject)
    assert types.count("user.totp_enable") == 1
    assert types.count("user.recovery_code_use") == 2  # one login, one to disable
    assert types.count("user.totp_disable") == 1


def test_an_admin_turns_off_a_lost_phone(world: World) -> None:
    _enable(world, "p1op")
    r = world.as_("p2admin").post(f"/api/v1/users/{world.user_ids['p1op']}/totp/disable")
    assert r.status_code == 404
    r = world.as_("p1admin").post(f"/api/v1/users/{world.user_ids['p1op']}/totp/disable")
    assert r.status_code == 200, r.get_json()
    assert _login(world, "p1op").status_code == 200
    assert "user.totp_disable" in _entries(world, f"user:{world.usernames['p1op']}")


@pytest.fixture
def strict(app: Flask, world: World) -> Flask:
    """The park requires the second factor of its administrators (set once the test park's
    users have their tokens)."""
    _settings(app, totp_required_for_park_admins=True)
    return app


def test_the_park_requires_it_of_its_administrators(strict: Flask, world: World) -> None:
    r = _login(world, "park")
    assert r.status_code == 403 and r.get_json()["code"] == "auth.totp_enrollment_required"
    assert _login(world, "p1admin").status_code == 200  # not a park administrator
    from tests.factories import page_client

    page = page_client(strict, world.usernames["park"])  # the form logs it in…
    r = page.get("/enterprises")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")  # …to enrol
    assert "园区要求管理员启用动态验证码" in page.get("/account").get_data(as_text=True)
    secret, _ = _enable(world, "park")
    assert page.get("/enterprises").status_code == 200
    assert _login(world, "park", otp=_next(secret)).status_code == 200


def test_a_correct_password_and_code_pass_the_account_limit(app: Flask, world: World) -> None:
    """Strangers fail at the account from many addresses until it is throttled for everyone
    without a second factor; its owner with password and code still logs in."""
    _settings(app, login_account_max_failures=3)
    secret, _ = _enable(world, "p2admin")
    name = world.usernames["p2admin"]
    c = app.test_client()
    for i in range(4):
        r = c.post(
            "/api/v1/auth/login",
            json={"username": name, "password": "wrong password"},
            environ_base={"REMOTE_ADDR": f"10.7.0.{i}"},
        )
        assert r.status_code == 401
    # from an address that failed once, the password alone is throttled…
    r = c.post(
        "/api/v1/auth/login",
        json={"username": name, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.7.0.1"},
    )
    assert r.status_code == 429
    # …the password plus the second factor passes
    r = c.post(
        "/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "otp": _next(secret)},
        environ_base={"REMOTE_ADDR": "10.7.0.1"},
    )
    assert r.status_code == 200, r.get_json()
