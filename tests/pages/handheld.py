"""A handheld browser session on the test client: logged in through the session cookie, posting
forms with the session's CSRF token; and the labels' QR payloads as a scanner reads them."""

from __future__ import annotations

import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.test import TestResponse

from hwtrace.services import auth, labels
from hwtrace.services.context import Context
from schemas import formats
from tests.factories import PASSWORD, World

CSRF = "handheld-test-csrf"


class Phone:
    """One user's browser on the handheld pages."""

    def __init__(self, world: World, who: str | None) -> None:
        self.client = world.app.test_client()
        if who is not None:
            # a page session as the login form opens it (its id in the cookie, not an API token)
            issued = auth.login(
                world.ctx,
                username=world.usernames[who],
                password=PASSWORD,
                remote_addr="127.0.0.1",
                web=True,
            )
            with self.client.session_transaction() as s:
                s["sid"] = issued.token
                s["csrf"] = CSRF

    def get(self, url: str) -> TestResponse:
        return self.client.get(url)

    def post(self, url: str, **form: Any) -> TestResponse:
        return self.client.post(url, data={"csrf": CSRF, **form})


def result(r: TestResponse) -> tuple[str, str]:
    """The kind and the text of the result box a page answered with."""
    html = r.get_data(as_text=True)
    m = re.search(r'<div id="result" class="result ([a-z]+)"[^>]*>(.*?)</div>', html, re.S)
    if m is None:
        m = re.search(r'<div class="result ([a-z]+)" id="result"[^>]*>(.*?)</div>', html, re.S)
    assert m is not None, html[-2000:]
    return m.group(1), re.sub(r"<[^>]+>", " ", m.group(2))


def ledger_size(ctx: Context) -> int:
    with ctx.db.read_session() as s:
        return ctx.log.size(s.connection())


def payload(ctx: Context, code: str) -> str:
    """The QR payload printed on a batch's label (signed by the park)."""
    data, _ = labels.label_data(ctx, actor=None, code=code)
    return data.qr_payload


def unsigned(text: str) -> str:
    """The same payload as an old label printed it, without the signature."""
    p = formats.decode_qr_payload(text)
    return formats.encode_qr_payload(formats.QrPayload(**{**p.__dict__, "signature": None}))


def tampered(text: str) -> str:
    """A signed payload whose weight was changed (checksum recomputed, signature kept)."""
    p = formats.decode_qr_payload(text)
    return formats.encode_qr_payload(formats.QrPayload(**{**p.__dict__, "weight_kg": "1.000"}))


def signed_by_stranger(text: str) -> str:
    """The payload signed with a key that is not the park's."""
    key = Ed25519PrivateKey.generate()
    stranger = formats.LabelKey("elsewhere", key.public_key().public_bytes_raw())
    return formats.sign_qr_payload(unsigned(text), stranger, key.sign)
