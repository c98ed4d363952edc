"""The fast path of ``Log.verify``: the reference check's verdict, a chunk of entries at a time.

It checks the same things as the reference check (``ledger.verify_reference``) a chunk of
``CHUNK`` entries at a time: every leaf hash is recomputed from the stored bytes, the chunk's
perfect subtrees are rebuilt level by level and compared with the stored nodes of each level
(fetched as one concatenation per level), the chunk's root is pushed onto the frontier, and
checkpoints inside the chunk are checked against roots taken from the levels; the column check
and the node count run beside it (``_SideChecks``). The fast path never reports a fault itself:
at the first chunk where anything disagrees it restores the state at the start of that chunk
and hands over to the reference check, which finds the exact first bad entry and reason. So
every check of the fast path implies the reference check's (it is stricter in places: types,
lengths and seq columns of nodes), and a clean log is verified by the fast path only.

The statements differ per database: ``ledger.verify_sqlite`` and ``ledger.verify_postgresql``.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import merkle, verify_postgresql, verify_sqlite
from ledger.checkpoint import Verifier
from ledger.schema import ledger_log
from ledger.verify_reference import PROJECTED, Bad, ReferenceVerifier

FAST_SQL = {"sqlite": verify_sqlite.STATEMENTS, "postgresql": verify_postgresql.STATEMENTS}
FLAG_SQL = {"sqlite": verify_sqlite.FLAG, "postgresql": verify_postgresql.FLAG}


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

    def __init__(self, verifier: FastVerifier, size: int, threaded: bool) -> None:
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
        sql = FAST_SQL[self.v.dialect]
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
        cols = ", ".join(col for col, _ in PROJECTED)
        rows = self._query(
            dbapi,
            f"SELECT seq, body, {cols} FROM ledger_entry WHERE log_id = %s AND seq = %s",
            (self.v.log_id, seq),
            inline,
        )
        return bool(rows) and self.v._check_row(rows[0]) is None

    def _first_flag(self, dbapi: Any, lo: int, hi: int, inline: bool) -> int | None:
        flag_sql = FLAG_SQL[self.v.dialect]
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

    def __init__(self, verifier: FastVerifier, size: int) -> None:
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
                head = self.v.fetch(FAST_SQL[self.v.dialect]["head"], (self.v.log_id,), raw)
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


class FastVerifier(ReferenceVerifier):
    """The reference verifier with the fast path in front (see the module's docstring)."""

    CHUNK = 1 << 16  # entries per fast-path chunk; a power of two
    FETCH = 4096  # rows per fetch inside a chunk
    FAST = True  # False: the reference check only (tests compare the two)
    THREAD_MIN = 100_000  # from this size on, the side checks run on a second connection
    # ... and on SQLite the tree nodes are fetched ahead on a third (SQLite's work then runs
    # beside the hashing, without the GIL; on PostgreSQL the work is the server's either way,
    # and a third backend only competes for the same cores: measured slower there).
    PREFETCH = frozenset({"sqlite"})

    def __init__(
        self,
        log_id: str,
        conn: Connection,
        verifier: Verifier | None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__(log_id, conn, verifier)
        self._nodes: _NodeFetch | None = None
        self._progress = progress

    def _start(self) -> int | None:
        return self._fast() if self._fast_applies() else 0

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
                if self._progress is not None:
                    self._progress(min(n, lo + self.CHUNK), n)
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
        sql = FAST_SQL[self.dialect]
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
                stored = self.fetch(FAST_SQL[self.dialect]["node"], (self.log_id, level, idx))
                if stored != [(h, hi - 1)]:
                    return False
        else:
            frontier += merkle.prefix_frontier(run, hi - lo)
        before = self._save()
        try:
            for size in sorted(s for s in self.cp_by_size if lo < s <= hi):
                part = merkle.prefix_frontier(run, size - lo)
                self._checkpoints_at(size, merkle.frontier_root(self.frontier + part))
        except Bad:
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
            cur.execute(FAST_SQL[self.dialect]["entries"], (self.log_id, lo, hi))
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
        sql = FAST_SQL[self.dialect]
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
