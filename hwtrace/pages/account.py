"""The account's security page: the second factor (TOTP, RFC 6238) with its QR code, the
first code that enables it, the recovery codes shown once, and turning it off."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import render_template, request

from hwtrace.domain.errors import HwtraceError
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import totp as svc


def qr_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in an SVG data URI (the pages allow data: images only)."""
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _page(status: int = 200, **extra: Any) -> tuple[str, int]:
    st = svc.status(ctx(), actor=actor())
    return render_template("account.html", st=st, **extra), status


@bp.get("/account")
def account() -> Any:
    return _page()


@bp.post("/account/totp")
def account_totp_begin() -> Any:
    try:
        e = svc.begin(ctx(), actor=actor())
    except HwtraceError as err:
        return _page(err.status, error=err)
    return _page(secret=e.secret, uri=e.uri, qr=qr_data_uri(e.uri))


@bp.post("/account/totp/confirm")
def account_totp_confirm() -> Any:
    try:
        codes = svc.confirm(ctx(), actor=actor(), code=request.form.get("code", "")[:32])
    except HwtraceError as err:
        e = svc.pending(ctx(), actor=actor())  # the same key and QR code, to try again
        if e is None:
            return _page(err.status, error=err)
        return _page(err.status, error=err, secret=e.secret, uri=e.uri, qr=qr_data_uri(e.uri))
    return _page(recovery_codes=codes)


@bp.post("/account/totp/disable")
def account_totp_disable() -> Any:
    a = actor()
    try:
        svc.disable(ctx(), actor=a, user_id=a.user_id, code=request.form.get("code", "")[:32])
    except HwtraceError as err:
        return _page(err.status, error=err)
    return _page(disabled=True)
