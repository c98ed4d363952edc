"""The fast verification path against the reference check: same verdict, same first bad entry.

``Log.verify`` checks a clean log chunk by chunk with bulk statements (``FastVerifier._fast``)
and hands over to the entry-by-entry reference check (``ReferenceVerifier._reference``) at the
first chunk where anything disagrees. These tests run both on the same rows — small chunks so
that a few dozen entries span many chunks, side checks on a second connection and inline — and
require the same report, on clean logs (which must never need the reference check) and on
tampered ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import ledger
import ledger.db
import ledger.verify_fast
from ledger import merkle
from ledger.schema import drop_guards, install_guards, ledger_entry, ledger_log, ledger_node
from tests.support.rfc6962 import mth

E, N = ledger_entry.c, ledger_node.c
SIGNER = ledger.Signer.generate("test.local/fast")


# -- pure ----------------------------------------------------------------------------------------


def test_levels_and_prefix_frontier_match_the_definition() -> None:
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(80)]
    assert merkle.leaf_hashes([b"a", b"b"]) == [merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")]
    for start in range(0, 65):
        frontier: list[bytes] = []
        for i in range(start):
            merkle.frontier_push(frontier, i, leaves[i])
        for run in (1, 2, 4, 8, 16):
            if start % run or start + run > len(leaves):
                continue
            lv = merkle.levels(leaves[start : start + run])
            assert len(lv) == run.bit_length()
            for k, level in enumerate(lv):  # element i of level k is node (k, start/2^k + i)
                for i, h in enumerate(level):
                    first = start + (i << k)
                    assert h == mth(leaves[first : first + (1 << k)])
            for size in range(run + 1):
                prefix = frontier + merkle.prefix_frontier(lv, size)
                assert merkle.frontier_root(prefix) == mth(leaves[: start + size])
            pushed, one_by_one = list(frontier), list(frontier)
            completed = merkle.frontier_push_subtree(pushed, start, len(lv) - 1, lv[-1][0])
            all_completed = []
            for i in range(start, start + run):
                all_completed += merkle.frontier_push(one_by_one, i, leaves[i])
            assert pushed == one_by_one
            # the nodes above the subtree are the last ones the leaves complete
            assert completed == [c for c in all_completed if c[0] > len(lv) - 1]
    with pytest.raises(ValueError):
        merkle.frontier_push_subtree([], 2, 2, leaves[0])
    with pytest.raises(ValueError):
        merkle.prefix_frontier(merkle.levels(leaves[:4]), 5)


# -- on databases ------------------------------------------------------------------------------


def _draft(i: int, plain: bool = False) -> ledger.EntryDraft:
    payload: dict[str, object] = {"i": i, "kg": "1.5"}
    if plain:
        return ledger.EntryDraft("batch.test", f"B{i % 4}", "alice", "E1", None, payload)
    if i % 7 == 3:  # payloads that name projected fields, as warning acknowledgements do
        payload["ack"] = {"seq": i - 1, "subject": f"B{i % 4}", "log": "x", "actor": "y"}
    if i % 11 == 5:  # text that JSON escapes
        payload["note"] = 'a "quoted"\nnote \\ \u0001'
    return ledger.EntryDraft(
        "batch.test",
        f"B{i % 4}" if i % 9 else None,
        'o"brien' if i % 13 == 6 else "alice",
        "E1" if i % 5 else None,
        None,
        payload,
    )


def _fill(
    eng: Engine, n: int, log: ledger.Log, checkpoints: tuple[int, ...] = (), plain: bool = False
) -> None:
    for i in range(n):
        with eng.begin() as conn:
            log.append(conn, _draft(i, plain))
            if i + 1 in checkpoints:
                log.sign_checkpoint(conn, SIGNER)


Mode = tuple[int, int]  # (chunk size, size from which side checks run on a second connection)
MODES: list[Mode] = [(4, 0), (8, 10**9), (1 << 16, 0)]


def _verify(
    eng: Engine, log: ledger.Log, *, fast: bool, mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> ledger.VerifyReport:
    chunk, thread_min = mode
    with monkeypatch.context() as m:
        m.setattr(ledger.verify_fast.FastVerifier, "FAST", fast)
        m.setattr(ledger.verify_fast.FastVerifier, "CHUNK", chunk)
        m.setattr(ledger.verify_fast.FastVerifier, "THREAD_MIN", thread_min)
        m.setattr(ledger.verify_fast._SideChecks, "SPAN", 8)
        m.setattr(ledger.verify_fast.FastVerifier, "PREFETCH", frozenset({"sqlite", "postgresql"}))
        with eng.connect() as conn:
            return log.verify(conn, SIGNER.verifier())


def _same(a: ledger.VerifyReport, b: ledger.VerifyReport) -> None:
    fields = ("ok", "size", "root", "first_bad_seq", "reason", "checkpoints_checked")
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}


def _no_reference(self: object, start: int) -> None:
    raise AssertionError(f"the fast path handed over at {start}")


@pytest.mark.parametrize("n", [0, 1, 2, 7, 8, 9, 16, 33])
def test_clean_logs_verify_on_the_fast_path_alone(
    engine: Engine, n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = ledger.Log("F1")
    _fill(engine, n, log, checkpoints=(1, 4, 8, 9, 16, 33), plain=True)
    reference = _verify(engine, log, fast=False, mode=MODES[0], monkeypatch=monkeypatch)
    assert reference.ok, reference.reason
    assert reference.checkpoints_checked == len([c for c in (1, 4, 8, 9, 16, 33) if c <= n])
    monkeypatch.setattr(ledger.verify_fast.FastVerifier, "_reference", _no_reference)
    for mode in MODES:
        _same(_verify(engine, log, fast=True, mode=mode, monkeypatch=monkeypatch), reference)


def test_entries_that_trip_the_column_precheck_still_verify_fast(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quotes, backslashes and control characters in columns and payloads, and payloads that
    name projected fields, trip PostgreSQL's byte comparison: the reference check clears each
    such entry by itself, and the rest of the log stays on the fast path."""
    log = ledger.Log("F1")
    _fill(engine, 40, log, checkpoints=(20, 40))
    reference = _verify(engine, log, fast=False, mode=MODES[0], monkeypatch=monkeypatch)
    assert reference.ok, reference.reason
    monkeypatch.setattr(ledger.verify_fast.FastVerifier, "_reference", _no_reference)
    for mode in MODES:
        _same(_verify(engine, log, fast=True, mode=mode, monkeypatch=monkeypatch), reference)


# -- tampering: the fast path must report what the reference check reports ----------------------


def _rewrite(conn: sa.Connection, log_id: str = "F1") -> None:
    """Recompute leaf hashes, tree nodes and head from the stored bytes, as a forger who rewrote
    entries would (signed checkpoints cannot be redone)."""
    rows = conn.execute(sa.select(E.seq, E.body).where(E.log_id == log_id).order_by(E.seq)).all()
    conn.execute(sa.delete(ledger_node).where(N.log_id == log_id))
    frontier: list[bytes] = []
    nodes = []
    for size, (seq, body) in enumerate(rows):
        leaf = merkle.leaf_hash(bytes(body))
        conn.execute(
            sa.update(ledger_entry).where(E.log_id == log_id, E.seq == seq).values(leaf_hash=leaf)
        )
        for level, idx, h in merkle.frontier_push(frontier, size, leaf):
            nodes.append({"log_id": log_id, "level": level, "idx": idx, "seq": size, "hash": h})
    if nodes:
        conn.execute(sa.insert(ledger_node), nodes)
    conn.execute(
        sa.update(ledger_log)
        .where(ledger_log.c.log_id == log_id)
        .values(size=len(rows), root=merkle.frontier_root(frontier), frontier=b"".join(frontier))
    )


def _body(conn: sa.Connection, seq: int) -> bytes:
    return bytes(conn.execute(sa.select(E.body).where(E.seq == seq)).scalar_one())


def _set_body(conn: sa.Connection, seq: int, body: bytes, rewrite: bool = True) -> None:
    conn.execute(sa.update(ledger_entry).where(E.seq == seq).values(body=body))
    if rewrite:
        _rewrite(conn)


def _edit_fields(at: int, **changes: object) -> Callable[[sa.Connection], None]:
    def change(conn: sa.Connection) -> None:
        fields = json.loads(_body(conn, at))
        fields.update(changes)
        _set_body(conn, at, ledger.canonical_bytes(fields))

    return change


def _raw_edit(seq: int, old: bytes, new: bytes) -> Callable[[sa.Connection], None]:
    def change(conn: sa.Connection) -> None:
        body = _body(conn, seq)
        assert old in body
        _set_body(conn, seq, body.replace(old, new, 1))

    return change


def _column(seq: int, **values: object) -> Callable[[sa.Connection], None]:
    def change(conn: sa.Connection) -> None:
        conn.execute(sa.update(ledger_entry).where(E.seq == seq).values(**values))

    return change


def _sql(sqlite: str, pg: str | None = None) -> Callable[[sa.Connection], None]:
    def change(conn: sa.Connection) -> None:
        conn.exec_driver_sql(sqlite if conn.dialect.name == "sqlite" or pg is None else pg)

    return change


def _node_hash(conn: sa.Connection) -> None:
    conn.execute(sa.update(ledger_node).where(N.level == 2, N.idx == 3).values(hash=bytes(32)))


def _swap(conn: sa.Connection) -> None:
    for a, b in ((5, -1), (6, 5), (-1, 6)):
        conn.execute(sa.update(ledger_entry).where(E.seq == a).values(seq=b))


def _truncate(conn: sa.Connection) -> None:
    conn.execute(sa.delete(ledger_entry).where(E.seq >= 38))
    conn.execute(sa.delete(ledger_node).where(N.seq >= 38))
    _rewrite(conn)


def _dup_after_payload(conn: sa.Connection) -> None:
    """A later member repeats "actor": Python's json (last wins) sees another actor."""
    body = _body(conn, 14)
    _set_body(conn, 14, body.replace(b',"seq":', b',"actor":"mallory","seq":', 1))


def _escaped_key(conn: sa.Connection) -> None:
    body = _body(conn, 14)
    _set_body(conn, 14, body.replace(b',"seq":', b',"\\u0061ctor":"mallory","seq":', 1))


def _spaced_key(conn: sa.Connection) -> None:
    body = _body(conn, 14)
    _set_body(conn, 14, body.replace(b',"seq":', b', "actor" :"mallory","seq":', 1))


TAMPER: dict[str, Callable[[sa.Connection], None]] = {
    # the rows
    "edit body": _raw_edit(10, b"alice", b"alicf"),
    "edit leaf hash": _column(11, leaf_hash=bytes(32)),
    "leaf hash of another length": _column(11, leaf_hash=bytes(31)),
    "delete entry": _sql("DELETE FROM ledger_entry WHERE seq = 12"),
    "delete first entry": _sql("DELETE FROM ledger_entry WHERE seq = 0"),
    "delete last entry": _sql("DELETE FROM ledger_entry WHERE seq = 39"),
    "entry before the log": _sql(
        "INSERT INTO ledger_entry SELECT log_id, -1, entry_type, subject, actor, enterprise, "
        "client_ts, server_ts, body, leaf_hash FROM ledger_entry WHERE seq = 0"
    ),
    "entry past the head": _sql(
        "INSERT INTO ledger_entry SELECT log_id, 40, entry_type, subject, actor, enterprise, "
        "client_ts, server_ts, body, leaf_hash FROM ledger_entry WHERE seq = 39"
    ),
    "swap entries": _swap,
    "body as text": _sql(
        "UPDATE ledger_entry SET body = 'x' WHERE seq = 3",
        "UPDATE ledger_entry SET body = 'x'::bytea WHERE seq = 3",
    ),
    # the tree
    "edit node": _node_hash,
    "delete node": _sql("DELETE FROM ledger_node WHERE level = 1 AND idx = 4"),
    "delete high node": _sql("DELETE FROM ledger_node WHERE level = 5"),
    "node past the end": _sql(
        "INSERT INTO ledger_node SELECT log_id, level, idx + 100, seq + 100, hash "
        "FROM ledger_node WHERE level = 1 AND idx = 0"
    ),
    "stray node at level 0": _sql(
        "INSERT INTO ledger_node SELECT log_id, 0, 0, 5, hash FROM ledger_node "
        "WHERE level = 1 AND idx = 0"
    ),
    "node seq": _sql("UPDATE ledger_node SET seq = 2 WHERE level = 1 AND idx = 2"),
    "node seq later": _sql("UPDATE ledger_node SET seq = 30 WHERE level = 1 AND idx = 2"),
    "node seq past the end": _sql("UPDATE ledger_node SET seq = 99 WHERE level = 1 AND idx = 2"),
    "node seq below": _sql("UPDATE ledger_node SET seq = 0 WHERE level = 1 AND idx = 12"),
    "node seq negative": _sql("UPDATE ledger_node SET seq = -3 WHERE level = 1 AND idx = 12"),
    "node hash of another length": _sql(
        "UPDATE ledger_node SET hash = substr(hash, 1, 31) WHERE level = 1 AND idx = 6",
        "UPDATE ledger_node SET hash = substring(hash for 31) WHERE level = 1 AND idx = 6",
    ),
    # the head
    "head size": _sql("UPDATE ledger_log SET size = 39"),
    "head root": _sql("UPDATE ledger_log SET root = frontier"),
    "head frontier": _sql(
        "UPDATE ledger_log SET "
        "frontier = CAST(substr(frontier, 33) || substr(frontier, 1, 32) AS BLOB)",
        "UPDATE ledger_log SET frontier = substring(frontier from 33) "
        "|| substring(frontier for 32)",
    ),
    # checkpoints
    "checkpoint root": _sql(
        "UPDATE ledger_checkpoint SET root = (SELECT frontier FROM ledger_log) WHERE size = 8"
    ),
    "truncated past a checkpoint": _truncate,
    # projected columns against the bytes
    "column subject": _column(7, subject="B9"),
    "column actor": _column(8, actor="mallory"),
    "column enterprise to null": _column(9, enterprise=None),
    "column client_ts": _column(10, client_ts="2026-01-01T00:00:00.000000Z"),
    "column server_ts": _column(15, server_ts="2026-01-01T00:00:00.000000Z"),
    "column type": _column(16, entry_type="batch.other"),
    # bytes rewritten consistently (leaf, tree and head redone): only the columns can tell
    "rewritten field": _edit_fields(13, actor="mallory"),
    "rewritten type confusion": _edit_fields(17, subject=1),
    "rewritten seq as text": _edit_fields(18, seq="18"),
    "rewritten seq as float": _raw_edit(19, b'"seq":19', b'"seq":19.0'),
    "rewritten log": _edit_fields(21, log="F2"),
    "rewritten duplicate key": _dup_after_payload,
    "rewritten escaped key": _escaped_key,
    "rewritten spaced key": _spaced_key,
    "rewritten whitespace": _raw_edit(22, b',"seq":', b', "seq":'),
    "rewritten not json": _raw_edit(23, b'"v":1}', b'"v":1'),
    "rewritten not an object": lambda c: _set_body(c, 24, b'["F1", 24]'),
    "rewritten not utf-8": _raw_edit(25, b'"kg":"1.5"', b'"kg":"1.5\xff"'),
    "rewritten nul escape": _raw_edit(26, b'"kg":"1.5"', b'"kg":"\\u0000"'),
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_tampering_gets_the_reference_verdict(
    engine: Engine, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = ledger.Log("F1")
    _fill(engine, 40, log, checkpoints=(8, 40))
    with engine.begin() as conn:
        drop_guards(conn)
        TAMPER[case](conn)
        install_guards(conn)
    reference = _verify(engine, log, fast=False, mode=MODES[0], monkeypatch=monkeypatch)
    assert not reference.ok, case
    for mode in MODES:
        _same(_verify(engine, log, fast=True, mode=mode, monkeypatch=monkeypatch), reference)


def test_a_verifier_running_inside_a_write_transaction_sees_its_rows(engine: Engine) -> None:
    """The caller's transaction may hold the write lock (SQLite BEGIN IMMEDIATE) while the side
    checks read on another connection: they must not wait for it."""
    log = ledger.Log("F1")
    _fill(engine, 20, log)
    with engine.begin() as conn:
        log.append(conn, _draft(20))  # committed below, after verify
        with pytest.MonkeyPatch.context() as m:
            m.setattr(ledger.verify_fast.FastVerifier, "THREAD_MIN", 0)
            m.setattr(ledger.verify_fast.FastVerifier, "CHUNK", 4)
            report = log.verify(conn)
    # the side checks read committed rows below the head the caller sees, which never change
    assert report.ok, report.reason
    assert report.size == 21
