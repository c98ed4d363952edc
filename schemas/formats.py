"""Formats shared by the server, the PDA client and the label printer (stdlib only).

- USCC (统一社会信用代码, GB 32100-2015): 18 characters, the last a check character.
- Waste codes of the national catalogue: ``NNN-NNN-NN``; the last two digits are the category.
- The identification code (数字识别码, HJ 1276-2022): producing unit's USCC (18) + waste code
  without hyphens (8) + production date YYYYMMDD (8) + sequence number (3) = 37 characters.
  hwtrace appends one check character (ISO/IEC 7064 MOD 37,36, i.e. GB/T 17710) so that a
  mistyped or misread code is refused at once; the first 37 characters stay the standard code.
- The QR payload (v1): ``HWT1|<code>|<waste code>|<weight kg>|<YYYYMMDD>|<checksum>[|<url>]``;
  the checksum (8 hex of SHA-256) catches a damaged or misread payload, not a forged one:
  anyone can compute it.
- The signed form appends ``|~<signature>`` after the checksum (before the URL):
  base64url without padding of the park key's 4-byte key hash and the Ed25519 signature
  (68 bytes, 91 characters) over ``hwtrace-label/v1\\n`` + the payload without that field. Anyone
  with the park's verifier key checks it offline; a forger without the park's private key
  cannot make one. Readers of the unsigned form ignore the field (they take it for a URL).
  JSON Schema: ``schemas/label/qr-payload.schema.json``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# C0 and C1 control characters, and the bidirectional overrides and isolates that make text
# show as something else (U+202A-U+202E, U+2066-U+2069): no free text of the trade holds them.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

WASTE_CODE_RE = re.compile(r"^[0-9]{3}-[0-9]{3}-[0-9]{2}\Z")
SEQ_DIGITS = 3
MAX_SEQUENCE = 10**SEQ_DIGITS - 1
STANDARD_LENGTH = 18 + 8 + 8 + SEQ_DIGITS
CODE_LENGTH = STANDARD_LENGTH + 1
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class CodeFormatError(ValueError):
    """A malformed identification code; ``code`` names the check that failed."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


# -- USCC -----------------------------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a USCC."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise ValueError("a USCC body is 17 characters of 0-9A-HJ-NPQRTUWXY")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(text: str) -> bool:
    """Return True if ``text`` is an 18-character USCC with a correct check character."""
    if len(text) != 18 or any(c not in _USCC_VALUE for c in text):
        return False
    return uscc_check_char(text[:17]) == text[17]


# -- waste codes ------------------------------------------------------------------------------


def is_waste_code_format(text: str) -> bool:
    """Return True if ``text`` has the catalogue form NNN-NNN-NN."""
    return bool(WASTE_CODE_RE.match(text))


def category_of(code: str) -> str:
    """Return the HW category of a waste code ("900-041-49" -> "HW49")."""
    return "HW" + code[-2:]


# -- identification code --------------------------------------------------------------------


def mod37_36_check(text: str) -> str:
    """Return the ISO/IEC 7064 MOD 37,36 check character of ``text`` (0-9 A-Z)."""
    p = 36
    for ch in text:
        s = (p + _B36.index(ch)) % 36 or 36
        p = (2 * s) % 37
    return _B36[(1 - p) % 36]


@dataclass(frozen=True)
class IdentificationCode:
    """The segments of an identification code."""

    uscc: str
    waste_code: str
    day: dt.date
    seq: int

    @property
    def standard(self) -> str:
        """Return the 37-character code of HJ 1276-2022."""
        waste = self.waste_code.replace("-", "")
        return f"{self.uscc}{waste}{self.day:%Y%m%d}{self.seq:0{SEQ_DIGITS}d}"

    @property
    def text(self) -> str:
        """Return the code as printed and scanned: the standard code + check character."""
        return self.standard + mod37_36_check(self.standard)


def format_code(*, uscc: str, waste_code: str, day: dt.date, seq: int) -> str:
    """Return the printed form of the code for these segments."""
    if not 1 <= seq <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be 1..{MAX_SEQUENCE}")
    return IdentificationCode(uscc, waste_code, day, seq).text


def normalize_code(text: str) -> str:
    """Return a scanned code without surrounding space, separators, in upper case."""
    return re.sub(r"[\s\-_]", "", text).upper()


def _fail(code: str, zh: str, en: str) -> CodeFormatError:
    return CodeFormatError(code, zh, en)


def validate_code(text: str) -> IdentificationCode:
    """Parse a scanned code and check every segment; raise CodeFormatError on the first fault."""
    s = normalize_code(text)
    if not s:
        raise _fail("code.length", "识别码为空", "the code is empty")
    if not s.isascii() or not s.isalnum():
        raise _fail(
            "code.charset", "识别码含有非法字符", "the code has characters other than 0-9 A-Z"
        )
    if len(s) == STANDARD_LENGTH:
        raise _fail(
            "code.check_char",
            "识别码缺少校验位",
            "the code lacks its check character",
        )
    if len(s) != CODE_LENGTH:
        raise _fail(
            "code.length",
            f"识别码应为 {CODE_LENGTH} 位，实际 {len(s)} 位",
            f"the code has {len(s)} characters, expected {CODE_LENGTH}",
        )
    body, check = s[:-1], s[-1]
    if mod37_36_check(body) != check:
        raise _fail(
            "code.check_char",
            "识别码校验位错误（可能误读或输错）",
            "the check character does not match (misread or mistyped)",
        )
    uscc, waste, date, seq = body[:18], body[18:26], body[26:34], body[34:]
    if not is_valid_uscc(uscc):
        raise _fail(
            "code.uscc_check",
            "识别码中的统一社会信用代码无效",
            "the unit code (USCC) in the code is invalid",
        )
    if not waste.isdigit():
        raise _fail(
            "code.waste_code", "识别码中的废物代码无效", "the waste code segment is invalid"
        )
    try:
        day = dt.date(int(date[:4]), int(date[4:6]), int(date[6:]))
    except ValueError:
        raise _fail(
            "code.date", "识别码中的产生日期无效", "the date segment is not a date"
        ) from None
    if day.year < 2000:
        raise _fail(
            "code.date",
            "识别码中的产生日期不合理",
            "the date segment is implausible",
        )
    if not seq.isdigit() or int(seq) == 0:
        raise _fail(
            "code.sequence",
            "识别码中的流水号无效",
            "the sequence segment is invalid",
        )
    return IdentificationCode(uscc, f"{waste[:3]}-{waste[3:6]}-{waste[6:]}", day, int(seq))


# -- QR payload v1 ----------------------------------------------------------------------------

QR_PREFIX = "HWT1"


@dataclass(frozen=True)
class QrPayload:
    """What a label's QR code carries, readable offline."""

    code: str
    waste_code: str
    weight_kg: str
    day: dt.date
    url: str | None = None
    #: The signature field without its "~" (base64url of key hash + Ed25519 signature).
    signature: str | None = None


SIGNATURE_MARK = "~"
SIGNATURE_CONTEXT = b"hwtrace-label/v1\n"
SIGNATURE_CHARS = 91  # base64url, no padding, of 4 + 64 bytes
_ALG_ED25519 = 0x01


def _qr_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()


def encode_qr_payload(p: QrPayload) -> str:
    """Return the QR text of a label: fields, a checksum over them, the signature field if the
    payload carries one, then the optional URL."""
    body = f"{QR_PREFIX}|{p.code}|{p.waste_code}|{p.weight_kg}|{p.day:%Y%m%d}"
    text = f"{body}|{_qr_checksum(body)}"
    if p.signature:
        text += f"|{SIGNATURE_MARK}{p.signature}"
    return f"{text}|{p.url}" if p.url else text


def _split(text: str) -> tuple[list[str], str | None, str | None]:
    """(the six fields, the signature field or None, the URL or None)."""
    parts = text.strip().split("|", 6)
    if not parts or parts[0] != QR_PREFIX:
        raise _fail(
            "qr.version",
            "不是本系统的标签二维码",
            "not an hwtrace v1 label payload",
        )
    if len(parts) not in (6, 7):
        raise _fail(
            "qr.format",
            "二维码内容不完整",
            "the payload is incomplete",
        )
    rest = parts[6] if len(parts) == 7 else None
    signature = None
    if rest is not None and rest.startswith(SIGNATURE_MARK):
        signature, _, url = rest[1:].partition("|")
        rest = url or None
    return parts[:6], signature, rest


def decode_qr_payload(text: str) -> QrPayload:
    """Parse a QR text; raise CodeFormatError if the version, checksum or a field is wrong.

    This checks the checksum only (damage, misreads); ``verify_qr_payload`` checks the
    signature.
    """
    fields, signature, url = _split(text)
    _, code, waste, weight, date, chk = fields
    if _qr_checksum("|".join(fields[:5])) != chk.upper():
        raise _fail(
            "qr.checksum",
            "二维码校验失败（标签损坏或误读）",
            "the payload checksum does not match (damaged or misread label)",
        )
    ident = validate_code(code)
    try:
        if Decimal(weight) <= 0:
            raise InvalidOperation
    except InvalidOperation:
        raise _fail(
            "qr.weight",
            "二维码中的重量无效",
            "the weight is invalid",
        ) from None
    if waste != ident.waste_code or date != f"{ident.day:%Y%m%d}":
        raise _fail(
            "qr.mismatch",
            "二维码字段与识别码不一致",
            "the fields disagree with the code",
        )
    return QrPayload(
        code=code,
        waste_code=waste,
        weight_kg=weight,
        day=ident.day,
        url=url,
        signature=signature,
    )


# -- signed labels ----------------------------------------------------------------------------


def label_key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key hash of a verifier key (as in C2SP signed notes):
    SHA-256(name || "\\n" || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([_ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class LabelKey:
    """A park's label verifier key: "<name>+<8 hex key hash>+<base64(0x01 || public key)>"."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        """The 4-byte key hash carried in signed payloads."""
        return label_key_hash(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key text."""
        key = base64.b64encode(bytes([_ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_hash.hex()}+{key}"

    @classmethod
    def parse(cls, text: str) -> LabelKey:
        """Parse a verifier key; raise CodeFormatError("qr.bad_key") if it is malformed."""
        try:
            name, hash_hex, key_b64 = text.strip().split("+", 2)
            raw = base64.b64decode(key_b64, validate=True)
        except ValueError:
            raise _fail("qr.bad_key", "验证公钥格式错误", "malformed verifier key") from None
        key = cls(name, raw[1:])
        if len(raw) != 33 or raw[0] != _ALG_ED25519 or key.key_hash.hex() != hash_hex.lower():
            raise _fail("qr.bad_key", "验证公钥无效", "not a valid Ed25519 verifier key")
        return key


def signed_message(text: str) -> bytes:
    """What a label signature covers: the context string and the payload without the
    signature field (the URL included)."""
    fields, _, url = _split(text)
    unsigned = "|".join(fields) + (f"|{url}" if url else "")
    return SIGNATURE_CONTEXT + unsigned.encode("utf-8")


def sign_qr_payload(text: str, key: LabelKey, sign: Callable[[bytes], bytes]) -> str:
    """The signed form of a payload; sign(message) is the park's Ed25519 signing function
    (its private key stays with the caller)."""
    p = decode_qr_payload(text)
    sig = sign(signed_message(text))
    if len(sig) != 64:
        raise ValueError("an Ed25519 signature is 64 bytes")
    field = base64.urlsafe_b64encode(key.key_hash + sig).decode("ascii").rstrip("=")
    return encode_qr_payload(QrPayload(**{**p.__dict__, "signature": field}))


@dataclass(frozen=True)
class LabelVerdict:
    """What an offline check of a label's QR payload found.

    ``code`` is ``qr.signed`` (a valid signature by ``key_name``), ``qr.unsigned`` (an old
    label without signature: intact, but nothing proves who made it), ``qr.unknown_key``
    (signed by a key the verifier does not hold) or ``qr.forged`` (a signature that does not
    verify: the label was altered or forged).
    """

    code: str
    payload: QrPayload
    key_name: str | None
    message_zh: str
    message_en: str

    @property
    def genuine(self) -> bool:
        """True only for a valid signature by a known park key."""
        return self.code == "qr.signed"


def verify_qr_payload(text: str, keys: Iterable[LabelKey | str]) -> LabelVerdict:
    """Check a scanned payload offline against the park's verifier keys.

    :raises CodeFormatError: not a payload, or damaged (checksum, fields) — as
        ``decode_qr_payload``.
    """
    p = decode_qr_payload(text)
    if p.signature is None:
        return LabelVerdict(
            "qr.unsigned",
            p,
            None,
            "旧式未签名标签：内容完整，但无法证明由园区签发",
            "unsigned label: intact, but nothing proves the park issued it",
        )
    forged = LabelVerdict(
        "qr.forged",
        p,
        None,
        "签名无效：标签被篡改或伪造",
        "the signature does not verify: the label was altered or forged",
    )
    try:
        raw = base64.urlsafe_b64decode(p.signature + "=" * (-len(p.signature) % 4))
    except ValueError:
        return forged
    if len(raw) != 68:
        return forged
    key_hash, sig = raw[:4], raw[4:]
    parsed = [k if isinstance(k, LabelKey) else LabelKey.parse(k) for k in keys]
    candidates = [k for k in parsed if k.key_hash == key_hash]
    if not candidates:
        return LabelVerdict(
            "qr.unknown_key",
            p,
            None,
            "标签由未知密钥签名（不是本园区的公钥）",
            "signed by a key this verifier does not know (not this park's key)",
        )
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    message = signed_message(text)
    for k in candidates:
        try:
            Ed25519PublicKey.from_public_bytes(k.public_key).verify(sig, message)
        except InvalidSignature:
            continue
        return LabelVerdict(
            "qr.signed",
            p,
            k.name,
            f"签名有效：由 {k.name} 签发",
            f"valid signature by {k.name}",
        )
    return forged
