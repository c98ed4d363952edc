"""Engines configured for the ledger.

SQLite: WAL journal, ``synchronous=NORMAL`` (a committed transaction survives an application
crash; after a power cut the last transactions may be lost but the file is never corrupt —
use FULL where that matters), foreign keys and recursive triggers on, a long busy timeout, and
every transaction opened with ``BEGIN IMMEDIATE`` so writers queue for the single write lock
up front instead of failing on a lock upgrade. PostgreSQL: pre-ping pooled connections.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


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
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def configure(engine: Engine) -> Engine:
    """Apply the ledger's connection settings to ``engine`` and return it."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def create_engine(url: str, **kw: Any) -> Engine:
    """Create an engine for ``url`` configured for ledger appends."""
    if url.startswith(("postgresql", "postgres")):
        kw.setdefault("pool_pre_ping", True)
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        kw.setdefault("connect_args", {"timeout": 30})
    return configure(sa.create_engine(url, **kw))
