"""An append-only, tamper-evident log on SQLAlchemy Core: canonical entries, an RFC 6962
Merkle tree with inclusion and consistency proofs, Ed25519-signed C2SP checkpoints, and a
verifier that recomputes everything from the stored rows. Knows nothing of waste or Flask."""

from ledger import merkle, schema
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
from ledger.log import Log
from ledger.verify_reference import VerifyReport

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
