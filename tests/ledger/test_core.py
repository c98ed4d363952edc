"""The ledger library on real databases: proofs, checkpoints, guards, tampering, concurrency."""

from __future__ import annotations

import base64
import datetime as dt
import multiprocessing

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import ledger
import ledger.db
from ledger import merkle
from ledger.schema import drop_guards, install_guards, ledger_entry, ledger_node
from tests.support.rfc6962 import mth

E = ledger_entry.c


def _draft(i: int, subject: str = "B1") -> ledger.EntryDraft:
    return ledger.EntryDraft("batch.test", subject, "alice", "E1", None, {"i": i, "kg": "1.5"})


SIGNER = ledger.Signer.generate("test.local/log")


def _fill(eng: Engine, n: int, log: ledger.Log, checkpoint_every: int = 0) -> None:
    for i in range(n):
        with eng.begin() as conn:
            log.append(conn, _draft(i, f"B{i % 4}"))
            if checkpoint_every and (i + 1) % checkpoint_every == 0:
                log.sign_checkpoint(conn, SIGNER)


# -- pure --------------------------------------------------------------------------------------


def test_canonical_bytes_are_deterministic_and_refuse_floats() -> None:
    a = ledger.canonical_bytes({"b": 1, "a": {"y": "二", "x": [1, None, True]}})
    b = ledger.canonical_bytes({"a": {"x": [1, None, True], "y": "二"}, "b": 1})
    assert a == b == '{"a":{"x":[1,null,true],"y":"二"},"b":1}'.encode()
    for bad in [{"w": 1.5}, {"w": [float("nan")]}, {1: "x"}, {"d": dt.date(2026, 1, 1)}]:
        with pytest.raises(ledger.NotCanonicalError):
            ledger.canonical_bytes(bad)  # type: ignore[arg-type]


def test_merkle_known_vector() -> None:
    # RFC 6962 test vectors as published with certificate-transparency-go's merkle tests:
    # the root over the 8 leaves below.
    leaves = [
        bytes.fromhex(h)
        for h in [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
    ]
    hashes = [merkle.leaf_hash(x) for x in leaves]
    assert merkle.root_of(hashes).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )
    assert merkle.root_of(hashes[:1]).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_frontier_and_proofs_match_the_definition_for_all_sizes() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(70)]
    for n in range(70):
        frontier: list[bytes] = []
        for i in range(n):
            merkle.frontier_push(frontier, i, leaves[i])
        assert merkle.frontier_root(frontier) == mth(leaves[:n]) == merkle.root_of(leaves[:n])

        def sub(a: int, b: int) -> bytes:
            return mth(leaves[a:b])

        for i in range(n):
            path = merkle.inclusion_path(i, n, sub)
            assert merkle.verify_inclusion(i, n, leaves[i], path, mth(leaves[:n]))
            assert not merkle.verify_inclusion(i, n, leaves[(i + 1) % 70], path, mth(leaves[:n]))
        for m in range(1, n + 1):
            proof = merkle.consistency_path(m, n, sub)
            assert merkle.verify_consistency(m, n, mth(leaves[:m]), mth(leaves[:n]), proof)
            if m < n:
                assert not merkle.verify_consistency(m, n, bytes(32), mth(leaves[:n]), proof)


def test_checkpoint_sign_parse_and_refusals() -> None:
    root = bytes(range(32))
    note = ledger.sign_checkpoint("test.local/log", 42, root, SIGNER)
    lines = note.split("\n")
    assert lines[:3] == ["test.local/log", "42", base64.b64encode(root).decode()]
    assert lines[3] == "" and lines[4].startswith("\u2014 test.local/log ")
    cp = ledger.parse_checkpoint(note, ledger.Verifier.from_vkey(SIGNER.vkey))
    assert (cp.size, cp.root) == (42, root)
    other = ledger.Signer.generate("test.local/log")
    bad_notes = [
        note.replace("\n42\n", "\n43\n"),
        note.replace("test.local/log\n", "test.local/other\n", 1),
        note[:-3] + "AA\n",
        note.split("\n\n")[0] + "\n",
        ledger.sign_checkpoint("test.local/log", 42, root, other),
    ]
    for bad in bad_notes:
        with pytest.raises(ledger.BadSignatureError):
            ledger.parse_checkpoint(bad, SIGNER.verifier())
    with pytest.raises(ledger.BadSignatureError):
        ledger.Verifier.from_vkey("name+00000000+AAAA")


# -- on a database -----------------------------------------------------------------------------


def test_append_proofs_and_roots_match_definition(engine: Engine) -> None:
    log = ledger.Log("L1", origin="test.local/log")
    _fill(engine, 40, log, checkpoint_every=13)
    with engine.begin() as conn:
        log.append_many(conn, [_draft(i) for i in range(500)])
    with engine.connect() as conn:
        leaves = [
            bytes(r.leaf_hash)
            for r in conn.execute(sa.select(E.leaf_hash).where(E.log_id == "L1").order_by(E.seq))
        ]
        assert len(leaves) == log.size(conn) == 540
        assert log.root(conn) == mth(leaves)
        for size in (1, 2, 13, 39, 40, 64, 300, 540):
            root = mth(leaves[:size])
            assert log.root(conn, size) == root
            for i in sorted({0, size // 2, size - 1}):
                proof = log.inclusion_proof(conn, i, size)
                assert merkle.verify_inclusion(i, size, leaves[i], proof, root)
            for old in sorted({1, size // 3 or 1, size}):
                proof = log.consistency_proof(conn, old, size)
                assert merkle.verify_consistency(old, size, mth(leaves[:old]), root, proof)
        with pytest.raises(ledger.BadProofError):
            log.inclusion_proof(conn, 5, 541)
        report = log.verify(conn, SIGNER.verifier())
        assert report.ok and report.size == 540 and report.checkpoints_checked == 3
        assert [e.seq for e in log.entries(conn, subject="B1")][:3] == [1, 5, 9]


def test_database_refuses_update_delete_replace(engine: Engine) -> None:
    log = ledger.Log("L1")
    _fill(engine, 3, log)
    statements = [
        "UPDATE ledger_entry SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 2",
        "UPDATE ledger_node SET hash = hash",
        "DELETE FROM ledger_node",
    ]
    if engine.dialect.name == "sqlite":
        statements.append(
            "INSERT OR REPLACE INTO ledger_entry SELECT * FROM ledger_entry WHERE seq = 1"
        )
    else:
        statements.append("TRUNCATE ledger_entry")
    for stmt in statements:
        with pytest.raises(sa.exc.DBAPIError) as err, engine.begin() as conn:
            conn.exec_driver_sql(stmt)
        assert "append-only" in str(err.value)
    with engine.connect() as conn:
        assert log.verify(conn).ok


def _edit_body(conn: sa.Connection) -> None:
    body = conn.execute(sa.select(E.body).where(E.seq == 10)).scalar_one()
    conn.execute(
        sa.update(ledger_entry)
        .where(E.seq == 10)
        .values(body=bytes(body).replace(b"alice", b"alicf"))
    )


def _edit_projection(conn: sa.Connection) -> None:
    conn.execute(sa.update(ledger_entry).where(E.seq == 7).values(subject="B9"))


def _delete_row(conn: sa.Connection) -> None:
    conn.execute(sa.delete(ledger_entry).where(E.seq == 12))


def _swap_rows(conn: sa.Connection) -> None:
    conn.execute(sa.update(ledger_entry).where(E.seq == 5).values(seq=-1))
    conn.execute(sa.update(ledger_entry).where(E.seq == 6).values(seq=5))
    conn.execute(sa.update(ledger_entry).where(E.seq == -1).values(seq=6))


def _truncate_tail(conn: sa.Connection) -> None:
    conn.execute(sa.delete(ledger_entry).where(E.seq >= 30))
    conn.execute(sa.delete(ledger_node).where(ledger_node.c.seq >= 30))


def _body_as_text(conn: sa.Connection) -> None:
    conn.exec_driver_sql(
        "UPDATE ledger_entry SET body = 'x' WHERE seq = 3"
        if conn.dialect.name == "sqlite"
        else "UPDATE ledger_entry SET body = 'x'::bytea WHERE seq = 3"
    )


TAMPER_CASES = {
    "edit body": (_edit_body, 10),
    "edit projection": (_edit_projection, 7),
    "delete row": (_delete_row, 12),
    "swap rows": (_swap_rows, 5),
    "truncate tail": (_truncate_tail, 30),
    "body of another type": (_body_as_text, 3),
}


@pytest.mark.parametrize("case", list(TAMPER_CASES))
def test_tampering_is_caught_at_the_first_bad_entry(engine: Engine, case: str) -> None:
    log = ledger.Log("L1")
    _fill(engine, 40, log, checkpoint_every=20)
    change, first_bad = TAMPER_CASES[case]
    with engine.begin() as conn:
        drop_guards(conn)
        change(conn)
        install_guards(conn)
    with engine.connect() as conn:
        report = log.verify(conn, SIGNER.verifier())
    assert not report.ok
    assert report.first_bad_seq == first_bad, report.reason


def test_inserted_row_is_caught(engine: Engine) -> None:
    log = ledger.Log("L1")
    _fill(engine, 10, log)
    with engine.connect() as conn:
        row = conn.execute(sa.select(ledger_entry).where(E.seq == 9)).one()._asdict()
    row["seq"] = 10
    with engine.begin() as conn:
        conn.execute(sa.insert(ledger_entry).values(row))
    with engine.connect() as conn:
        report = log.verify(conn)
    assert not report.ok and report.first_bad_seq == 10


def test_rewritten_tail_with_fresh_chain_is_caught_by_checkpoint(engine: Engine) -> None:
    """Drop everything after entry 19 and append a different, internally consistent history:
    only the signed checkpoint at size 30 can tell."""
    log = ledger.Log("L1")
    _fill(engine, 20, log)
    with engine.begin() as conn:
        log.sign_checkpoint(conn, SIGNER)
    _fill(engine, 10, log)
    with engine.begin() as conn:
        log.sign_checkpoint(conn, SIGNER)
    with engine.begin() as conn:
        drop_guards(conn)
        conn.execute(sa.delete(ledger_entry).where(E.seq >= 20))
        conn.execute(sa.delete(ledger_node).where(ledger_node.c.seq >= 20))
        frontier: list[bytes] = []
        leaves = [bytes(r.leaf_hash) for r in conn.execute(sa.select(E.leaf_hash).order_by(E.seq))]
        for i, lh in enumerate(leaves):
            merkle.frontier_push(frontier, i, lh)
        conn.execute(
            sa.update(ledger.schema.ledger_log).values(
                size=20, frontier=b"".join(frontier), root=merkle.frontier_root(frontier)
            )
        )
        for i in range(10):
            log.append(
                conn, ledger.EntryDraft("batch.forged", "B0", "mallory", "E1", None, {"i": i})
            )
        install_guards(conn)
    with engine.connect() as conn:
        report = log.verify(conn, SIGNER.verifier())
    assert not report.ok
    assert report.first_bad_seq == 20
    assert "checkpoint" in (report.reason or "")


def _writer(url: str, worker: int, n: int) -> None:
    eng = ledger.db.create_engine(url)
    log = ledger.Log("L1")
    for i in range(n):
        with eng.begin() as conn:
            log.append(conn, ledger.EntryDraft("t", f"w{worker}", None, None, None, {"i": i}))
    eng.dispose()


def test_concurrent_writers_never_fork_or_leave_gaps(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, w, 50)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    log = ledger.Log("L1")
    with engine.connect() as conn:
        seqs = [r.seq for r in conn.execute(sa.select(E.seq).order_by(E.seq))]
        assert seqs == list(range(400))
        assert log.verify(conn).ok


def test_app_role_may_only_append(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("roles are a PostgreSQL feature")
    log = ledger.Log("L1")
    _fill(engine, 3, log)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hwtrace_test_app') "
            "THEN CREATE ROLE hwtrace_test_app; END IF; END $$"
        )
        ledger.schema.grant_append_only(conn, "hwtrace_test_app")
    with engine.begin() as conn:
        drop_guards(conn)  # privileges alone must refuse it
    try:
        with pytest.raises(sa.exc.ProgrammingError) as err, engine.begin() as conn:
            conn.exec_driver_sql("SET ROLE hwtrace_test_app")
            conn.exec_driver_sql("UPDATE ledger_entry SET actor = 'x'")
        assert "permission denied" in str(err.value)
        with engine.begin() as conn:
            conn.exec_driver_sql("SET ROLE hwtrace_test_app")
            log.append(conn, _draft(99))
            conn.exec_driver_sql("RESET ROLE")
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("RESET ROLE")
            install_guards(conn)
            for t in ("ledger_entry", "ledger_node", "ledger_checkpoint", "ledger_log"):
                conn.exec_driver_sql(f"REVOKE ALL ON {t} FROM hwtrace_test_app")
