"""Throw-away databases for tests: a fresh SQLite file or a fresh PostgreSQL database.

PostgreSQL is used only when HWTRACE_TEST_DATABASE_URL is set (CI sets it to the local server);
each call creates its own database so concurrent test runs never share tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

PG_ENV = "HWTRACE_TEST_DATABASE_URL"


def pg_base_url() -> str | None:
    """Return the PostgreSQL URL from the environment, normalised to the psycopg 3 driver."""
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@contextmanager
def fresh_postgres_database(prefix: str = "hwtrace_t") -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    base = pg_base_url()
    if base is None:
        raise RuntimeError(f"{PG_ENV} is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def sqlite_url(directory: Path, name: str = "hwtrace.sqlite") -> str:
    """Return a URL for a SQLite file in ``directory``."""
    return f"sqlite:///{directory / name}"
