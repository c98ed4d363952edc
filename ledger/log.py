"""One append-only log: append, read, prove, checkpoint and verify, on a caller's Connection.

The caller owns the transaction (the ledger never commits), so an entry and the application
rows it explains commit together. Appends to one log are serialized: PostgreSQL locks the head
row (``SELECT ... FOR UPDATE``); SQLite's ``BEGIN IMMEDIATE`` (see ``ledger.db``) already holds
the single write lock. An append costs O(log n): it reads the head's frontier, not the tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ledger import merkle
from ledger.canonical import canonical_bytes, entry_fields, format_ts
from ledger.checkpoint import Signer, Verifier, checkpoint_body, sign_checkpoint
from ledger.entry import EntryDraft, StoredEntry, entry_from_body, utcnow
from ledger.errors import BadProofError, LedgerError
from ledger.schema import (
    ledger_checkpoint,
    ledger_cosignature,
    ledger_entry,
    ledger_log,
    ledger_node,
)
from ledger.signer import RemoteSigner
from ledger.verify_fast import FastVerifier
from ledger.verify_reference import VerifyReport

__all__ = ["EntryDraft", "Log", "StoredEntry", "VerifyReport"]

# Statements built once: an append runs them with parameters only, so SQLAlchemy does not
# rebuild and re-key the same constructs on every call (that was a third of an append's time).
_HEAD = sa.select(ledger_log).where(ledger_log.c.log_id == sa.bindparam("h_log_id"))
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_INSERT_ENTRY = sa.insert(ledger_entry)
_INSERT_NODE = sa.insert(ledger_node)
_UPDATE_HEAD = (
    sa.update(ledger_log)
    .where(ledger_log.c.log_id == sa.bindparam("h_log_id"))
    .values(
        size=sa.bindparam("h_size"),
        root=sa.bindparam("h_root"),
        frontier=sa.bindparam("h_frontier"),
        updated_at=sa.bindparam("h_updated_at"),
    )
)
# PostgreSQL: the functions ``ledger.schema`` installs (the server's role may only call these).
_DB_LOCK_HEAD = sa.text(
    "SELECT head_size AS size, head_root AS root, head_frontier AS frontier "
    "FROM ledger_lock_head(:log_id, :origin)"
)
_DB_APPEND = sa.text(
    "SELECT first_seq, leaves FROM ledger_append(:log_id, :origin, :server_ts, "
    "CAST(:types AS text[]), CAST(:subjects AS text[]), CAST(:actors AS text[]), "
    "CAST(:enterprises AS text[]), CAST(:client_ts AS text[]), CAST(:payloads AS bytea[]))"
)


def _split_frontier(raw: bytes) -> list[bytes]:
    return [raw[i : i + 32] for i in range(0, len(raw), 32)]


class Log:
    """One log of the ledger (hwtrace keeps one per park)."""

    def __init__(
        self,
        log_id: str,
        *,
        origin: str | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        database_append: bool = True,
    ) -> None:
        self.log_id = log_id
        self.origin = origin or log_id
        self.clock = clock
        # PostgreSQL: append through ``ledger_append`` (False: the Python path, which needs
        # INSERT on the ledger tables; the benchmark's baseline)
        self.database_append = database_append

    # -- head -----------------------------------------------------------------------------

    def ensure(self, conn: Connection) -> None:
        """Create the log's head row if it does not exist."""
        if self._in_database(conn):
            conn.execute(_DB_LOCK_HEAD, {"log_id": self.log_id, "origin": self.origin})
            return
        values = {
            "log_id": self.log_id,
            "origin": self.origin,
            "size": 0,
            "root": merkle.EMPTY_ROOT,
            "frontier": b"",
            "updated_at": self.clock(),
        }
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql.insert(ledger_log).values(values).on_conflict_do_nothing())
        else:
            conn.execute(sqlite.insert(ledger_log).values(values).on_conflict_do_nothing())

    def _head(self, conn: Connection, *, lock: bool) -> sa.Row[Any]:
        if lock and self._in_database(conn):
            # the server's role may not SELECT ... FOR UPDATE (that needs UPDATE on the table)
            return conn.execute(_DB_LOCK_HEAD, {"log_id": self.log_id, "origin": self.origin}).one()
        q = _HEAD_FOR_UPDATE if lock and conn.dialect.name == "postgresql" else _HEAD
        params = {"h_log_id": self.log_id}
        row = conn.execute(q, params).one_or_none()
        if row is None:
            self.ensure(conn)
            row = conn.execute(q, params).one()
        return row

    def size(self, conn: Connection) -> int:
        """Return the number of entries in the log."""
        row = conn.execute(
            sa.select(ledger_log.c.size).where(ledger_log.c.log_id == self.log_id)
        ).one_or_none()
        return int(row.size) if row else 0

    # -- append ---------------------------------------------------------------------------

    def append(self, conn: Connection, draft: EntryDraft) -> StoredEntry:
        """Append one entry inside the caller's transaction and return it."""
        return self.append_many(conn, [draft])[0]

    def append_many(self, conn: Connection, drafts: Sequence[EntryDraft]) -> list[StoredEntry]:
        """Append entries in order and return them.

        On PostgreSQL this is one call of ``ledger_append`` (``ledger.schema``), which numbers,
        encodes and hashes the entries and writes the tree nodes and the head inside the
        database; elsewhere (or with ``database_append=False``) Python does that work and writes
        it with one statement per table."""
        if not drafts:
            self._head(conn, lock=True)
            return []
        now = self.clock()
        if self._in_database(conn):
            return self._append_in_database(conn, drafts, now)
        return self._append_in_python(conn, drafts, now)

    def _in_database(self, conn: Connection) -> bool:
        return self.database_append and conn.dialect.name == "postgresql"

    def _stored(self, d: EntryDraft, seq: int, now: dt.datetime) -> StoredEntry:
        fields = entry_fields(
            log=self.log_id,
            seq=seq,
            entry_type=d.entry_type,
            subject=d.subject,
            actor=d.actor,
            enterprise=d.enterprise,
            client_ts=d.client_ts,
            server_ts=now,
            payload=d.payload,
        )
        body = canonical_bytes(fields)
        return StoredEntry(
            log_id=self.log_id,
            seq=seq,
            entry_type=d.entry_type,
            subject=d.subject,
            actor=d.actor,
            enterprise=d.enterprise,
            client_ts=d.client_ts.astimezone(dt.UTC) if d.client_ts else None,
            server_ts=now.astimezone(dt.UTC),
            payload=fields["payload"],
            body=body,
            leaf_hash=merkle.leaf_hash(body),
        )

    def _append_in_database(
        self, conn: Connection, drafts: Sequence[EntryDraft], now: dt.datetime
    ) -> list[StoredEntry]:
        params = {
            "log_id": self.log_id,
            "origin": self.origin,
            "server_ts": format_ts(now),
            "types": [d.entry_type for d in drafts],
            "subjects": [d.subject for d in drafts],
            "actors": [d.actor for d in drafts],
            "enterprises": [d.enterprise for d in drafts],
            "client_ts": [format_ts(d.client_ts) for d in drafts],
            "payloads": [canonical_bytes(dict(d.payload)) for d in drafts],
        }
        first, leaves = conn.execute(_DB_APPEND, params).one()
        entries = [self._stored(d, int(first) + i, now) for i, d in enumerate(drafts)]
        for e, leaf in zip(entries, leaves, strict=True):
            if e.leaf_hash != bytes(leaf):
                # the database's bytes are the record; an entry Python would encode otherwise
                # must not commit, or what the caller was told differs from what is kept
                raise LedgerError(
                    f"ledger_append stored entry {e.seq} with leaf hash {bytes(leaf).hex()}, "
                    f"but its fields encode to {e.leaf_hash.hex()}"
                )
        return entries

    def _append_in_python(
        self, conn: Connection, drafts: Sequence[EntryDraft], now: dt.datetime
    ) -> list[StoredEntry]:
        head = self._head(conn, lock=True)
        size = int(head.size)
        frontier = _split_frontier(head.frontier)
        server_ts = format_ts(now)
        entries: list[StoredEntry] = []
        rows: list[dict[str, Any]] = []
        nodes: list[dict[str, Any]] = []
        for d in drafts:
            e = self._stored(d, size, now)
            for level, idx, h in merkle.frontier_push(frontier, size, e.leaf_hash):
                nodes.append(
                    {"log_id": self.log_id, "level": level, "idx": idx, "seq": size, "hash": h}
                )
            rows.append(
                {
                    "log_id": self.log_id,
                    "seq": size,
                    "entry_type": d.entry_type,
                    "subject": d.subject,
                    "actor": d.actor,
                    "enterprise": d.enterprise,
                    "client_ts": format_ts(d.client_ts),
                    "server_ts": server_ts,
                    "body": e.body,
                    "leaf_hash": e.leaf_hash,
                }
            )
            entries.append(e)
            size += 1
        conn.execute(_INSERT_ENTRY, rows)
        if nodes:
            conn.execute(_INSERT_NODE, nodes)
        conn.execute(
            _UPDATE_HEAD,
            {
                "h_log_id": self.log_id,
                "h_size": size,
                "h_root": merkle.frontier_root(frontier),
                "h_frontier": b"".join(frontier),
                "h_updated_at": now,
            },
        )
        return entries

    # -- read -----------------------------------------------------------------------------

    def get(self, conn: Connection, seq: int) -> StoredEntry | None:
        """Return entry ``seq`` or None."""
        row = conn.execute(
            sa.select(ledger_entry.c.body, ledger_entry.c.leaf_hash).where(
                ledger_entry.c.log_id == self.log_id, ledger_entry.c.seq == seq
            )
        ).one_or_none()
        return entry_from_body(self.log_id, bytes(row.body), bytes(row.leaf_hash)) if row else None

    def entries(
        self,
        conn: Connection,
        *,
        subject: str | None = None,
        enterprise: str | None = None,
        start: int = 0,
        stop: int | None = None,
    ) -> Iterator[StoredEntry]:
        """Yield entries in sequence order, optionally only one subject's or enterprise's."""
        e = ledger_entry.c
        q = sa.select(e.body, e.leaf_hash).where(e.log_id == self.log_id, e.seq >= start)
        if stop is not None:
            q = q.where(e.seq < stop)
        if subject is not None:
            q = q.where(e.subject == subject)
        if enterprise is not None:
            q = q.where(e.enterprise == enterprise)
        for row in conn.execute(q.order_by(e.seq)):
            yield entry_from_body(self.log_id, bytes(row.body), bytes(row.leaf_hash))

    # -- tree -----------------------------------------------------------------------------

    def _subtree_fn(self, conn: Connection) -> merkle.RangeHash:
        cache: dict[tuple[int, int], bytes] = {}

        def subtree(lo: int, hi: int) -> bytes:
            key = (lo, hi)
            if key in cache:
                return cache[key]
            n = hi - lo
            if n == 1:
                h = conn.execute(
                    sa.select(ledger_entry.c.leaf_hash).where(
                        ledger_entry.c.log_id == self.log_id, ledger_entry.c.seq == lo
                    )
                ).scalar_one()
            elif n & (n - 1) == 0 and lo % n == 0:
                h = conn.execute(
                    sa.select(ledger_node.c.hash).where(
                        ledger_node.c.log_id == self.log_id,
                        ledger_node.c.level == n.bit_length() - 1,
                        ledger_node.c.idx == lo // n,
                    )
                ).scalar_one()
            else:
                k = merkle.split(n)
                h = merkle.node_hash(subtree(lo, lo + k), subtree(lo + k, hi))
            cache[key] = bytes(h)
            return cache[key]

        return subtree

    def _check_size(self, conn: Connection, tree_size: int) -> None:
        if tree_size > self.size(conn):
            raise BadProofError(f"tree size {tree_size} is beyond the log")

    def root(self, conn: Connection, size: int | None = None) -> bytes:
        """Return the tree hash of the first ``size`` entries (default: all)."""
        if size is None:
            head = self._head(conn, lock=False)
            return bytes(head.root)
        self._check_size(conn, size)
        return merkle.EMPTY_ROOT if size == 0 else self._subtree_fn(conn)(0, size)

    def inclusion_proof(self, conn: Connection, index: int, tree_size: int) -> list[bytes]:
        """Return the audit path of entry ``index`` in the tree of ``tree_size`` entries."""
        self._check_size(conn, tree_size)
        if not 0 <= index < tree_size:
            raise BadProofError(f"entry {index} is not in a tree of size {tree_size}")
        return merkle.inclusion_path(index, tree_size, self._subtree_fn(conn))

    def consistency_proof(self, conn: Connection, old_size: int, new_size: int) -> list[bytes]:
        """Return the consistency proof between two tree sizes."""
        self._check_size(conn, new_size)
        if not 0 < old_size <= new_size:
            raise BadProofError(f"no consistency proof from {old_size} to {new_size}")
        return merkle.consistency_path(old_size, new_size, self._subtree_fn(conn))

    # -- checkpoints ----------------------------------------------------------------------

    def sign_checkpoint(self, conn: Connection, signer: Signer | RemoteSigner) -> str:
        """Sign the current tree head, store the note and return it.

        A ``RemoteSigner`` (a signer process holding the key) is given the consistency proof
        from the last size it signed: it signs only a tree that extends that one.
        """
        head = self._head(conn, lock=True)
        size, root = int(head.size), bytes(head.root)
        if isinstance(signer, RemoteSigner):
            note = signer.sign_extending(
                checkpoint_body(self.origin, size, root),
                size,
                lambda old: self.consistency_proof(conn, old, size),
            )
        else:
            note = sign_checkpoint(self.origin, size, root, signer)
        last = conn.execute(
            sa.select(sa.func.max(ledger_checkpoint.c.id)).where(
                ledger_checkpoint.c.log_id == self.log_id
            )
        ).scalar()
        conn.execute(
            sa.insert(ledger_checkpoint).values(
                log_id=self.log_id,
                id=(last or 0) + 1,
                size=size,
                root=root,
                note=note,
                created_at=self.clock(),
            )
        )
        return note

    def checkpoint_if_due(
        self, conn: Connection, signer: Signer | RemoteSigner, *, every: int, seconds: float
    ) -> str | None:
        """Sign a checkpoint if ``every`` entries or more are not covered by the newest one, or
        some are and it is ``seconds`` old or more (or there is none); return it, or None.

        The head is locked first, so concurrent callers (several workers) sign once."""
        head = self._head(conn, lock=True)
        size = int(head.size)
        last = conn.execute(
            sa.select(ledger_checkpoint.c.size, ledger_checkpoint.c.created_at)
            .where(ledger_checkpoint.c.log_id == self.log_id)
            .order_by(ledger_checkpoint.c.id.desc())
            .limit(1)
        ).one_or_none()
        if last is None:
            return self.sign_checkpoint(conn, signer) if size else None
        tail = size - int(last.size)
        if tail <= 0:
            return None
        created = last.created_at
        if created.tzinfo is None:  # SQLite keeps no zone: the ledger writes UTC
            created = created.replace(tzinfo=dt.UTC)
        if tail >= every or (self.clock() - created).total_seconds() >= seconds:
            return self.sign_checkpoint(conn, signer)
        return None

    def add_cosignature(
        self, conn: Connection, size: int, root: bytes, witness: str, line: str
    ) -> bool:
        """Keep a witness's cosignature line of the checkpoint of ``size``; False if this
        witness's cosignature of that size is already kept."""
        c = ledger_cosignature.c
        have = conn.execute(
            sa.select(c.line).where(c.log_id == self.log_id, c.size == size, c.witness == witness)
        ).one_or_none()
        if have is not None:
            return False
        conn.execute(
            sa.insert(ledger_cosignature).values(
                log_id=self.log_id,
                size=size,
                witness=witness,
                root=root,
                line=line.rstrip("\n"),
                created_at=self.clock(),
            )
        )
        return True

    def cosignatures(self, conn: Connection, size: int) -> list[str]:
        """Return the cosignature lines kept for the checkpoint of ``size``."""
        c = ledger_cosignature.c
        return list(
            conn.execute(
                sa.select(c.line).where(c.log_id == self.log_id, c.size == size).order_by(c.witness)
            ).scalars()
        )

    def cosigned_heads(self, conn: Connection) -> list[tuple[int, bytes, str]]:
        """Return (size, root, witness) of every cosignature kept, smallest size first."""
        c = ledger_cosignature.c
        rows = conn.execute(
            sa.select(c.size, c.root, c.witness)
            .where(c.log_id == self.log_id)
            .order_by(c.size, c.witness)
        )
        return [(int(r.size), bytes(r.root), str(r.witness)) for r in rows]

    def latest_checkpoint(self, conn: Connection) -> str | None:
        """Return the newest stored checkpoint note, or None."""
        return conn.execute(
            sa.select(ledger_checkpoint.c.note)
            .where(ledger_checkpoint.c.log_id == self.log_id)
            .order_by(ledger_checkpoint.c.id.desc())
            .limit(1)
        ).scalar()

    # -- verify ---------------------------------------------------------------------------

    def verify(
        self,
        conn: Connection,
        verifier: Verifier | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> VerifyReport:
        """Recompute the log from its rows; report the first bad sequence number if any.
        ``progress(done, total)`` is called after each chunk of entries checked."""
        return FastVerifier(self.log_id, conn, verifier, progress).run()
