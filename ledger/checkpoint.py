"""Signed checkpoints in the C2SP tlog-checkpoint form, as Ed25519 signed notes (C2SP
signed-note): the body is "<origin>\\n<size>\\n<base64 root>\\n"; the note is the body, a blank
line, and one line "— <key name> <base64(4-byte key hash || signature)>" per signature. The key
hash is the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key); the verifier key is
written "<name>+<8 hex key hash>+<base64(0x01 || public key)>".
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.errors import BadSignatureError

ALG_ED25519 = 0x01
DASH = "\u2014"


def check_key_name(name: str) -> None:
    """Refuse a signed-note key name with spaces or '+' (C2SP signed-note)."""
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise ValueError(f"bad key name {name!r}: no spaces and no '+'")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM Ed25519 private key from ``path``."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def private_pem(key: Ed25519PrivateKey) -> bytes:
    """Return a private key as unencrypted PKCS#8 PEM (keep it with mode 0600)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def key_hash(name: str, public_key: bytes, alg: int = ALG_ED25519) -> bytes:
    """Return the 4-byte key hash that identifies a signer in a signed note (``alg`` is the
    signature type byte: 0x01 for a log's Ed25519 key, 0x04 for an Ed25519 cosigner)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def split_note(note: str) -> tuple[str, list[str]]:
    """Split a signed note into its body (ending with a newline) and its signature lines.

    :raises BadSignatureError: not a signed note.
    """
    body, sep, sigs = note.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise BadSignatureError("not a signed note")
    return body + "\n", sigs[:-1].split("\n")


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note verifier: key name, key hash and public key."""

    name: str
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        """Return this verifier's 4-byte key hash."""
        return key_hash(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """Return the verifier key text "<name>+<hex hash>+<base64 key>"."""
        key = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_hash.hex()}+{key}"

    @classmethod
    def from_vkey(cls, text: str) -> Verifier:
        """Parse a verifier key; raise BadSignatureError if it is malformed."""
        try:
            name, hash_hex, key_b64 = text.strip().split("+", 2)
            raw = base64.b64decode(key_b64, validate=True)
        except ValueError:
            raise BadSignatureError("malformed verifier key") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise BadSignatureError("verifier key is not an Ed25519 key")
        v = cls(name=name, public_key=raw[1:])
        if v.key_hash.hex() != hash_hex.lower():
            raise BadSignatureError("verifier key hash does not match its key")
        return v

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return True if ``signature`` is this key's signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Signer:
    """An Ed25519 signing key with its note key name."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @classmethod
    def generate(cls, name: str) -> Signer:
        """Return a signer with a new random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path, name: str) -> Signer:
        """Load a PKCS#8 PEM private key from ``path``."""
        return cls(name, load_private_key(path))

    def private_bytes(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM (store it with mode 0600)."""
        return private_pem(self._key)

    def verifier(self) -> Verifier:
        """Return the matching verifier."""
        return Verifier(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """Return the verifier key text."""
        return self.verifier().vkey

    def sign(self, message: bytes) -> bytes:
        """Return the raw Ed25519 signature of ``message``. Callers put their own context string
        in front of what they sign (labels: ``hwtrace-label/v1\\n``), so a signature made for
        one use never verifies as another."""
        return self._key.sign(message)

    def sign_note(self, body: str) -> str:
        """Return the signed note of ``body`` (which must end with a newline)."""
        if not body.endswith("\n"):
            raise ValueError("a note body ends with a newline")
        sig = self._key.sign(body.encode("utf-8"))
        blob = base64.b64encode(self.verifier().key_hash + sig).decode("ascii")
        return f"{body}\n{DASH} {self.name} {blob}\n"


@dataclass(frozen=True)
class Checkpoint:
    """What a verified checkpoint commits to."""

    origin: str
    size: int
    root: bytes
    note: str


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """Return the checkpoint body text."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


def sign_checkpoint(origin: str, size: int, root: bytes, signer: Signer) -> str:
    """Return the signed checkpoint note for a tree of ``size`` leaves with hash ``root``."""
    return signer.sign_note(checkpoint_body(origin, size, root))


def parse_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Check a signed checkpoint note against ``verifier`` and return what it commits to.

    :raises BadSignatureError: malformed note, no signature by this key, or a bad signature.
    """
    body, sep, sigs = note.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise BadSignatureError("not a signed note")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise BadSignatureError("checkpoint body too short")
    origin, size_text, root_b64 = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise BadSignatureError("bad tree size")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except ValueError:
        raise BadSignatureError("bad root hash") from None
    if len(root) != 32:
        raise BadSignatureError("bad root hash length")
    found = False
    for line in sigs[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise BadSignatureError("malformed signature line")
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise BadSignatureError("malformed signature") from None
        if parts[1] != verifier.name or blob[:4] != verifier.key_hash:
            continue
        if len(blob) != 68 or not verifier.verify(body.encode("utf-8"), blob[4:]):
            raise BadSignatureError("the signature does not verify")
        found = True
    if not found:
        raise BadSignatureError("no signature by the expected key")
    return Checkpoint(origin=origin, size=int(size_text), root=root, note=note)
