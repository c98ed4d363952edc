"""The identification code (数字识别码) as the server allocates and checks it.

The format (segments, lengths, the check character) is defined once in ``schemas.formats`` so
that the server, the PDA and the label printer agree; this module adds the allocation rule:
per (unit, waste code, production date) a counter that only goes up, so a code is never
reused, even for a voided label or an unused reservation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from hwtrace.domain.errors import BadValue, Conflict, HwtraceError
from schemas import formats


class CodeError(HwtraceError):
    """A malformed or misread identification code (the code says which check failed)."""

    code = "code.invalid"
    status = 400


def normalize(text: str) -> str:
    """Return the stored form of a scanned code (trimmed, upper case, separators removed)."""
    return formats.normalize_code(text)


def parse_scanned(text: str) -> formats.IdentificationCode:
    """Parse and check a scanned code; raise CodeError with the failed check's code."""
    try:
        return formats.validate_code(text)
    except formats.CodeFormatError as err:
        raise CodeError(
            zh=err.message_zh, en=err.message_en, code=err.code, detail={"scanned": text[:80]}
        ) from None


class LabelNotGenuine(HwtraceError):
    """A signed label payload whose signature does not verify (``qr.forged``) or was made
    with a key this park does not hold (``qr.unknown_key``): altered or forged."""

    code = "qr.forged"
    status = 422


@dataclass(frozen=True)
class ScannedLabel:
    """What a scanner read from a label: the identification code, and for a QR payload the
    offline check of its signature (None for a bare code)."""

    code: str
    verdict: formats.LabelVerdict | None = None

    @property
    def signed(self) -> bool:
        """True for a QR payload with a valid signature by a known park key."""
        return self.verdict is not None and self.verdict.genuine


def read_label(text: str, keys: Iterable[str]) -> ScannedLabel:
    """Read what a scanner typed from a label: the QR payload (``HWT1|…``, the main carrier;
    its checksum is checked, and its signature against the park's verifier ``keys``) or the
    bare identification code (the CODE128 barcode, or typed by hand).

    An unsigned payload (labels printed before signing) is accepted: it is intact, though
    nothing proves who printed it.

    :raises CodeError: a damaged payload (``qr.*``) or a malformed code (``code.*``).
    :raises LabelNotGenuine: a signature that does not verify, or by an unknown key.
    """
    s = text.strip()
    if s[: len(formats.QR_PREFIX) + 1].upper() != formats.QR_PREFIX + "|":
        parse_scanned(s)
        return ScannedLabel(normalize(s))
    try:
        verdict = formats.verify_qr_payload(s, keys)
    except formats.CodeFormatError as err:
        raise CodeError(
            zh=err.message_zh, en=err.message_en, code=err.code, detail={"scanned": s[:80]}
        ) from None
    if verdict.code in ("qr.forged", "qr.unknown_key"):
        raise LabelNotGenuine(
            zh=verdict.message_zh,
            en=verdict.message_en,
            code=verdict.code,
            detail={"code": verdict.payload.code},
        )
    return ScannedLabel(normalize(verdict.payload.code), verdict)


def code_prefix(*, uscc: str, waste_code: str, day: dt.date) -> str:
    """Return the counter key of a code: unit + waste code + production date."""
    return f"{uscc}{waste_code.replace('-', '')}{day:%Y%m%d}"


def check_sequence(seq: int) -> None:
    """Refuse a sequence number past the format's width (the day's codes are exhausted)."""
    if seq > formats.MAX_SEQUENCE:
        raise Conflict(
            zh=f"当日该废物的识别码流水号已用完（上限 {formats.MAX_SEQUENCE}）",
            en=f"no sequence numbers left for this waste code today (max {formats.MAX_SEQUENCE})",
            code="code.exhausted",
        )


def make_code(*, uscc: str, waste_code: str, day: dt.date, seq: int) -> str:
    """Return the full code (with its check character) for the given segments."""
    return formats.format_code(uscc=uscc, waste_code=waste_code, day=day, seq=seq)


MAX_RESERVED_BLOCK = 500


def check_reservation(*, count: int, day: dt.date, today: dt.date) -> None:
    """Refuse a reservation of more than a block of codes, or for a production date other than
    yesterday up to seven days ahead (a handheld registers with them offline)."""
    if not 1 <= count <= MAX_RESERVED_BLOCK:
        raise BadValue(
            zh=f"预留数量须在 1 到 {MAX_RESERVED_BLOCK} 之间",
            en=f"count must be 1..{MAX_RESERVED_BLOCK}",
        )
    if not today - dt.timedelta(days=1) <= day <= today + dt.timedelta(days=7):
        raise BadValue(
            zh="只能为昨天到未来七天预留识别码",
            en="codes can be reserved for yesterday up to seven days ahead",
        )
