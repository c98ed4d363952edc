"""An append-only, tamper-evident log on SQLAlchemy Core: canonical entries, an RFC 6962
Merkle tree with inclusion and consistency proofs, Ed25519-signed C2SP checkpoints, and a
verifier that recomputes everything from the stored rows. Knows nothing of waste or Flask."""

from typing import TYPE_CHECKING, Any

from ledger import merkle
from ledger.canonical import canonical_bytes
from ledger.checkpoint import Checkpoint, Signer, Verifier, parse_checkpoint, sign_checkpoint
from ledger.entry import EntryDraft, StoredEntry
from ledger.errors import (
    AppendOnlyError,
    BadProofError,
    BadSignatureError,
    LedgerError,
    NotCanonicalError,
)

if TYPE_CHECKING:
    from ledger import schema
    from ledger.log import Log
    from ledger.verify_reference import VerifyReport

# The parts on SQLAlchemy load on first use, so the offline bundle check (ledger.bundle,
# ledger.verify_cli) runs with cryptography alone.
_LAZY = {"Log": "ledger.log", "VerifyReport": "ledger.verify_reference", "schema": None}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _LAZY:
        raise AttributeError(f"module 'ledger' has no attribute {name!r}")
    module = _LAZY[name]
    if module is None:
        return importlib.import_module(f"ledger.{name}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "AppendOnlyError",
    "BadProofError",
    "BadSignatureError",
    "Checkpoint",
    "EntryDraft",
    "LedgerError",
    "Log",
    "NotCanonicalError",
    "Signer",
    "StoredEntry",
    "Verifier",
    "VerifyReport",
    "canonical_bytes",
    "merkle",
    "parse_checkpoint",
    "schema",
    "sign_checkpoint",
]
