"""The ledger tests' database: a fresh SQLite file, and a fresh PostgreSQL database when
HWTRACE_TEST_DATABASE_URL is set, each with the ledger tables, their guards and (PostgreSQL) the
append function."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import ledger
import ledger.db
from ledger.schema import install_append_function, install_guards
from tests.dbutil import fresh_postgres_database, pg_base_url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql":
        if not pg_base_url():
            pytest.skip("PostgreSQL: set HWTRACE_TEST_DATABASE_URL to run")
        with fresh_postgres_database() as url:
            eng = ledger.db.create_engine(url)
            _setup(eng)
            yield eng
            eng.dispose()
    else:
        eng = ledger.db.create_engine(f"sqlite:///{tmp_path}/ledger.db")
        _setup(eng)
        yield eng
        eng.dispose()


def _setup(eng: Engine) -> None:
    ledger.schema.metadata.create_all(eng)
    with eng.begin() as conn:
        install_guards(conn)
        install_append_function(conn)
