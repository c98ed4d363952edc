"""One append-only log: append, read, prove, checkpoint and verify, on a caller's Connection.

The caller owns the transaction (the ledger never commits), so an entry and the application
rows it explains commit together. Appends to one log are serialized: PostgreSQL locks the head
row (``SELECT ... FOR UPDATE``); SQLite's ``BEGIN IMMEDIATE`` (see ``ledger.db``) already holds
the single write lock. An append costs O(log n): it reads the head's frontier, not the tree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from ledger import merkle
from ledger.canonical import FORMAT_VERSION, canonical_bytes, entry_fields, format_ts, parse_ts
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


@dataclass(frozen=True)
class _State:
    """Where verification stands after a prefix of the log: enough to go on from there."""

    size: int
    frontier: list[bytes]
    last_good_cp: int
    checkpoints_checked: int


# The fast path's statements, per dialect, on the DB-API connection (no SQLAlchemy rows: at a
# million entries their construction alone costs more than the hashing).
_FAST_SQL = {
    "sqlite": {
        "entries": "SELECT body, leaf_hash FROM ledger_entry "
        "WHERE log_id = ? AND seq >= ? AND seq < ? ORDER BY seq",
        # One tree level of one chunk: how many nodes, how many with a wrong type, length or
        # seq, and their hashes in index order, concatenated by SQLite.
        # (idx + 1) * 2**level, not a shift: a non-integer idx must not be truncated to pass.
        "level": "SELECT count(*), total(typeof(hash) <> 'blob' OR length(hash) <> 32 "
        "OR seq <> (idx + 1) * (1 << level) - 1), CAST(group_concat(hash, '') AS BLOB) "
        "FROM (SELECT level, idx, seq, hash FROM ledger_node "
        "WHERE log_id = ? AND level = ? AND idx >= ? AND idx < ? ORDER BY idx)",
        "node": "SELECT hash, seq FROM ledger_node WHERE log_id = ? AND level = ? AND idx = ?",
        "min_seq": "SELECT min(seq) FROM ledger_entry WHERE log_id = ?",
        "max_seq": "SELECT max(seq) FROM ledger_entry WHERE log_id = ?",
        "nodes": "SELECT count(*) FROM ledger_node WHERE log_id = ?",
        "node_min_seq": "SELECT min(seq) FROM ledger_node WHERE log_id = ?",
        "completed": "SELECT count(*) FROM ledger_node WHERE log_id = ? AND seq >= ? AND seq < ?",
        "head": "SELECT size FROM ledger_log WHERE log_id = ?",
    },
    "postgresql": {
        "entries": "SELECT body, leaf_hash FROM ledger_entry "
        "WHERE log_id = %s AND seq >= %s AND seq < %s ORDER BY seq",
        # (aggregated in the order of an index scan: an ORDER BY inside string_agg would sort)
        "level": "SELECT count(*), count(*) FILTER (WHERE octet_length(hash) <> 32 "
        "OR seq <> ((idx + 1) << level) - 1), string_agg(hash, ''::bytea) "
        "FROM (SELECT level, idx, seq, hash FROM ledger_node "
        "WHERE log_id = %s AND level = %s AND idx >= %s AND idx < %s ORDER BY idx) s",
        "node": "SELECT hash, seq FROM ledger_node WHERE log_id = %s AND level = %s AND idx = %s",
        "min_seq": "SELECT min(seq) FROM ledger_entry WHERE log_id = %s",
        "max_seq": "SELECT max(seq) FROM ledger_entry WHERE log_id = %s",
        "nodes": "SELECT count(*) FROM ledger_node WHERE log_id = %s",
        "node_min_seq": "SELECT min(seq) FROM ledger_node WHERE log_id = %s",
        "completed": "SELECT count(*) FROM ledger_node "
        "WHERE log_id = %s AND seq >= %s AND seq < %s",
        "head": "SELECT size FROM ledger_log WHERE log_id = %s",
    },
}

# The first entry of a seq range whose indexed columns may disagree with its bytes. An entry it
# flags is then judged by the reference check (a flag is a reason to look, not a verdict), and
# bytes the database cannot parse make the statement fail, which ``_SideChecks`` narrows down by
# bisection. SQLite: the reference check's own json_extract comparison (bytes that are not a
# JSON blob, or a seq that is not an integer, are flagged too).
_J = "json_extract(CAST(body AS TEXT), '$.{}')"
_SQLITE_FLAG = (
    "SELECT seq FROM ledger_entry WHERE log_id = ? AND seq >= ? AND seq < ? AND CASE "
    "WHEN typeof(seq) <> 'integer' OR typeof(body) <> 'blob' "
    "OR NOT json_valid(CAST(body AS TEXT)) THEN 1 WHEN "
    + " OR ".join(
        f"{_J.format(key)} IS NOT {col}"
        for col, key in (("seq", "seq"), ("log_id", "log"), *_PROJECTED)
    )
    + " THEN 1 ELSE 0 END ORDER BY seq LIMIT 1"
)
# PostgreSQL: parsing JSON there costs 5 µs an entry, so the bytes are compared instead with the
# canonical encoding of the columns, which fixes everything but the payload:
#     pre = {"actor":A,"client_ts":C,"enterprise":E,"log":L,"payload":
#     suf = ,"seq":S,"server_ts":T,"subject":U,"type":Y,"v":1}
# An entry passes only if (1) no column holds '"' or '\' (so '"' || column || '"' is its JSON
# string, or, for a control character, text that no valid JSON contains), (2) body = pre + P + suf
# with P not empty, (3) the body is valid UTF-8 JSON (the cast fails otherwise), and (4) the body
# after pre holds no "\u" escape and none of the tokens "actor", "client_ts", "enterprise", "log".
# Then Python's json.loads(body) (the reference check; of duplicate keys the last wins) gives
# exactly the columns: P must be balanced for the whole to be valid, so suf's members are top-level
# and come last; and by (4) no member after pre is named like pre's keys (without \u escapes a
# key can be written only one way). Payloads that trip (1) or (4) are merely flagged.
_PG_Q = "coalesce('\"' || e.{0} || '\"', 'null')"
_PG_FLAG = (
    "SELECT s.seq FROM (SELECT e.seq, e.body, convert_to("
    "'{{\"actor\":' || {actor} || ',\"client_ts\":' || {client_ts} || ',\"enterprise\":' || "
    "{enterprise} || ',\"log\":\"' || e.log_id || '\",\"payload\":', 'UTF8') AS pre, convert_to("
    '\',"seq":\' || e.seq || \',"server_ts":"\' || e.server_ts || \'","subject":\' || {subject} '
    "|| ',\"type\":\"' || e.entry_type || '\",\"v\":{v}}}', 'UTF8') AS suf, "
    "concat(e.actor, e.client_ts, e.enterprise, e.log_id, e.server_ts, e.subject, e.entry_type) "
    "AS cols FROM ledger_entry e WHERE e.log_id = %s AND e.seq >= %s AND e.seq < %s OFFSET 0) s "
    "WHERE NOT (strpos(s.cols, '\"') = 0 AND strpos(s.cols, '\\') = 0 "
    "AND octet_length(s.body) > octet_length(s.pre) + octet_length(s.suf) "
    "AND substring(s.body for octet_length(s.pre)) = s.pre "
    "AND substring(s.body from octet_length(s.body) - octet_length(s.suf) + 1) = s.suf "
    "AND convert_from(s.body, 'UTF8')::json IS NOT NULL "
    "AND position('\\x5c75'::bytea in s.body) = 0 "
    + "".join(
        f"AND position('\"{key}\"'::bytea in substring(s.body from octet_length(s.pre))) = 0 "
        for key in ("actor", "client_ts", "enterprise", "log")
    )
    + ") ORDER BY s.seq LIMIT 1"
).format(
    v=FORMAT_VERSION,
    **{c: _PG_Q.format(c) for c in ("actor", "client_ts", "enterprise", "subject")},
)


class _NotVisible(Exception):
    """The second connection does not see all the rows the caller's transaction sees."""


class _SideChecks:
    """The checks that run beside the chunk loop, on a second connection in a thread when the
    log is long enough (the database does this work, so it overlaps with Python's hashing):
    the first entry whose columns may disagree with its bytes, and the number of tree nodes.

    The second connection reads committed rows below the head's size, which never change
    (the tables are append-only); a log in a private in-memory SQLite database, or a short one,
    is checked inline on the caller's connection instead.
    """

    SPAN = 1 << 18  # entries per statement: the thread can be stopped between statements

    def __init__(self, verifier: _Verifier, size: int, threaded: bool) -> None:
        self.v = verifier
        self.size = size
        self.flag: int | None = None  # first flagged seq
        self.nodes: int | None = None  # number of tree nodes stored
        self.checked_to = 0  # every entry below this was checked
        self.stop_at: int | None = None
        self.error: BaseException | None = None
        self._raw: Any = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run_thread, daemon=True)
            self._thread.start()

    # -- thread ----------------------------------------------------------------------------

    def _run_thread(self) -> None:
        try:
            self._raw = self.v.conn.engine.raw_connection()
            try:
                self._work(self._raw.dbapi_connection, inline=False)
            finally:
                with contextlib.suppress(Exception):
                    self._raw.rollback()
                self._raw.close()
        except BaseException as err:  # reported to the main thread, which checks inline
            self.error = err

    def stop(self, at: int) -> None:
        """Ask the thread to stop once every entry below ``at`` has been checked."""
        self.stop_at = at

    def abandon(self) -> None:
        """Stop the thread now (interrupting its statement) and wait for it."""
        self.stop_at = 0
        if self._thread is None:
            return
        raw = self._raw
        if raw is not None:
            with contextlib.suppress(Exception):
                dbapi = raw.dbapi_connection
                dbapi.interrupt() if self.v.dialect == "sqlite" else dbapi.cancel()
        self._thread.join()

    def finish(self, upto: int) -> None:
        """Wait for the checks of entries below ``upto`` (and the node count) to be done."""
        if self._thread is not None:
            self.stop(upto)
            self._thread.join()
            if self.error is None and (self.flag is not None or self.checked_to >= upto):
                return
            self.flag, self.nodes, self.checked_to, self.stop_at = None, None, 0, None
        self._work(self.v.dbapi(), inline=True, upto=upto)

    # -- the checks ------------------------------------------------------------------------

    def _work(self, dbapi: Any, *, inline: bool, upto: int | None = None) -> None:
        sql = _FAST_SQL[self.v.dialect]
        if not inline:
            # Rows the caller's transaction wrote are not visible here: then check inline.
            head = self._query(dbapi, sql["head"], (self.v.log_id,), inline)
            if not head or int(head[0][0]) < self.size:
                raise _NotVisible
        self.nodes = int(self._query(dbapi, sql["nodes"], (self.v.log_id,), inline)[0][0])
        end = self.size if upto is None else upto
        for lo in range(0, end, self.SPAN):
            if self.stop_at is not None and lo >= self.stop_at:
                return
            hi = min(end, lo + self.SPAN)
            start = lo
            while (flag := self._first_flag(dbapi, start, hi, inline)) is not None:
                if not self._cleared(dbapi, flag, inline):
                    self.flag = flag
                    return
                start = flag + 1
            self.checked_to = hi

    def _cleared(self, dbapi: Any, seq: int, inline: bool) -> bool:
        """PostgreSQL: whether a flagged entry passes the reference check after all (its payload
        names a projected field, say). SQLite's flags are the reference check's own verdicts."""
        if self.v.dialect != "postgresql":
            return False
        cols = ", ".join(col for col, _ in _PROJECTED)
        rows = self._query(
            dbapi,
            f"SELECT seq, body, {cols} FROM ledger_entry WHERE log_id = %s AND seq = %s",
            (self.v.log_id, seq),
            inline,
        )
        return bool(rows) and self.v._check_row(rows[0]) is None

    def _first_flag(self, dbapi: Any, lo: int, hi: int, inline: bool) -> int | None:
        flag_sql = _SQLITE_FLAG if self.v.dialect == "sqlite" else _PG_FLAG
        try:
            rows = self._query(dbapi, flag_sql, (self.v.log_id, lo, hi), inline)
            return int(rows[0][0]) if rows else None
        except Exception:
            if self.stop_at is not None and lo >= self.stop_at:
                return None
            if hi - lo <= 1:  # this entry's bytes cannot even be parsed
                return lo
        mid = (lo + hi) // 2
        left = self._first_flag(dbapi, lo, mid, inline)
        return left if left is not None else self._first_flag(dbapi, mid, hi, inline)

    def _query(self, dbapi: Any, sql: str, params: tuple[Any, ...], inline: bool) -> list[Any]:
        if inline and self.v.dialect == "postgresql":
            with self.v.conn.begin_nested():  # a failed statement must not end the caller's tx
                return self.v.fetch(sql, params, dbapi)
        try:
            return self.v.fetch(sql, params, dbapi)
        except Exception:
            if not inline and self.v.dialect == "postgresql":
                dbapi.rollback()
            raise


class _NodeFetch:
    """Fetches the stored tree nodes of the chunks ahead of the chunk loop, on a connection of
    its own in a thread: which nodes a chunk must have depends only on its bounds, and the
    database's time to find and concatenate them then overlaps with Python's hashing. Any
    trouble (rows of the caller's transaction not visible here, an error) and the chunk loop
    queries them itself."""

    AHEAD = 3  # chunks fetched ahead

    def __init__(self, verifier: _Verifier, size: int) -> None:
        self.v = verifier
        self.size = size
        self.ready: queue.Queue[tuple[int, list[Any]] | None] = queue.Queue(self.AHEAD)
        self.stopped = False
        self.broken = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            raw = self.v.conn.engine.raw_connection()
            try:
                head = self.v.fetch(_FAST_SQL[self.v.dialect]["head"], (self.v.log_id,), raw)
                if not head or int(head[0][0]) < self.size:
                    raise _NotVisible
                for lo in range(0, self.size, self.v.CHUNK):
                    hi = min(self.size, lo + self.v.CHUNK)
                    if not self._put((lo, self.v.chunk_node_rows(lo, hi, raw.dbapi_connection))):
                        return
            finally:
                with contextlib.suppress(Exception):
                    raw.rollback()
                raw.close()
        except BaseException:
            self.broken = True
            self._put(None)

    def _put(self, item: tuple[int, list[Any]] | None) -> bool:
        while not self.stopped:
            with contextlib.suppress(queue.Full):
                self.ready.put(item, timeout=0.1)
                return True
        return False

    def get(self, lo: int) -> list[Any] | None:
        """The node rows of the chunk starting at ``lo``, or None: query them yourself."""
        if self.broken and self.ready.empty():
            return None
        item = self.ready.get()
        if item is None or item[0] != lo:
            self.broken = True
            return None
        return item[1]

    def stop(self) -> None:
        self.stopped = True
        self._thread.join()


class _Verifier:
    """Recomputes the log from its rows and compares it with the stored tree, head and
    checkpoints; reports the first bad sequence number.

    Two ways, one verdict. The reference check (``_reference``) streams entries and tree nodes in
    order and checks each entry as it comes. The fast path (``_fast``) checks the same things a
    chunk of ``CHUNK`` entries at a time: every leaf hash is recomputed from the stored bytes, the
    chunk's perfect subtrees are rebuilt level by level and compared with the stored nodes of each
    level (fetched as one concatenation per level), the chunk's root is pushed onto the frontier,
    and checkpoints inside the chunk are checked against roots taken from the levels; the column
    check and the node count run beside it (``_SideChecks``). The fast path never reports a fault
    itself: at the first chunk where anything disagrees it restores the state at the start of that
    chunk and hands over to the reference check, which finds the exact first bad entry and reason.
    So every check of the fast path implies the reference check's (it is stricter in places:
    types, lengths and seq columns of nodes), and a clean log is verified by the fast path only.
    """

    BATCH = 5000
    CHUNK = 1 << 16  # entries per fast-path chunk; a power of two
    FETCH = 4096  # rows per fetch inside a chunk
    FAST = True  # False: the reference check only (tests compare the two)
    THREAD_MIN = 100_000  # from this size on, the side checks run on a second connection
    # ... and on SQLite the tree nodes are fetched ahead on a third (SQLite's work then runs
    # beside the hashing, without the GIL; on PostgreSQL the work is the server's either way,
    # and a third backend only competes for the same cores: measured slower there).
    PREFETCH = frozenset({"sqlite"})

    def __init__(self, log: Log, conn: Connection, verifier: Verifier | None) -> None:
        self.log = log
        self.log_id = log.log_id
        self.conn = conn
        self.dialect = conn.dialect.name
        self.verifier = verifier
        self.frontier: list[bytes] = []
        self.size = 0
        self.last_good_cp = 0
        self.report = VerifyReport(ok=True, size=0, root=merkle.EMPTY_ROOT)
        self._open: list[Any] = []
        self._nodes: _NodeFetch | None = None
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
        try:
            start = self._fast() if self._fast_applies() else 0
            if start is not None:
                self._reference(start)
        except _Bad as bad:
            self.report.ok = False
            self.report.first_bad_seq, self.report.reason = bad.seq, bad.reason
        finally:
            for result in self._open:  # a stop at the first fault leaves cursors open
                result.close()
        self.report.size = self.report.entries_checked = self.size
        self.report.root = merkle.frontier_root(self.frontier)
        return self.report

    # -- state ----------------------------------------------------------------------------

    def _save(self) -> _State:
        return _State(
            self.size, list(self.frontier), self.last_good_cp, self.report.checkpoints_checked
        )

    def _restore(self, state: _State) -> int:
        self.size, self.frontier = state.size, list(state.frontier)
        self.last_good_cp = state.last_good_cp
        self.report.checkpoints_checked = state.checkpoints_checked
        return state.size

    # -- fast path ------------------------------------------------------------------------

    def _fast_applies(self) -> bool:
        driver = self.conn.dialect.driver
        return self.FAST and (self.dialect, driver) in (
            ("sqlite", "pysqlite"),
            ("postgresql", "psycopg"),
        )

    def dbapi(self) -> Any:
        """The caller's connection at the DB-API level (same transaction)."""
        return self.conn.connection.dbapi_connection

    def fetch(self, sql: str, params: tuple[Any, ...], dbapi: Any = None) -> list[Any]:
        """Run one statement on a DB-API connection (default: the caller's); return its rows."""
        dbapi = self.dbapi() if dbapi is None else dbapi
        cur = dbapi.cursor(binary=True) if self.dialect == "postgresql" else dbapi.cursor()
        try:
            cur.execute(sql, params)
            return list(cur.fetchall())
        finally:
            cur.close()

    def _threaded(self, size: int) -> bool:
        if size < self.THREAD_MIN:
            return False
        url = self.conn.engine.url
        if self.dialect == "sqlite":  # another connection to ":memory:" is another database
            db = url.database or ""
            return db not in ("", ":memory:") and "mode=memory" not in db + str(url.query)
        return True

    def _fast(self) -> int | None:
        """Verify chunk by chunk; return None if the whole log verified (head included), else
        the sequence number from which the reference check must go on (state restored)."""
        head = self.conn.execute(
            sa.select(ledger_log.c.size).where(ledger_log.c.log_id == self.log_id)
        ).one_or_none()
        n = 0 if head is None else int(head.size)  # no head: a log never appended to
        beyond = self._entries_outside(n)
        if beyond is None:  # rows before the start: the reference check sees them first
            return 0
        threaded = self._threaded(n)
        side = _SideChecks(self, n, threaded)
        prefetch = threaded and self.dialect in self.PREFETCH
        self._nodes = _NodeFetch(self, n) if prefetch else None
        states = [self._save()]
        failed: int | None = None
        try:
            self._checkpoints_at(0, merkle.EMPTY_ROOT)
            for lo in range(0, n, self.CHUNK):
                if lo:
                    states.append(self._save())
                if not self._fast_chunk(lo, min(n, lo + self.CHUNK)):
                    failed = lo
                    break
        except BaseException:
            side.abandon()
            raise
        finally:
            if self._nodes is not None:
                self._nodes.stop()
        side.finish(n if failed is None else failed)
        if side.flag is not None:
            failed = side.flag if failed is None else min(failed, side.flag)
        if failed is not None:
            return self._restore(states[failed // self.CHUNK])
        if side.nodes != n - n.bit_count():  # a node that no chunk accounts for
            return self._restore(states[0])
        if beyond:  # entries past the head: the reference check from the last chunk on
            return self._restore(states[-1])
        self._tail()
        return None

    def _entries_outside(self, n: int) -> bool | None:
        """False: the entries' seqs span exactly 0..n-1; True: some lie at n or above (or are
        not integers); None: some lie below 0 (or entry 0 is missing), or a node's below 1."""
        sql = _FAST_SQL[self.dialect]
        lo = self.fetch(sql["min_seq"], (self.log_id,))[0][0]
        hi = self.fetch(sql["max_seq"], (self.log_id,))[0][0]
        # The reference check meets a node whose seq is below 1 before any other: from 0 then.
        node_lo = self.fetch(sql["node_min_seq"], (self.log_id,))[0][0]
        if node_lo is not None and (type(node_lo) is not int or node_lo < 1):
            return None
        if n == 0:
            return lo is not None
        if type(lo) is not int or lo != 0:
            return None
        return type(hi) is not int or hi != n - 1

    def _fast_chunk(self, lo: int, hi: int) -> bool:
        """Check entries lo..hi-1 (lo a multiple of CHUNK); True and the state moved to hi if
        every check passed, False (state untouched) otherwise."""
        leaves = self._chunk_leaves(lo, hi)
        if leaves is None:
            return False
        run = merkle.levels(leaves)
        if not self._chunk_nodes(lo, run):
            return False
        frontier = list(self.frontier)
        if hi - lo == self.CHUNK:
            top = len(run) - 1
            completed = merkle.frontier_push_subtree(frontier, lo, top, run[top][0])
            for level, idx, h in completed:
                stored = self.fetch(_FAST_SQL[self.dialect]["node"], (self.log_id, level, idx))
                if stored != [(h, hi - 1)]:
                    return False
        else:
            frontier += merkle.prefix_frontier(run, hi - lo)
        before = self._save()
        try:
            for size in sorted(s for s in self.cp_by_size if lo < s <= hi):
                part = merkle.prefix_frontier(run, size - lo)
                self._checkpoints_at(size, merkle.frontier_root(self.frontier + part))
        except _Bad:
            self._restore(before)
            return False
        self.size, self.frontier = hi, frontier
        return True

    def _chunk_leaves(self, lo: int, hi: int) -> list[bytes] | None:
        """Recompute the leaf hashes of entries lo..hi-1; None if any differs from its stored
        leaf hash, is not bytes, or an entry is missing."""
        dbapi = self.dbapi()
        cur = dbapi.cursor(binary=True) if self.dialect == "postgresql" else dbapi.cursor()
        leaves: list[bytes] = []
        sha = hashlib.sha256
        try:
            cur.execute(_FAST_SQL[self.dialect]["entries"], (self.log_id, lo, hi))
            while rows := cur.fetchmany(self.FETCH):
                try:
                    computed = [sha(b"\x00" + r[0]).digest() for r in rows]
                except TypeError:  # bytes replaced by text
                    return None
                if computed != [r[1] for r in rows]:
                    return None
                leaves += computed
        finally:
            cur.close()
        return leaves if len(leaves) == hi - lo else None

    def chunk_node_rows(self, lo: int, hi: int, dbapi: Any = None) -> list[Any]:
        """The stored-node facts of chunk lo..hi-1: how many nodes its entries completed, then
        per level inside the chunk (count, bad, concatenated hashes)."""
        sql = _FAST_SQL[self.dialect]
        out = [self.fetch(sql["completed"], (self.log_id, lo, hi), dbapi)[0][0]]
        for level in range(1, (hi - lo).bit_length()):
            first = lo >> level
            rows = self.fetch(sql["level"], (self.log_id, level, first, hi >> level), dbapi)
            out.append(tuple(rows[0]))
        return out

    def _chunk_nodes(self, lo: int, run: list[list[bytes]]) -> bool:
        """Compare the stored nodes of each level inside the chunk with the rebuilt ones, and
        count the nodes completed by the chunk's entries (the reference check meets them in
        this chunk: one whose seq was moved here from elsewhere must fail this chunk)."""
        hi = lo + len(run[0])
        rows = self._nodes.get(lo) if self._nodes is not None else None
        if rows is None:
            rows = self.chunk_node_rows(lo, hi)
        if rows[0] != (hi - hi.bit_count()) - (lo - lo.bit_count()):
            return False
        for level in range(1, len(run)):
            count, bad, joined = rows[level]
            expected = run[level]
            if count != len(expected) or bad or bytes(joined or b"") != b"".join(expected):
                return False
        return True

    # -- reference check ------------------------------------------------------------------

    def _reference(self, start: int) -> None:
        """Stream entries and nodes from ``start`` on (the state says where verification
        stands) and check each entry as it comes; raise ``_Bad`` at the first fault."""
        e, n = ledger_entry.c, ledger_node.c
        # from the start: every row, whatever its seq (one below 0 is a fault too)
        from_e = e.seq >= start if start else sa.true()
        nodes = self._stream(
            sa.select(n.level, n.idx, n.hash)
            .where(n.log_id == self.log_id, n.seq >= start if start else sa.true())
            .order_by(n.seq, n.level)
        )
        # SQLite checks the indexed columns against the entry bytes itself, in one C-speed pass
        # (json_extract), and Python only hashes and rebuilds the tree; PostgreSQL's JSON
        # parsing is slower than Python's json module, so there Python checks them inline.
        # The first fault of either check is the one reported.
        in_sql = self.dialect == "sqlite"
        projected = [] if in_sql else [getattr(e, col) for col, _ in _PROJECTED]
        rows = self._stream(
            sa.select(e.seq, e.body, e.leaf_hash, *projected)
            .where(e.log_id == self.log_id, from_e)
            .order_by(e.seq)
        )
        column_fault = self._first_column_mismatch(start) if in_sql else None
        if start == 0:
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

    def _first_column_mismatch(self, start: int = 0) -> tuple[int, str] | None:
        """Return (seq, reason) of the first entry whose columns disagree with its bytes."""
        e = ledger_entry.c
        cols = [e.seq, e.log_id, *[getattr(e, col) for col, _ in _PROJECTED]]
        where = (e.log_id == self.log_id, e.seq >= start if start else sa.true())
        if self.dialect == "postgresql":
            # parse each entry once (a subquery column), then read its fields
            doc_col: Any = sa.cast(sa.func.convert_from(e.body, "UTF8"), JSONB).label("doc")
            inner = sa.select(*cols, doc_col).where(*where).subquery()

            def field(key: str) -> Any:
                return inner.c.doc.op("->>")(key)
        else:
            inner = sa.select(*cols, sa.cast(e.body, sa.Text).label("doc")).where(*where).subquery()

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
            return self._first_column_mismatch_slow(start)
        if row is None:
            return None
        bad = [name for (_, name), flag in zip(checks, row[1:], strict=True) if flag]
        return int(row[0]), f"column {bad[0]} does not match the entry's bytes"

    def _first_column_mismatch_slow(self, start: int) -> tuple[int, str] | None:
        e = ledger_entry.c
        cols = [e.seq, e.body, *[getattr(e, col) for col, _ in _PROJECTED]]
        from_e = e.seq >= start if start else sa.true()
        q = sa.select(*cols).where(e.log_id == self.log_id, from_e).order_by(e.seq)
        for row in self._stream(q):
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
            sa.select(ledger_log.c.size, ledger_log.c.root, ledger_log.c.frontier).where(
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
        if head is not None and bytes(head.frontier) != b"".join(self.frontier):
            raise _Bad(self.last_good_cp, "the head's frontier does not match the entries")
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
