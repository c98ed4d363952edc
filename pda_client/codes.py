"""Local checks of a scanned identification code, before anything is queued.

A scan is either the printed code (CODE128 / typed: 37 characters + the check character) or the
label's QR payload (``HWT1|code|waste code|weight|date|checksum[|~signature][|url]``); both are
checked with ``schemas.formats`` exactly as the server checks them, so a misread never reaches
the outbox. A signed payload is verified against the park's verifier key where the handheld
knows it (fetched at login and ``refresh``, or set with ``config --label-key``): a forged or
foreign-signed label is refused here too, offline. Old unsigned labels keep scanning.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas import formats


class Misread(Exception):
    """A scan that is not a valid identification code; ``code`` names the failed check."""

    def __init__(self, code: str, *, zh: str, en: str, scanned: str) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.message_zh = zh
        self.message_en = en
        self.scanned = scanned


def is_payload(text: str) -> bool:
    """True for a label's QR payload (as opposed to a bare code)."""
    return text.strip()[: len(formats.QR_PREFIX) + 1].upper() == formats.QR_PREFIX + "|"


def read_scan(text: str, keys: Sequence[str] = ()) -> tuple[str, formats.LabelVerdict | None]:
    """The normalized code of one scan, and for a QR payload checked against ``keys`` (the
    park's verifier keys) what its signature proves; None when no key is known or for a bare
    code. Raise ``Misread`` for a misread code, a damaged payload, or a signature that does
    not verify (``qr.forged``) or is by another key (``qr.unknown_key``)."""
    raw = text.strip()
    try:
        if not is_payload(raw):
            formats.validate_code(raw)
            return formats.normalize_code(raw), None
        if not keys:
            return formats.normalize_code(formats.decode_qr_payload(raw).code), None
        verdict = formats.verify_qr_payload(raw, keys)
    except formats.CodeFormatError as err:
        raise Misread(err.code, zh=err.message_zh, en=err.message_en, scanned=raw[:80]) from None
    if verdict.code in ("qr.forged", "qr.unknown_key"):
        raise Misread(verdict.code, zh=verdict.message_zh, en=verdict.message_en, scanned=raw[:80])
    return formats.normalize_code(verdict.payload.code), verdict


def parse_scan(text: str, keys: Sequence[str] = ()) -> str:
    """Return the normalized identification code of one scan, or raise ``Misread``."""
    return read_scan(text, keys)[0]
