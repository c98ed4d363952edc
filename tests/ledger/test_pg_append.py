"""Appends inside PostgreSQL (``ledger_append``, installed by ``ledger.schema``): the function
writes exactly the bytes, leaf hashes, tree nodes and head that the Python path writes, and no
call of it, however hostile, leaves a row that ``Log.verify`` would report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import ledger
import ledger.db
from ledger import merkle
from ledger.schema import (
    install_append_function,
    install_guards,
    ledger_entry,
    ledger_log,
    ledger_node,
)
from tests.support.rfc6962 import leaf_hash, mth

T0 = dt.datetime(2026, 11, 29, 8, 30, 1, 123456, tzinfo=dt.UTC)

# Strings that JSON must escape, and some it must not: the function's encoding has to be
# Python's json.dumps(ensure_ascii=False) byte for byte.
ODD = [
    'quote " and backslash \\ and slash /',
    "controls \x01\x08\x09\x0a\x0c\x0d\x1b\x1f end",
    "DEL \x7f, LS \u2028, PS \u2029, BOM \ufeff",
    "危险废物 HW08 900-249-08 📦",
    '","seq":0,"log":"X',
    "",
]


def _draft(i: int) -> ledger.EntryDraft:
    odd = ODD[i % len(ODD)]
    return ledger.EntryDraft(
        entry_type=f"batch.{['store', 'move', odd][i % 3]}",
        subject=None if i % 5 == 0 else f"B{i % 7}{odd if i % 4 == 1 else ''}",
        actor=None if i % 6 == 0 else f"p{i % 3}op{odd if i % 4 == 2 else ''}",
        enterprise=None if i % 2 else "91320500MA1XY0001T",
        client_ts=None if i % 3 else T0 - dt.timedelta(seconds=i, microseconds=i),
        payload={
            "i": i,
            "weight_kg": f"{i}.500",
            "note": odd,
            odd: [i, -i, None, True, False, {"seq": i, "log": "other", "payload": {}}],
            "big": 10**60 + i,
            "empty": {},
        },
    )


def _clock_at(t: dt.datetime) -> Any:
    return lambda: t


def _rows(conn: Connection, log_id: str) -> tuple[list[Any], list[Any], Any]:
    e, n, h = ledger_entry.c, ledger_node.c, ledger_log.c
    entries = [
        tuple(bytes(x) if isinstance(x, memoryview) else x for x in r)
        for r in conn.execute(
            sa.select(
                e.seq, e.entry_type, e.subject, e.actor, e.enterprise, e.client_ts, e.server_ts
            )
            .add_columns(e.body, e.leaf_hash)
            .where(e.log_id == log_id)
            .order_by(e.seq)
        )
    ]
    nodes = [
        (r.level, r.idx, r.seq, bytes(r.hash))
        for r in conn.execute(
            sa.select(n.level, n.idx, n.seq, n.hash)
            .where(n.log_id == log_id)
            .order_by(n.level, n.idx)
        )
    ]
    head = conn.execute(
        sa.select(h.origin, h.size, h.root, h.frontier).where(h.log_id == log_id)
    ).one()
    return entries, nodes, (head.origin, head.size, bytes(head.root), bytes(head.frontier))


@pytest.fixture
def pg(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("ledger_append is PostgreSQL's; SQLite appends in Python")
    return engine


def test_function_writes_what_python_writes(pg: Engine, tmp_path: Path) -> None:
    """The same drafts in the same batches (sizes 1 to 16, so the tree passes through sizes
    that are and are not powers of two), through the function on PostgreSQL and the Python path
    on SQLite: identical entries, bytes, leaf hashes, nodes and heads after every batch, equal
    to the RFC 6962 reference."""
    lite = ledger.db.create_engine(f"sqlite:///{tmp_path}/python.db")
    ledger.schema.metadata.create_all(lite)
    in_db = ledger.Log("PARK1", origin="hwtrace.local/PARK1")
    in_python = ledger.Log("PARK1", origin="hwtrace.local/PARK1")
    sizes = [1, 1, 2, 3, 1, 5, 7, 16, 1, 13, 4, 9, 2, 11, 6, 8, 15, 1, 3, 12]
    seq, leaves = 0, []
    try:
        for b, k in enumerate(sizes):
            drafts = [_draft(seq + j) for j in range(k)]
            in_db.clock = in_python.clock = _clock_at(T0 + dt.timedelta(minutes=b, microseconds=b))
            with pg.begin() as conn:
                got = in_db.append_many(conn, drafts)
            with lite.begin() as conn:
                want = in_python.append_many(conn, drafts)
            assert got == want
            seq += k
            leaves += [leaf_hash(e.body) for e in want]
            with pg.connect() as c1, lite.connect() as c2:
                assert _rows(c1, "PARK1") == _rows(c2, "PARK1")
                assert _rows(c1, "PARK1")[2][1:3] == (seq, mth(leaves))
        assert seq == sum(sizes) == 121
        with pg.connect() as conn:
            report = in_db.verify(conn)
            assert report.ok, report.reason
            assert [e.payload for e in in_db.entries(conn)] == [
                dict(_draft(i).payload) for i in range(seq)
            ]
            for size in (1, 2, 3, 64, 65, 100, 121):
                assert in_db.root(conn, size) == mth(leaves[:size])
    finally:
        lite.dispose()


def test_python_and_function_appends_interleave(pg: Engine) -> None:
    """Old rows written by the Python path (before the migration) and new ones written by the
    function make one log."""
    with_fn, without = ledger.Log("L1"), ledger.Log("L1", database_append=False)
    leaves: list[bytes] = []
    for b in range(12):
        log = with_fn if b % 3 else without
        with pg.begin() as conn:
            leaves += [e.leaf_hash for e in log.append_many(conn, [_draft(b)] * (b % 4 + 1))]
    with pg.connect() as conn:
        assert with_fn.verify(conn).ok
        assert with_fn.root(conn) == mth(leaves)


def _call(conn: Connection, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "log_id": "L1",
        "origin": "L1",
        "server_ts": "2026-11-29T08:30:01.000000Z",
        "types": ["t"],
        "subjects": [None],
        "actors": [None],
        "enterprises": [None],
        "client_ts": [None],
        "payloads": [b"{}"],
    }
    args.update(kw)
    return conn.execute(
        sa.text(
            "SELECT first_seq, leaves FROM ledger_append(:log_id, :origin, :server_ts, "
            "CAST(:types AS text[]), CAST(:subjects AS text[]), CAST(:actors AS text[]), "
            "CAST(:enterprises AS text[]), CAST(:client_ts AS text[]), "
            "CAST(:payloads AS bytea[]))"
        ),
        args,
    ).one()


REFUSED = {
    "not JSON": {"payloads": [b"{"]},
    "not UTF-8": {"payloads": [b'{"a":"\xff"}']},
    "an array": {"payloads": [b"[1]"]},
    "a string": {"payloads": [b'"x"']},
    "two values": {"payloads": [b'{"a":1},"seq":7,"x":{}']},
    "trailing garbage": {"payloads": [b"{} x"]},
    "NaN": {"payloads": [b'{"a":NaN}']},
    "nested too deep": {"payloads": [b'{"a":' + b"[" * 600 + b"]" * 600 + b"}"]},
    "an integer of 4,300 digits": {"payloads": [b'{"a":' + b"7" * 4300 + b"}"]},
    "too deep after a long one": {
        "types": ["a", "b"],
        "subjects": [None, None],
        "actors": [None, None],
        "enterprises": [None, None],
        "client_ts": [None, None],
        "payloads": [b'{"a":"' + b"x" * 5000 + b'"}', b'{"a":' + b"[" * 600 + b"]" * 600 + b"}"],
    },
    "no type": {"types": [None]},
    "server_ts not RFC 3339": {"server_ts": "2026-11-29 08:30:01"},
    "server_ts hour 24": {"server_ts": "2026-11-29T24:00:00.000000Z"},
    "server_ts 30 February": {"server_ts": "2026-02-30T08:30:01.000000Z"},
    "client_ts without microseconds": {"client_ts": ["2026-11-29T08:30:01Z"]},
    "arrays of different lengths": {"subjects": [None, None]},
    "a subject too long": {"subjects": ["x" * 200]},
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_function_refuses_what_would_not_verify(pg: Engine, case: str) -> None:
    with pg.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError):
            _call(conn, **REFUSED[case])
        conn.rollback()
        assert _call(conn).first_seq == 0  # the same call with a good payload is taken
        conn.rollback()


def test_whatever_the_function_takes_verifies(pg: Engine) -> None:
    """Calls a compromised server could make directly: strange but acceptable fields and
    payloads. Each is stored, and the log still verifies and reads back."""
    taken = [
        {"subjects": ['","seq":99,"subject":"x'], "actors": ["\\"], "types": ['"']},
        {"payloads": [b'{"seq":5,"log":"X","actor":"Y","client_ts":1,"enterprise":2}']},
        {"payloads": [b' {\n"a" : [ 1 , 2 ]\t} ']},  # not canonical, but JSON
        {"payloads": [b'{"a":"\\u0000\\"\\\\","a":2}']},  # escapes, a duplicate key
        {"payloads": [b'{"a":' + b"[" * 499 + b"]" * 499 + b"}"]},  # depth 500
        {"payloads": [b'{"a":' + b"9" * 4299 + b',"b":"' + b"1" * 5000 + b'"}']},
        {"payloads": [b'{"a":1e999,"b":-0.0,"c":1E-5}']},
        {"client_ts": ["2026-11-29T08:30:01.000001Z"], "enterprises": ["危险废物\u2028"]},
        {
            "types": ["a", "b", "c"],
            "subjects": [None, "s", None],
            "actors": ["x", None, "y"],
            "enterprises": [None, None, "e"],
            "client_ts": [None, None, None],
            "payloads": [b"{}", b'{"k":[]}', b'{"\xe4\xb8\x80":{}}'],
        },
    ]
    with pg.begin() as conn:
        for kw in taken:
            _call(conn, **kw)
    log = ledger.Log("L1")
    with pg.connect() as conn:
        report = log.verify(conn)
        assert report.ok, report.reason
        assert report.size == 11
        stored = list(log.entries(conn))
    assert [e.seq for e in stored] == list(range(11))
    assert stored[0].subject == '","seq":99,"subject":"x' and stored[0].entry_type == '"'


def test_function_is_installed_once_and_again(pg: Engine) -> None:
    """Installing again (a migration run twice, the guards reinstalled) changes nothing, and
    the functions run with a search path no caller can change."""
    with pg.begin() as conn:
        install_append_function(conn)
        install_guards(conn)
        ledger.Log("L1").append(conn, _draft(1))
        conn.exec_driver_sql("CREATE TEMP TABLE ledger_log (log_id text)")
        ledger.Log("L1").append(conn, _draft(2))  # pg_temp is searched last: not this table
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_temp.ledger_log").scalar() == 0
        conn.exec_driver_sql("DROP TABLE pg_temp.ledger_log")
        config = conn.exec_driver_sql(
            "SELECT proname, proconfig, prosecdef FROM pg_proc "
            "WHERE proname LIKE 'ledger\\_%%' ORDER BY proname"
        ).all()
    assert [c.proname for c in config] == [
        "ledger_append",
        "ledger_check_entry",
        "ledger_lock_head",
        "ledger_refuse_change",
    ]
    for c in config[:3]:
        assert c.proconfig == ["search_path=public, pg_temp"]
    assert [c.prosecdef for c in config] == [True, False, True, False]
    with pg.connect() as conn:
        assert ledger.Log("L1").verify(conn).ok
        assert merkle.root_of([e.leaf_hash for e in ledger.Log("L1").entries(conn)]) == (
            ledger.Log("L1").root(conn)
        )
