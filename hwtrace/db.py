"""Database engines and sessions for one app (no Flask): a write engine whose transactions
serialize per park log, and a read engine for queries.

On SQLite the write engine begins every transaction with ``BEGIN IMMEDIATE`` (``ledger.db``), so
two writers queue instead of failing on lock upgrade; reads use a second engine with ordinary
deferred transactions so that page views never wait for the writer (WAL lets them read the last
committed state). On PostgreSQL one engine serves both; writers lock the rows they change
(``SELECT ... FOR UPDATE``) and the ledger locks its head row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

import ledger.db


def _sqlite_read_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_optimize(dbapi_conn: Any, _record: Any) -> None:
    # Keep the query planner's statistics fresh: without them SQLite picks indexes by shape and
    # misses the partial and covering ones the console relies on. analysis_limit bounds the cost
    # (a sample per index); optimize only re-analyzes tables that changed enough.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA analysis_limit=1000")
    cur.execute("PRAGMA optimize=0x10002")
    cur.close()


class Database:
    """The engines and session factories of one application instance."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.write_engine = ledger.db.create_engine(url)
        if self.write_engine.dialect.name == "sqlite":
            self.read_engine = sa.create_engine(url)
            sa.event.listen(self.read_engine, "connect", _sqlite_read_pragmas)
            sa.event.listen(self.write_engine, "connect", _sqlite_optimize)
        else:
            self.read_engine = self.write_engine
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        # One-statement lookups (the caller's token on every request) need no transaction of
        # their own: on PostgreSQL autocommit saves the BEGIN and ROLLBACK round trips. SQLite
        # has no round trips; its deferred read transaction costs nothing.
        # (A pool of its own, so connections stay in autocommit instead of switching per use.)
        self.lookup_engine = self.read_engine
        if self.dialect == "postgresql":
            self.lookup_engine = ledger.db.create_engine(url, isolation_level="AUTOCOMMIT")
        self._lookup = sessionmaker(self.lookup_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """Return the dialect name: 'sqlite' or 'postgresql'."""
        return self.write_engine.dialect.name

    def write_session(self) -> Session:
        """Return a new session whose transaction takes the write lock (SQLite) on first use."""
        return self._write()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """Yield a session for reading; closing it ends its transaction (nothing is written),
        and the rows it loaded stay usable, detached."""
        session = self._read()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def lookup_session(self) -> Iterator[Session]:
        """Yield a session for a single-statement read (autocommit where that saves round
        trips); use ``read_session`` when several reads must see one snapshot."""
        session = self._lookup()
        try:
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
        if self.lookup_engine is not self.read_engine:
            self.lookup_engine.dispose()
