"""Engines configured for the ledger.

SQLite: WAL journal, ``synchronous=NORMAL`` (a committed transaction survives an application
crash; after a power cut the last transactions may be lost but the file is never corrupt —
use FULL where that matters), foreign keys and recursive triggers on, a long busy timeout, and
every transaction opened with ``BEGIN IMMEDIATE`` so writers queue for the single write lock
up front instead of failing on a lock upgrade. Writers to a database file also queue on a
blocking lock (``flock`` on ``<file>-writer.lock``, plus a thread lock inside the process) taken
before ``BEGIN IMMEDIATE`` and released after ``COMMIT``/``ROLLBACK``: waiting writers sleep in
the kernel and wake when the lock is free, instead of polling with SQLite's busy handler (sleeps
of 1, 2, 5 … 100 ms that leave the lock idle and stretch the tail latency). SQLite's own locking
stays the guarantee; the queue only orders the writers that would otherwise poll.
PostgreSQL: pooled connections are recycled after 30 minutes and not pinged on checkout (a ping
is a round trip on every request); a connection found dead invalidates the pool, the request
fails with a clear error and the next one reconnects.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if sys.platform != "win32":  # Windows has no flock: SQLite's busy timeout alone orders writers
    import fcntl


class WriterQueue:
    """A lock for the writers of one SQLite file: a thread lock, then ``flock`` on a side file.

    The file is opened once per process (again after a fork), so the lock is shared by every
    thread of every process that writes to the same database file.
    """

    def __init__(self, path: str, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @property
    def held(self) -> bool:
        """Return True while a writer of this process holds the queue."""
        return self._threads.locked()

    def acquire(self) -> None:
        """Block until this caller is the only writer (in this process: at most ``timeout``
        seconds, as SQLite's busy timeout would; across processes ``flock`` waits, and a
        process that dies releases it)."""
        if not self._threads.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (writer queue)")
        try:
            if sys.platform != "win32":
                fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        """Let the next writer in."""
        try:
            if sys.platform != "win32":
                fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


def _queued_connection(queue: WriterQueue) -> type[sqlite3.Connection]:
    """Return a sqlite3 connection class that leaves ``queue`` when its transaction ends."""

    class QueuedConnection(sqlite3.Connection):
        writer_queue = queue
        holds_writer_lock = False

        def enter_queue(self) -> None:
            if not self.holds_writer_lock:
                queue.acquire()
                self.holds_writer_lock = True

        def _leave_queue(self) -> None:
            if self.holds_writer_lock:
                self.holds_writer_lock = False
                queue.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._leave_queue()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._leave_queue()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._leave_queue()

    return QueuedConnection


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA recursive_triggers=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    dbapi_conn = conn.connection.dbapi_connection
    enter = getattr(dbapi_conn, "enter_queue", None)
    if enter is not None:
        try:
            enter()
        except sqlite3.OperationalError as err:  # as SQLAlchemy reports a busy database
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, err) from err
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if enter is not None:
            dbapi_conn.rollback()  # leaves the queue; there is no transaction to end
        raise


def configure(engine: Engine) -> Engine:
    """Apply the ledger's connection settings to ``engine`` and return it."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def create_engine(url: str, **kw: Any) -> Engine:
    """Create an engine for ``url`` configured for ledger appends."""
    if url.startswith(("postgresql", "postgres")):
        kw.setdefault("pool_recycle", 1800)
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        args = dict(kw.pop("connect_args", {}))
        args.setdefault("timeout", 30)
        database = sa.engine.make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            queue = WriterQueue(database + "-writer.lock", timeout=float(args["timeout"]))
            args.setdefault("factory", _queued_connection(queue))
        kw["connect_args"] = args
    return configure(sa.create_engine(url, **kw))
