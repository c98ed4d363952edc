"""Local checks of a scanned identification code, before anything is queued.

A scan is either the printed code (CODE128 / typed: 37 characters + the check character) or the
label's QR payload (``HWT1|code|waste code|weight|date|checksum[|url]``); both are checked with
``schemas.formats`` exactly as the server checks them, so a misread never reaches the outbox.
"""

from __future__ import annotations

from schemas import formats


class Misread(Exception):
    """A scan that is not a valid identification code; ``code`` names the failed check."""

    def __init__(self, code: str, message_zh: str, message_en: str, scanned: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.scanned = scanned


def parse_scan(text: str) -> str:
    """Return the normalized identification code of one scan, or raise ``Misread``."""
    raw = text.strip()
    try:
        if raw.upper().startswith(formats.QR_PREFIX + "|"):
            return formats.normalize_code(formats.decode_qr_payload(raw).code)
        formats.validate_code(raw)
        return formats.normalize_code(raw)
    except formats.CodeFormatError as err:
        raise Misread(err.code, err.message_zh, err.message_en, raw[:80]) from None
