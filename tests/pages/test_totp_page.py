"""A user enables the second factor on the account page (QR code, key, first code, recovery
codes shown once), logs out, and logs in again through the form with the password and the
code an authenticator app would show, computed here from the key shown (RFC 6238)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import uuid
from typing import Any

from tests.pages.conftest import PASSWORD, Live, login, shot
from tests.pages.test_workflows import DESK


def authenticator(secret: str, at: float) -> str:
    """What an authenticator app shows at ``at``: RFC 6238 (30 s steps) over RFC 4226."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    o = mac[-1] & 15
    return str((struct.unpack(">I", mac[o : o + 4])[0] & 0x7FFFFFFF) % 1_000_000).zfill(6)


def _submit(page: Any, selector: str) -> int:
    with page.expect_navigation() as nav:
        page.click(selector)
    return int(nav.value.status)


def test_enable_totp_and_log_in_with_it(browser: Any, live: Live) -> None:
    name = f"totp{uuid.uuid4().hex[:6]}"
    status, me = live.api("p1admin", "/me")
    assert status == 200, me
    status, body = live.api(
        "p1admin",
        "/users",
        "POST",
        {
            "username": name,
            "password": PASSWORD,
            "role": "operator",
            "enterprise_id": me["enterprise"]["id"],
        },
    )
    assert status == 201, body

    page = login(browser, live, name, **DESK)
    page.click("#nav-account")
    assert "未启用" in page.locator("#totp-state").inner_text()
    assert _submit(page, "#totp-begin") == 200
    secret = page.locator("#totp-secret").inner_text().strip()
    uri = page.locator("#totp-uri").inner_text().strip()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    qr = page.locator("#totp-qr")
    assert qr.is_visible() and (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    shot(page, "account-totp-qr")
    # a wrong code is refused in the page; the app's code enables it
    now = time.time()
    valid = {authenticator(secret, now + d) for d in (-60, -30, 0, 30, 60)}
    page.fill("input[name=code]", next(c for c in ("000000", "111111", "222222") if c not in valid))
    assert _submit(page, "#totp-confirm") == 400
    assert "验证码不正确" in page.locator("#totp-error").inner_text()
    page.fill("input[name=code]", authenticator(secret, time.time()))
    assert _submit(page, "#totp-confirm") == 200
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "account-totp-recovery-codes")

    # log out; the password alone is not enough any more
    _submit(page, "header form button[type=submit]")
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    assert _submit(page, "main button[type=submit]") == 401
    assert "动态验证码" in page.locator("p.error").inner_text()
    # the app's next code (the one of this step enabled the factor; a code is good once)
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=otp]", authenticator(secret, time.time() + 30))
    assert _submit(page, "main button[type=submit]") == 200
    assert "/login" not in page.url
    page.click("#nav-account")
    assert "已启用" in page.locator("#totp-state").inner_text()
    assert page.locator("#recovery-left").inner_text() == "10"
    shot(page, "account-totp-enabled")
    page.context.close()
