"""Time-based one-time passwords (the second factor): RFC 6238 TOTP over RFC 4226 HOTP.

HOTP (RFC 4226, section 5.3): HMAC-SHA-1 of the 8-byte big-endian counter under the shared
secret, "dynamic truncation" to 31 bits, modulo 10^digits. TOTP (RFC 6238, section 4): the
counter is the number of 30-second steps since the Unix epoch. Codes are accepted one step
either side (RFC 6238 section 5.2, clock drift); a step once used is refused again (replay).
The secret travels to the authenticator app as base32 in an ``otpauth://`` URI (the Key Uri
Format of Google Authenticator, which every common app reads).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30  # RFC 6238 section 5.2: the recommended time step
DIGITS = 6
DRIFT_STEPS = 1  # steps accepted either side of the current one


def new_secret() -> str:
    """Return a new random secret: 20 bytes (160 bits, RFC 4226 section 4), base32."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def hotp(secret_b32: str, counter: int, digits: int = DIGITS) -> str:
    """Return the RFC 4226 HOTP value of ``counter`` (zero-padded to ``digits``)."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(unix_time: float) -> int:
    """Return the RFC 6238 time step of ``unix_time`` (T0 = 0, X = 30 s)."""
    return int(unix_time // STEP_SECONDS)


def totp(secret_b32: str, unix_time: float) -> str:
    """Return the RFC 6238 TOTP code at ``unix_time``."""
    return hotp(secret_b32, step_of(unix_time))


def match(secret_b32: str, code: str, unix_time: float, *, after_step: int | None) -> int | None:
    """Return the time step ``code`` is valid for (within the drift, later than
    ``after_step``: a code is used once), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_of(unix_time)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(hotp(secret_b32, step), code):
            return step
    return None


def otpauth_uri(secret_b32: str, *, account: str, issuer: str) -> str:
    """Return the ``otpauth://totp/…`` URI an authenticator app scans."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
