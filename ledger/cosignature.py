"""Witness cosignatures of checkpoints (C2SP tlog-cosignature, Ed25519 ``cosignature/v1``).

A cosignature is a signed-note signature line ``— <witness name> base64(key id || timestamp ||
signature)`` where the key id is the first 4 bytes of SHA-256(name || "\\n" || 0x04 || public
key), the timestamp is a big-endian u64 of POSIX seconds, and the Ed25519 signature covers::

    cosignature/v1
    time <timestamp>
    <the checkpoint's whole note body>

It states that, as of that time, this is the largest tree the witness has seen for the log
and that it is consistent with every tree the witness saw before. The witness's verifier key
is written ``<name>+<8 hex key id>+<base64(0x04 || public key)>`` (C2SP signed-note vkey).
Needs nothing but cryptography, like the offline bundle check.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.checkpoint import (
    DASH,
    check_key_name,
    key_hash,
    load_private_key,
    private_pem,
    split_note,
)
from ledger.errors import BadSignatureError

ALG_COSIGNATURE_V1 = 0x04


def signed_message(body: str, timestamp: int) -> bytes:
    """Return the bytes a ``cosignature/v1`` signs for a checkpoint body at ``timestamp``."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key: its name and Ed25519 key (signature type 0x04)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        """Return the 4-byte key id of this witness's cosignature lines."""
        return key_hash(self.name, self.public_key, ALG_COSIGNATURE_V1)

    @property
    def vkey(self) -> str:
        """Return the verifier key text ``<name>+<hex key id>+<base64(0x04 || key)>``."""
        raw = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{raw}"

    @classmethod
    def from_vkey(cls, text: str) -> CosignerKey:
        """Parse a witness verifier key; raise BadSignatureError if it is not one."""
        try:
            name, hash_hex, key_b64 = text.strip().split("+", 2)
            raw = base64.b64decode(key_b64, validate=True)
        except ValueError:
            raise BadSignatureError("malformed witness key") from None
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise BadSignatureError("not an Ed25519 cosigner key (signature type 0x04)")
        key = cls(name=name, public_key=raw[1:])
        if key.key_id.hex() != hash_hex.lower():
            raise BadSignatureError("witness key id does not match its key")
        return key

    def timestamp_of(self, body: str, line: str) -> int | None:
        """Return the timestamp of ``line`` if it is this witness's valid cosignature of
        ``body``, else None."""
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != self.name:
            return None
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            return None
        if len(blob) != 4 + 8 + 64 or blob[:4] != self.key_id:
            return None
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        if timestamp >= 1 << 63:
            return None
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                blob[12:], signed_message(body, timestamp)
            )
        except InvalidSignature:
            return None
        return int(timestamp)


class Cosigner:
    """A witness's Ed25519 signing key."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self._key = private_key
        self.key = CosignerKey(
            name,
            private_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            ),
        )

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        """Return a cosigner with a new random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path, name: str) -> Cosigner:
        """Load a PKCS#8 PEM private key from ``path``."""
        return cls(name, load_private_key(path))

    def private_bytes(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM (keep it with mode 0600)."""
        return private_pem(self._key)

    def cosign(self, body: str, timestamp: int) -> str:
        """Return the cosignature line (ending with a newline) of a checkpoint body."""
        sig = self._key.sign(signed_message(body, timestamp))
        blob = self.key.key_id + struct.pack(">Q", timestamp) + sig
        return f"{DASH} {self.name} {base64.b64encode(blob).decode('ascii')}\n"


def cosigned_by(note: str, keys: list[CosignerKey]) -> dict[str, int]:
    """Return, for each witness in ``keys`` with a valid cosignature in ``note``, its name and
    timestamp. Lines of other keys are ignored, as the signed-note format says."""
    body, lines = split_note(note)
    found: dict[str, int] = {}
    for key in keys:
        for line in lines:
            ts = key.timestamp_of(body, line)
            if ts is not None:
                found[key.name] = ts
                break
    return found


def add_signatures(note: str, lines: list[str]) -> str:
    """Return ``note`` with signature ``lines`` appended (a line it already has is skipped)."""
    _body, have = split_note(note)
    extra = [ln.rstrip("\n") for ln in lines if ln.rstrip("\n") and ln.rstrip("\n") not in have]
    return note + "".join(f"{ln}\n" for ln in extra)
