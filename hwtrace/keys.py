"""The ledger's Ed25519 signing key: read from the configured file, or made on first run (the
demo key) and written with mode 0600."""

from __future__ import annotations

import os
from pathlib import Path

import ledger


def load_or_create_signer(path: Path, name: str) -> ledger.Signer:
    """Return the signer in ``path``; create the file with a new key if it does not exist."""
    if path.exists():
        return ledger.Signer.load(path, name)
    signer = ledger.Signer.generate(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(signer.private_bytes())
    return signer
