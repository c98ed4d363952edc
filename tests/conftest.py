"""Fixtures: a real database per test session (SQLite file, or PostgreSQL when
HWTRACE_TEST_DATABASE_URL is set), migrated once with Alembic; an app per test on its own park
(its own ledger log and enterprises), so tests never see each other's data; actor helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hwtrace import create_app, migrate
from hwtrace.keys import init_keys
from hwtrace.services.context import Context
from tests.dbutil import fresh_postgres_database, pg_base_url, sqlite_url
from tests.factories import World, build_world

TEST_CONFIG: dict[str, Any] = {
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 256,
    "TESTING": True,
    "LOG_LEVEL": "WARNING",  # no access-log line per request in the captured output
    # Every test client is 127.0.0.1 and all parks share the session's database: the limits
    # that count failures of any username are set to the defaults by the tests of throttling.
    "LOGIN_ADDRESS_MAX_FAILURES": 1_000_000,
    "LOGIN_GLOBAL_MAX_FAILURES": 1_000_000,
    # The suite makes thousands of API requests from 127.0.0.1 in a few seconds: no API rate
    # limits here; tests/api/test_rate_limits.py sets them and tests them.
    "API_RATE_PER_TOKEN": 0,
    "API_RATE_PER_ADDRESS": 0,
}


def pytest_report_header() -> str:
    return "database: " + ("PostgreSQL (" + pg_base_url() + ")" if pg_base_url() else "SQLite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test session."""
    if pg_base_url():
        with fresh_postgres_database() as url:
            migrate.upgrade(url)
            yield url
    else:
        url = sqlite_url(tmp_path_factory.mktemp("db"))
        migrate.upgrade(url)
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on its own park (own ledger log) in the session database."""
    park = "T" + uuid.uuid4().hex[:10].upper()
    init_keys(tmp_path / "ledger.key", "hwtrace.local/test", None)
    application = create_app(
        {
            **TEST_CONFIG,
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "PARK_CODE": park,
            "LEDGER_KEY_FILE": str(tmp_path / "ledger.key"),
            "SECRET_KEY": "test",
        }
    )
    yield application
    application.extensions["hwtrace"].db.dispose()


@pytest.fixture
def ctx(app: Flask) -> Context:
    return app.extensions["hwtrace"]  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def world(app: Flask, ctx: Context) -> World:
    """A park with its administration, two producers, a transporter, two receivers, users with
    tokens, waste profiles and rooms."""
    return build_world(app, ctx)
