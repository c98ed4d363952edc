"""What an attacker with the database (and perhaps the log's key) does to the ledger, for real:
the guards dropped, rows deleted or rewritten, and every derived row recomputed so the log is
internally consistent again and ``Log.verify`` alone passes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import ledger
from ledger import merkle
from ledger.schema import (
    drop_guards,
    install_guards,
    ledger_checkpoint,
    ledger_cosignature,
    ledger_entry,
    ledger_log,
    ledger_node,
)


def rehash(conn: Connection, log_id: str) -> None:
    """Recompute every tree node and the head from the entries as they are now."""
    E, N = ledger_entry.c, ledger_node.c
    conn.execute(sa.delete(ledger_node).where(N.log_id == log_id))
    frontier: list[bytes] = []
    size = 0
    nodes = []
    for seq, leaf in conn.execute(
        sa.select(E.seq, E.leaf_hash).where(E.log_id == log_id).order_by(E.seq)
    ):
        assert seq == size
        for level, idx, h in merkle.frontier_push(frontier, size, bytes(leaf)):
            nodes.append({"log_id": log_id, "level": level, "idx": idx, "seq": size, "hash": h})
        size += 1
    if nodes:
        conn.execute(sa.insert(ledger_node), nodes)
    conn.execute(
        sa.update(ledger_log)
        .where(ledger_log.c.log_id == log_id)
        .values(size=size, root=merkle.frontier_root(frontier), frontier=b"".join(frontier))
    )


def _drop_covering(conn: Connection, log_id: str, above: int) -> None:
    """Delete the checkpoints and cosignatures of trees larger than ``above`` entries."""
    conn.execute(
        sa.delete(ledger_checkpoint).where(
            ledger_checkpoint.c.log_id == log_id, ledger_checkpoint.c.size > above
        )
    )
    conn.execute(
        sa.delete(ledger_cosignature).where(
            ledger_cosignature.c.log_id == log_id, ledger_cosignature.c.size > above
        )
    )


def truncate(conn: Connection, log_id: str, keep: int) -> None:
    """Delete the entries from ``keep`` on and whatever would betray them, then re-hash."""
    drop_guards(conn)
    conn.execute(
        sa.delete(ledger_entry).where(ledger_entry.c.log_id == log_id, ledger_entry.c.seq >= keep)
    )
    _drop_covering(conn, log_id, keep)
    rehash(conn, log_id)
    install_guards(conn)


def rewrite(conn: Connection, log_id: str, seq: int, change: Callable[[bytes], bytes]) -> None:
    """Rewrite entry ``seq``'s bytes, delete every checkpoint and cosignature that covers it,
    and re-hash: the log verifies on its own afterwards."""
    drop_guards(conn)
    E = ledger_entry.c
    body = bytes(
        conn.execute(sa.select(E.body).where(E.log_id == log_id, E.seq == seq)).scalar_one()
    )
    new = change(body)
    assert new != body
    conn.execute(
        sa.update(ledger_entry)
        .where(E.log_id == log_id, E.seq == seq)
        .values(body=new, leaf_hash=hashlib.sha256(b"\x00" + new).digest())
    )
    _drop_covering(conn, log_id, seq)
    rehash(conn, log_id)
    install_guards(conn)


def replace_history(
    conn: Connection,
    log: ledger.Log,
    signer: ledger.Signer,
    drafts: list[ledger.EntryDraft],
) -> str:
    """Throw the log away and write a new history in its place, signed with ``signer`` (a
    stolen key); return the new checkpoint."""
    drop_guards(conn)
    for table in (ledger_entry, ledger_node, ledger_checkpoint, ledger_cosignature):
        conn.execute(sa.delete(table).where(table.c.log_id == log.log_id))
    conn.execute(
        sa.update(ledger_log)
        .where(ledger_log.c.log_id == log.log_id)
        .values(size=0, root=merkle.EMPTY_ROOT, frontier=b"")
    )
    install_guards(conn)
    log.append_many(conn, drafts)
    return log.sign_checkpoint(conn, signer)


def draft(n: int, tag: str = "") -> ledger.EntryDraft:
    """Return a small entry draft."""
    return ledger.EntryDraft(
        entry_type="test.event",
        subject=f"S{n % 5}",
        actor="tester",
        enterprise=None,
        client_ts=None,
        payload={"n": n, "tag": tag},
    )
