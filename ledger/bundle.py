"""Signed ledger bundles: a self-contained JSON document an inspector verifies offline.

A bundle holds a signed checkpoint (a C2SP tlog-checkpoint note), the verifier key, and some
entries of the log, each as its canonical bytes (base64) with its index and its RFC 6962
inclusion proof against the checkpoint's root::

    {"format": "hwtrace-ledger-bundle", "version": 1,
     "origin": "<checkpoint origin>", "log": "<log id>",
     "checkpoint": "<signed note>", "vkey": "<name>+<hash>+<key>",
     "tree_size": 42, "root_hash": "<hex>",                 (informational, must agree)
     "entries": [{"index": 7, "leaf": "<base64>", "proof": ["<hex>", ...]}, ...]}

``verify_bundle`` needs nothing but the bytes (and, to pin the key, the park's published verifier
key): no database, no network. It never raises; it returns a ``BundleReport`` that names the first
bad entry and why, with a stable ``code`` a caller can translate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ledger import merkle
from ledger.canonical import canonical_bytes, entry_fields
from ledger.checkpoint import Checkpoint, Verifier, parse_checkpoint
from ledger.errors import BadSignatureError, NotCanonicalError

FORMAT = "hwtrace-ledger-bundle"
VERSION = 1
MAX_PROOF_LENGTH = 64  # a tree of 2**64 leaves; anything longer is not a proof


def _entry_keys() -> frozenset[str]:
    # The fields of an entry, taken from the function that writes them so the two cannot drift.
    sample = entry_fields(
        log="",
        seq=0,
        entry_type="",
        subject=None,
        actor=None,
        enterprise=None,
        client_ts=None,
        server_ts=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        payload={},
    )
    return frozenset(sample)


ENTRY_KEYS = _entry_keys()


# Stable codes of the faults ``verify_bundle`` reports (callers translate them).
MALFORMED = "bundle.malformed"
UNSUPPORTED = "bundle.unsupported_format"
KEY_MISMATCH = "bundle.key_mismatch"
BAD_KEY = "bundle.bad_key"
BAD_SIGNATURE = "bundle.bad_signature"
HEAD_MISMATCH = "bundle.head_mismatch"
BAD_ENTRY = "bundle.bad_entry"
DUPLICATE_INDEX = "bundle.duplicate_index"
INDEX_OUT_OF_RANGE = "bundle.index_out_of_range"
NOT_CANONICAL = "bundle.not_canonical"
WRONG_PLACE = "bundle.wrong_place"
BAD_PROOF = "bundle.bad_proof"


@dataclass
class BundleReport:
    """The outcome of ``verify_bundle``: ok, or the first fault (entry index, code and why)."""

    ok: bool
    origin: str | None = None
    tree_size: int | None = None
    root: bytes | None = None
    vkey: str | None = None
    key_pinned: bool = False
    entries_checked: int = 0
    first_bad_index: int | None = None
    first_bad_position: int | None = None
    code: str | None = None
    reason: str | None = None
    indices: list[int] = field(default_factory=list)


class _Fault(Exception):
    def __init__(
        self, code: str, reason: str, *, index: int | None = None, position: int | None = None
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.index = index
        self.position = position


def canonical_problem(body: bytes) -> str | None:
    """Return why ``body`` is not the canonical bytes of a ledger entry, or None if it is."""
    try:
        fields = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "the entry's bytes are not UTF-8 JSON"
    if not isinstance(fields, dict):
        return "the entry's bytes are not a JSON object"
    if set(fields) != ENTRY_KEYS:
        missing = sorted(ENTRY_KEYS - set(fields))
        extra = sorted(set(fields) - ENTRY_KEYS)
        return f"the entry's fields are wrong (missing {missing}, unexpected {extra})"
    if type(fields["seq"]) is not int or type(fields["v"]) is not int:
        return "the entry's seq or v is not an integer"
    if not isinstance(fields["payload"], dict):
        return "the entry's payload is not an object"
    try:
        again = canonical_bytes(fields)
    except NotCanonicalError as err:
        return f"the entry's bytes are not canonical: {err}"
    except (ValueError, RecursionError):  # lone surrogates cannot be encoded as UTF-8
        return "the entry's bytes are not canonical (invalid Unicode)"
    if again != body:
        return "the entry's bytes are not in canonical form (key order, spacing or escapes)"
    return None


def _int(value: Any) -> TypeGuard[int]:
    return type(value) is int  # not bool


def _verifier(doc: dict[str, Any], vkey: str | None, report: BundleReport) -> Verifier:
    given = doc.get("vkey")
    if given is not None and not isinstance(given, str):
        raise _Fault(MALFORMED, "the bundle's vkey is not text")
    try:
        own = Verifier.from_vkey(given) if given is not None else None
    except BadSignatureError as err:
        raise _Fault(BAD_KEY, f"the bundle's verifier key is unusable: {err}") from None
    if vkey is not None:
        try:
            pinned = Verifier.from_vkey(vkey)
        except BadSignatureError as err:
            raise _Fault(BAD_KEY, f"the given verifier key is unusable: {err}") from None
        if own is not None and own != pinned:
            raise _Fault(
                KEY_MISMATCH,
                f"the bundle is signed for key {own.name}+{own.key_hash.hex()}, "
                f"not the expected key {pinned.name}+{pinned.key_hash.hex()}",
            )
        report.key_pinned = True
        report.vkey = pinned.vkey
        return pinned
    if own is None:
        raise _Fault(MALFORMED, "the bundle has no verifier key and none was given")
    report.vkey = own.vkey
    return own


def _head(doc: dict[str, Any], verifier: Verifier, report: BundleReport) -> Checkpoint:
    note = doc.get("checkpoint")
    if not isinstance(note, str):
        raise _Fault(MALFORMED, "the bundle has no checkpoint note")
    try:
        cp = parse_checkpoint(note, verifier)
    except BadSignatureError as err:
        raise _Fault(BAD_SIGNATURE, f"the checkpoint does not verify: {err}") from None
    report.origin, report.tree_size, report.root = cp.origin, cp.size, cp.root
    if doc.get("origin") != cp.origin:
        raise _Fault(
            HEAD_MISMATCH,
            f"the bundle says origin {doc.get('origin')!r} but the checkpoint is for {cp.origin!r}",
        )
    if "tree_size" in doc and not (_int(doc["tree_size"]) and doc["tree_size"] == cp.size):
        raise _Fault(
            HEAD_MISMATCH,
            f"the bundle says tree size {doc['tree_size']!r} but the signed checkpoint says "
            f"{cp.size}",
        )
    if "root_hash" in doc and doc["root_hash"] != cp.root.hex():
        raise _Fault(HEAD_MISMATCH, "the bundle's root hash differs from the signed checkpoint's")
    return cp


def _index(item: Any, position: int) -> int:
    if not isinstance(item, dict):
        raise _Fault(BAD_ENTRY, "the entry is not an object", position=position)
    index = item.get("index")
    if not _int(index) or index < 0:
        raise _Fault(BAD_ENTRY, "the entry has no valid index", position=position)
    return index


def _proof(raw: list[Any], fault: Callable[[str, str], _Fault]) -> list[bytes]:
    if len(raw) > MAX_PROOF_LENGTH:
        raise fault(BAD_PROOF, "the inclusion proof is too long")
    proof: list[bytes] = []
    for h in raw:
        try:
            node = bytes.fromhex(h) if isinstance(h, str) else b""
        except ValueError:
            node = b""
        if len(node) != 32:
            raise fault(BAD_PROOF, "the inclusion proof has a malformed hash")
        proof.append(node)
    return proof


def _check_entry(
    item: Any, position: int, cp: Checkpoint, log_id: str | None, seen: set[int]
) -> int:
    index = _index(item, position)

    def fault(code: str, reason: str) -> _Fault:
        return _Fault(code, reason, index=index, position=position)

    if index in seen:
        raise fault(DUPLICATE_INDEX, f"index {index} appears more than once")
    seen.add(index)
    if index >= cp.size:
        raise fault(
            INDEX_OUT_OF_RANGE, f"index {index} is not in the signed tree of {cp.size} entries"
        )
    leaf_b64, proof_hex = item.get("leaf"), item.get("proof")
    if not isinstance(leaf_b64, str) or not isinstance(proof_hex, list):
        raise fault(BAD_ENTRY, "the entry needs its bytes (leaf) and its proof")
    try:
        body = base64.b64decode(leaf_b64, validate=True)
    except (binascii.Error, ValueError):
        raise fault(BAD_ENTRY, "the entry's bytes are not valid base64") from None
    problem = canonical_problem(body)
    if problem is not None:
        raise fault(NOT_CANONICAL, problem)
    fields = json.loads(body)
    if fields["seq"] != index:
        raise fault(WRONG_PLACE, f"the entry's bytes say sequence {fields['seq']}, not {index}")
    if log_id is not None and fields["log"] != log_id:
        raise fault(WRONG_PLACE, f"the entry belongs to log {fields['log']!r}, not {log_id!r}")
    proof = _proof(proof_hex, fault)
    if not merkle.verify_inclusion(index, cp.size, merkle.leaf_hash(body), proof, cp.root):
        raise fault(
            BAD_PROOF,
            f"the inclusion proof of entry {index} does not lead to the signed root "
            "(the entry or its proof was altered)",
        )
    return index


def verify_bundle(data: bytes, *, vkey: str | None = None) -> BundleReport:
    """Verify a signed ledger bundle offline and report the first fault, if any.

    Checks, in order: the bundle's shape and format version; the verifier key (equal to
    ``vkey`` when one is given: pass the park's published key to pin it); the checkpoint's
    signature; that the bundle's origin, tree size and root agree with the signed checkpoint;
    then for every entry: a unique index inside the signed tree, bytes that are the canonical
    form of an entry of this log at that index, and an inclusion proof that leads to the
    signed root.
    """
    report = BundleReport(ok=False)
    try:
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _Fault(MALFORMED, "the bundle is not JSON") from None
        if not isinstance(doc, dict):
            raise _Fault(MALFORMED, "the bundle is not a JSON object")
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise _Fault(
                UNSUPPORTED,
                f"not a {FORMAT} version {VERSION} document "
                f"(format {doc.get('format')!r}, version {doc.get('version')!r})",
            )
        verifier = _verifier(doc, vkey, report)
        cp = _head(doc, verifier, report)
        entries = doc.get("entries")
        if not isinstance(entries, list):
            raise _Fault(MALFORMED, "the bundle has no list of entries")
        log_id = doc.get("log")
        if log_id is not None and not isinstance(log_id, str):
            raise _Fault(MALFORMED, "the bundle's log id is not text")
        seen: set[int] = set()
        for position, item in enumerate(entries):
            report.indices.append(_check_entry(item, position, cp, log_id, seen))
            report.entries_checked += 1
    except _Fault as f:
        report.code, report.reason = f.code, f.reason
        report.first_bad_index, report.first_bad_position = f.index, f.position
        return report
    report.ok = True
    return report
