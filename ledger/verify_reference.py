"""The reference check of ``Log.verify``: recompute the log from its rows, entry by entry.

It streams the entries and tree nodes in sequence order and checks each entry as it comes (its
bytes against its leaf hash and its indexed columns, the tree nodes it completes, the signed
checkpoints at its size), then the head row. It is the definition of a verdict: the fast path
(``ledger.verify_fast``) hands over to it at the first chunk where anything disagrees, so the
first bad sequence number and the reason always come from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from ledger import merkle
from ledger.checkpoint import Verifier, parse_checkpoint
from ledger.errors import BadSignatureError
from ledger.schema import ledger_checkpoint, ledger_entry, ledger_log, ledger_node


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


# The indexed columns of an entry and the keys of its bytes they copy.
PROJECTED = (
    ("entry_type", "type"),
    ("subject", "subject"),
    ("actor", "actor"),
    ("enterprise", "enterprise"),
    ("client_ts", "client_ts"),
    ("server_ts", "server_ts"),
)


class Bad(Exception):
    """The first fault verify found: the sequence number and the reason."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class State:
    """Where verification stands after a prefix of the log: enough to go on from there."""

    size: int
    frontier: list[bytes]
    last_good_cp: int
    checkpoints_checked: int


class ReferenceVerifier:
    """Recomputes the log from its rows and compares it with the stored tree, head and
    checkpoints; reports the first bad sequence number (see the module's docstring)."""

    BATCH = 5000

    def __init__(self, log_id: str, conn: Connection, verifier: Verifier | None) -> None:
        self.log_id = log_id
        self.conn = conn
        self.dialect = conn.dialect.name
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
        """Check the whole log and return the report."""
        try:
            start = self._start()
            if start is not None:
                self._reference(start)
        except Bad as bad:
            self.report.ok = False
            self.report.first_bad_seq, self.report.reason = bad.seq, bad.reason
        finally:
            for result in self._open:  # a stop at the first fault leaves cursors open
                result.close()
        self.report.size = self.report.entries_checked = self.size
        self.report.root = merkle.frontier_root(self.frontier)
        return self.report

    # -- state ----------------------------------------------------------------------------

    def _save(self) -> State:
        return State(
            self.size, list(self.frontier), self.last_good_cp, self.report.checkpoints_checked
        )

    def _restore(self, state: State) -> int:
        self.size, self.frontier = state.size, list(state.frontier)
        self.last_good_cp = state.last_good_cp
        self.report.checkpoints_checked = state.checkpoints_checked
        return state.size

    def _start(self) -> int | None:
        """Where the reference check starts (None: nothing left to check); a faster way of
        checking a prefix overrides this."""
        return 0

    # -- reference check ------------------------------------------------------------------

    def _reference(self, start: int) -> None:
        """Stream entries and nodes from ``start`` on (the state says where verification
        stands) and check each entry as it comes; raise ``Bad`` at the first fault."""
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
        projected = [] if in_sql else [getattr(e, col) for col, _ in PROJECTED]
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
                raise Bad(*column_fault)
            if not in_sql:
                problem = self._check_row((row[0], row[1], *row[3:]))
                if problem:
                    raise Bad(row[0], problem)
            self._entry(row[:3], nodes)
        if column_fault is not None:
            raise Bad(*column_fault)
        if next(nodes, None) is not None:
            raise Bad(self.size, "a tree node exists beyond the last entry")
        self._tail()

    def _first_column_mismatch(self, start: int = 0) -> tuple[int, str] | None:
        """Return (seq, reason) of the first entry whose columns disagree with its bytes."""
        e = ledger_entry.c
        cols = [e.seq, e.log_id, *[getattr(e, col) for col, _ in PROJECTED]]
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
            *[(field(key).is_distinct_from(inner.c[col]), col) for col, key in PROJECTED],
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
        cols = [e.seq, e.body, *[getattr(e, col) for col, _ in PROJECTED]]
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
            raise Bad(size, f"entry {size} is missing (next stored is {seq})")
        if not isinstance(body, bytes):
            if not isinstance(body, memoryview):
                raise Bad(size, "the entry's bytes were replaced by another type")
            body = bytes(body)
        leaf = merkle.leaf_hash(body)
        if leaf != stored_leaf:
            raise Bad(size, "the entry's bytes do not match its leaf hash")
        if size & 1:  # an odd leaf completes at least one perfect subtree
            for level, idx, h in merkle.frontier_push(self.frontier, size, leaf):
                stored = next(nodes, None)
                first = idx << level
                if stored is None or (stored[0], stored[1]) != (level, idx):
                    raise Bad(first, f"tree node {level}/{idx} is missing")
                if stored[2] != h:
                    last = first + (1 << level) - 1
                    raise Bad(
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
            raise Bad(
                min(self.size, int(head.size)),
                f"the head says {head.size} entries but {self.size} are stored",
            )
        if head is not None and bytes(head.root) != root:
            raise Bad(self.last_good_cp, "the head's root does not match the entries")
        if head is not None and bytes(head.frontier) != b"".join(self.frontier):
            raise Bad(self.last_good_cp, "the head's frontier does not match the entries")
        beyond = [int(cp.size) for cp in self.checkpoints if int(cp.size) > self.size]
        if beyond:
            raise Bad(
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
        for (column, key), value in zip(PROJECTED, row[2:], strict=True):
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
                    raise Bad(self.last_good_cp, f"checkpoint at size {size}: {err}") from None
                if parsed.size != size or parsed.root != bytes(cp.root):
                    raise Bad(
                        self.last_good_cp,
                        f"checkpoint at size {size}: its note differs from its row",
                    )
            if bytes(cp.root) != root:
                raise Bad(
                    self.last_good_cp,
                    f"the entries do not match the signed checkpoint at size {size}",
                )
            self.report.checkpoints_checked += 1
        if self.cp_by_size.get(size):
            self.last_good_cp = size
