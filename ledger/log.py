"""One append-only log: append, read, prove, checkpoint and verify, on a caller's Connection.

The caller owns the transaction (the ledger never commits), so an entry and the application
rows it explains commit together. Appends to one log are serialized: PostgreSQL locks the head
row (``SELECT ... FOR UPDATE``); SQLite's ``BEGIN IMMEDIATE`` (see ``ledger.db``) already holds
the single write lock. An append costs O(log n): it reads the head's frontier, not the tree.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from ledger import merkle
from ledger.canonical import canonical_bytes, entry_fields, format_ts, parse_ts
from ledger.checkpoint import Signer, Verifier, parse_checkpoint, sign_checkpoint
from ledger.errors import BadProofError, BadSignatureError
from ledger.schema import ledger_checkpoint, ledger_entry, ledger_log, ledger_node

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


def _utcnow() -> dt.datetime:
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


@dataclass
class VerifyReport:
    """The outcome of ``Log.verify``: ok, or the first bad sequence number and why."""

    ok: bool
    size: int
    root: bytes
    first_bad_seq: int | None = None
    reason: str | None = None
    checkpoints_checked: int = 0
    entries_checked: int = 0
    details: list[str] = field(default_factory=list)


def _split_frontier(raw: bytes) -> list[bytes]:
    return [raw[i : i + 32] for i in range(0, len(raw), 32)]


def _entry_from_body(log_id: str, body: bytes, leaf: bytes) -> StoredEntry:
    f = json.loads(body)
    return StoredEntry(
        log_id=log_id,
        seq=f["seq"],
        entry_type=f["type"],
        subject=f["subject"],
        actor=f["actor"],
        enterprise=f["enterprise"],
        client_ts=parse_ts(f["client_ts"]),
        server_ts=parse_ts(f["server_ts"]) or _utcnow(),
        payload=f["payload"],
        body=body,
        leaf_hash=leaf,
    )


class Log:
    """One log of the ledger (hwtrace keeps one per park)."""

    def __init__(
        self,
        log_id: str,
        *,
        origin: str | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.log_id = log_id
        self.origin = origin or log_id
        self.clock = clock

    # -- head -----------------------------------------------------------------------------

    def ensure(self, conn: Connection) -> None:
        """Create the log's head row if it does not exist."""
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
        """Append entries in order with one statement per table; return them."""
        head = self._head(conn, lock=True)
        size = int(head.size)
        frontier = _split_frontier(head.frontier)
        now = self.clock()
        server_ts = format_ts(now)
        now_utc = now.astimezone(dt.UTC)
        entries: list[StoredEntry] = []
        rows: list[dict[str, Any]] = []
        nodes: list[dict[str, Any]] = []
        for d in drafts:
            fields = entry_fields(
                log=self.log_id,
                seq=size,
                entry_type=d.entry_type,
                subject=d.subject,
                actor=d.actor,
                enterprise=d.enterprise,
                client_ts=d.client_ts,
                server_ts=now,
                payload=d.payload,
            )
            body = canonical_bytes(fields)
            leaf = merkle.leaf_hash(body)
            for level, idx, h in merkle.frontier_push(frontier, size, leaf):
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
                    "client_ts": fields["client_ts"],
                    "server_ts": server_ts,
                    "body": body,
                    "leaf_hash": leaf,
                }
            )
            entries.append(
                StoredEntry(
                    log_id=self.log_id,
                    seq=size,
                    entry_type=d.entry_type,
                    subject=d.subject,
                    actor=d.actor,
                    enterprise=d.enterprise,
                    client_ts=d.client_ts.astimezone(dt.UTC) if d.client_ts else None,
                    server_ts=now_utc,
                    payload=fields["payload"],
                    body=body,
                    leaf_hash=leaf,
                )
            )
            size += 1
        if not rows:
            return []
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
        return _entry_from_body(self.log_id, bytes(row.body), bytes(row.leaf_hash)) if row else None

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
            yield _entry_from_body(self.log_id, bytes(row.body), bytes(row.leaf_hash))

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

    def sign_checkpoint(self, conn: Connection, signer: Signer) -> str:
        """Sign the current tree head, store the note and return it."""
        head = self._head(conn, lock=True)
        note = sign_checkpoint(self.origin, int(head.size), bytes(head.root), signer)
        last = conn.execute(
            sa.select(sa.func.max(ledger_checkpoint.c.id)).where(
                ledger_checkpoint.c.log_id == self.log_id
            )
        ).scalar()
        conn.execute(
            sa.insert(ledger_checkpoint).values(
                log_id=self.log_id,
                id=(last or 0) + 1,
                size=int(head.size),
                root=bytes(head.root),
                note=note,
                created_at=self.clock(),
            )
        )
        return note

    def latest_checkpoint(self, conn: Connection) -> str | None:
        """Return the newest stored checkpoint note, or None."""
        return conn.execute(
            sa.select(ledger_checkpoint.c.note)
            .where(ledger_checkpoint.c.log_id == self.log_id)
            .order_by(ledger_checkpoint.c.id.desc())
            .limit(1)
        ).scalar()

    # -- verify ---------------------------------------------------------------------------

    def verify(self, conn: Connection, verifier: Verifier | None = None) -> VerifyReport:
        """Recompute the log from its rows; report the first bad sequence number if any."""
        return _Verifier(self, conn, verifier).run()


_PROJECTED = (
    ("entry_type", "type"),
    ("subject", "subject"),
    ("actor", "actor"),
    ("enterprise", "enterprise"),
    ("client_ts", "client_ts"),
    ("server_ts", "server_ts"),
)


class _Bad(Exception):
    """The first fault verify found: the sequence number and the reason."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


class _Verifier:
    """Streams entries, nodes and checkpoints in order and compares them with a rebuilt tree."""

    BATCH = 5000

    def __init__(self, log: Log, conn: Connection, verifier: Verifier | None) -> None:
        self.log = log
        self.log_id = log.log_id
        self.conn = conn
        self.verifier = verifier
        self.frontier: list[bytes] = []
        self.size = 0
        self.last_good_cp = 0
        self.report = VerifyReport(ok=True, size=0, root=merkle.EMPTY_ROOT)
        self._open: list[Any] = []
        c = ledger_checkpoint.c
        self.checkpoints = list(
            conn.execute(
                sa.select(c.size, c.root, c.note).where(c.log_id == self.log_id).order_by(c.id)
            )
        )
        self.cp_by_size: dict[int, list[Any]] = {}
        for cp in self.checkpoints:
            self.cp_by_size.setdefault(int(cp.size), []).append(cp)

    def _stream(self, q: Any) -> Iterator[Any]:
        conn = self.conn.execution_options(stream_results=True, max_row_buffer=self.BATCH)
        result = conn.execute(q)
        self._open.append(result)
        for part in result.partitions(self.BATCH):
            yield from part

    def run(self) -> VerifyReport:
        e, n = ledger_entry.c, ledger_node.c
        nodes = self._stream(
            sa.select(n.level, n.idx, n.hash)
            .where(n.log_id == self.log_id)
            .order_by(n.seq, n.level)
        )
        # SQLite checks the indexed columns against the entry bytes itself, in one C-speed pass
        # (json_extract), and Python only hashes and rebuilds the tree; PostgreSQL's JSON
        # parsing is slower than Python's json module, so there Python checks them inline.
        # The first fault of either check is the one reported.
        in_sql = self.conn.dialect.name == "sqlite"
        projected = [] if in_sql else [getattr(e, col) for col, _ in _PROJECTED]
        rows = self._stream(
            sa.select(e.seq, e.body, e.leaf_hash, *projected)
            .where(e.log_id == self.log_id)
            .order_by(e.seq)
        )
        column_fault = self._first_column_mismatch() if in_sql else None
        try:
            self._checkpoints_at(0, merkle.EMPTY_ROOT)
            for row in rows:
                if column_fault is not None and row[0] >= column_fault[0]:
                    raise _Bad(*column_fault)
                if not in_sql:
                    problem = self._check_row((row[0], row[1], *row[3:]))
                    if problem:
                        raise _Bad(row[0], problem)
                self._entry(row[:3], nodes)
            if column_fault is not None:
                raise _Bad(*column_fault)
            if next(nodes, None) is not None:
                raise _Bad(self.size, "a tree node exists beyond the last entry")
            self._tail()
        except _Bad as bad:
            self.report.ok = False
            self.report.first_bad_seq, self.report.reason = bad.seq, bad.reason
        finally:
            for result in self._open:  # a stop at the first fault leaves cursors open
                result.close()
        self.report.size = self.report.entries_checked = self.size
        self.report.root = merkle.frontier_root(self.frontier)
        return self.report

    def _first_column_mismatch(self) -> tuple[int, str] | None:
        """Return (seq, reason) of the first entry whose columns disagree with its bytes."""
        e = ledger_entry.c
        cols = [e.seq, e.log_id, *[getattr(e, col) for col, _ in _PROJECTED]]
        if self.conn.dialect.name == "postgresql":
            # parse each entry once (a subquery column), then read its fields
            doc_col: Any = sa.cast(sa.func.convert_from(e.body, "UTF8"), JSONB).label("doc")
            inner = sa.select(*cols, doc_col).where(e.log_id == self.log_id).subquery()

            def field(key: str) -> Any:
                return inner.c.doc.op("->>")(key)
        else:
            inner = (
                sa.select(*cols, sa.cast(e.body, sa.Text).label("doc"))
                .where(e.log_id == self.log_id)
                .subquery()
            )

            def field(key: str) -> Any:
                return sa.func.json_extract(inner.c.doc, f"$.{key}")

        checks = [
            (sa.cast(field("seq"), sa.BigInteger).is_distinct_from(inner.c.seq), "seq"),
            (field("log").is_distinct_from(inner.c.log_id), "log"),
            *[(field(key).is_distinct_from(inner.c[col]), col) for col, key in _PROJECTED],
        ]
        q = (
            sa.select(inner.c.seq, *[sa.case((c, 1), else_=0) for c, _ in checks])
            .where(sa.or_(*[c for c, _ in checks]))
            .order_by(inner.c.seq)
            .limit(1)
        )
        try:
            with self.conn.begin_nested():
                row = self.conn.execute(q).first()
        except sa.exc.DBAPIError:
            # Bytes the database cannot parse as JSON: find the entry the slow way.
            return self._first_column_mismatch_slow()
        if row is None:
            return None
        bad = [name for (_, name), flag in zip(checks, row[1:], strict=True) if flag]
        return int(row[0]), f"column {bad[0]} does not match the entry's bytes"

    def _first_column_mismatch_slow(self) -> tuple[int, str] | None:
        e = ledger_entry.c
        cols = [e.seq, e.body, *[getattr(e, col) for col, _ in _PROJECTED]]
        for row in self._stream(sa.select(*cols).where(e.log_id == self.log_id).order_by(e.seq)):
            problem = self._check_row(row)
            if problem:
                return int(row[0]), problem
        return None

    def _entry(self, row: Any, nodes: Iterator[Any]) -> None:
        size = self.size
        seq, body, stored_leaf = row
        if seq != size:
            raise _Bad(size, f"entry {size} is missing (next stored is {seq})")
        if not isinstance(body, bytes):
            if not isinstance(body, memoryview):
                raise _Bad(size, "the entry's bytes were replaced by another type")
            body = bytes(body)
        leaf = merkle.leaf_hash(body)
        if leaf != stored_leaf:
            raise _Bad(size, "the entry's bytes do not match its leaf hash")
        if size & 1:  # an odd leaf completes at least one perfect subtree
            for level, idx, h in merkle.frontier_push(self.frontier, size, leaf):
                stored = next(nodes, None)
                first = idx << level
                if stored is None or (stored[0], stored[1]) != (level, idx):
                    raise _Bad(first, f"tree node {level}/{idx} is missing")
                if stored[2] != h:
                    last = first + (1 << level) - 1
                    raise _Bad(
                        first, f"tree node {level}/{idx} does not match entries {first}..{last}"
                    )
        else:
            self.frontier.append(leaf)
        self.size = size + 1
        if self.size in self.cp_by_size:
            self._checkpoints_at(self.size, merkle.frontier_root(self.frontier))

    def _tail(self) -> None:
        head = self.conn.execute(
            sa.select(ledger_log.c.size, ledger_log.c.root).where(
                ledger_log.c.log_id == self.log_id
            )
        ).one_or_none()
        root = merkle.frontier_root(self.frontier)
        if head is not None and int(head.size) != self.size:
            raise _Bad(
                min(self.size, int(head.size)),
                f"the head says {head.size} entries but {self.size} are stored",
            )
        if head is not None and bytes(head.root) != root:
            raise _Bad(self.last_good_cp, "the head's root does not match the entries")
        beyond = [int(cp.size) for cp in self.checkpoints if int(cp.size) > self.size]
        if beyond:
            raise _Bad(
                self.size,
                f"a signed checkpoint covers {max(beyond)} entries but only {self.size} "
                "are stored (truncated)",
            )

    def _check_row(self, row: Any) -> str | None:
        seq, raw = row[0], row[1]
        if not isinstance(raw, (bytes, memoryview)):
            return "the entry's bytes were replaced by another type"
        try:
            fields = json.loads(bytes(raw))
        except ValueError:
            return "the entry's bytes are not JSON"
        if not isinstance(fields, dict) or fields.get("log") != self.log_id:
            return "the entry belongs to another log"
        if fields.get("seq") != seq:
            return f"the entry's bytes say sequence {fields.get('seq')} (moved or reordered)"
        for (column, key), value in zip(_PROJECTED, row[2:], strict=True):
            if value != fields.get(key):
                return f"column {column} does not match the entry's bytes"
        return None

    def _checkpoints_at(self, size: int, root: bytes) -> None:
        # A checkpoint that does not match is reported from the last good checkpoint on: the
        # entries after it may have been rewritten consistently, so that is what is proven.
        for cp in self.cp_by_size.get(size, []):
            if self.verifier is not None:
                try:
                    parsed = parse_checkpoint(cp.note, self.verifier)
                except BadSignatureError as err:
                    raise _Bad(self.last_good_cp, f"checkpoint at size {size}: {err}") from None
                if parsed.size != size or parsed.root != bytes(cp.root):
                    raise _Bad(
                        self.last_good_cp,
                        f"checkpoint at size {size}: its note differs from its row",
                    )
            if bytes(cp.root) != root:
                raise _Bad(
                    self.last_good_cp,
                    f"the entries do not match the signed checkpoint at size {size}",
                )
            self.report.checkpoints_checked += 1
        if self.cp_by_size.get(size):
            self.last_good_cp = size
