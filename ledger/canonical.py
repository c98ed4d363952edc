"""Canonical entry bytes: JSON with sorted keys, no insignificant whitespace, UTF-8.

Floats are refused anywhere in an entry (their text form is not unique across languages);
quantities are decimal strings. The same entry always gives the same bytes, so its leaf hash
can be recomputed by anyone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from ledger.errors import NotCanonicalError

FORMAT_VERSION = 1


def format_ts(ts: dt.datetime | None) -> str | None:
    """Return a timestamp as RFC 3339 UTC with microseconds ("2026-01-02T03:04:05.000006Z")."""
    if ts is None:
        return None
    if ts.tzinfo is None:
        raise NotCanonicalError("naive timestamp: a time zone is required")
    t = ts.astimezone(dt.UTC)
    # explicit widths: strftime's %Y is not zero-padded for years before 1000 on every libc
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:"
        f"{t.second:02d}.{t.microsecond:06d}Z"
    )


def parse_ts(text: str | None) -> dt.datetime | None:
    """Parse a timestamp written by ``format_ts``."""
    if text is None:
        return None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        raise NotCanonicalError(f"float at {path or '/'}: use a decimal string")
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise NotCanonicalError(f"non-string key at {path or '/'}")
            _check(v, f"{path}/{k}")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check(v, f"{path}/{i}")
        return
    raise NotCanonicalError(f"{type(value).__name__} at {path or '/'} is not JSON")


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Return the canonical bytes of an entry's fields."""
    _check(fields, "")
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_fields(
    *,
    log: str,
    seq: int,
    entry_type: str,
    subject: str | None,
    actor: str | None,
    enterprise: str | None,
    client_ts: dt.datetime | None,
    server_ts: dt.datetime,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    """Return the field mapping that ``canonical_bytes`` serializes for one entry."""
    return {
        "v": FORMAT_VERSION,
        "log": log,
        "seq": seq,
        "type": entry_type,
        "subject": subject,
        "actor": actor,
        "enterprise": enterprise,
        "client_ts": format_ts(client_ts),
        "server_ts": format_ts(server_ts),
        "payload": dict(payload),
    }
