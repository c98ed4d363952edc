"""The ledger's entries as values: a draft before it has a place in the log, and an entry as
stored (its fields, canonical bytes and leaf hash)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.canonical import parse_ts


def utcnow() -> dt.datetime:
    """Return the current time, aware, in UTC (the log's default clock)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class EntryDraft:
    """An entry before it has a place in the log."""

    entry_type: str
    subject: str | None
    actor: str | None
    enterprise: str | None
    client_ts: dt.datetime | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class StoredEntry:
    """An entry as stored: its fields, canonical bytes and leaf hash."""

    log_id: str
    seq: int
    entry_type: str
    subject: str | None
    actor: str | None
    enterprise: str | None
    client_ts: dt.datetime | None
    server_ts: dt.datetime
    payload: dict[str, Any]
    body: bytes
    leaf_hash: bytes


def entry_from_body(log_id: str, body: bytes, leaf: bytes) -> StoredEntry:
    """Return the stored entry whose canonical bytes are ``body``."""
    f = json.loads(body)
    return StoredEntry(
        log_id=log_id,
        seq=f["seq"],
        entry_type=f["type"],
        subject=f["subject"],
        actor=f["actor"],
        enterprise=f["enterprise"],
        client_ts=parse_ts(f["client_ts"]),
        server_ts=parse_ts(f["server_ts"]) or utcnow(),
        payload=f["payload"],
        body=body,
        leaf_hash=leaf,
    )
