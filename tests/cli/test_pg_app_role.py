"""PostgreSQL: the server can run as a login role that may only read and append the ledger."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from hwtrace import create_app, migrate
from hwtrace.keys import init_keys
from tests.conftest import TEST_CONFIG
from tests.dbutil import fresh_postgres_database, pg_base_url
from tests.factories import build_world


def test_server_runs_as_append_only_role(tmp_path: Path) -> None:
    if not pg_base_url():
        pytest.skip("PostgreSQL: set HWTRACE_TEST_DATABASE_URL to run")
    role = "hwtrace_app_" + uuid.uuid4().hex[:8]
    with fresh_postgres_database() as url:
        migrate.upgrade(url)
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        try:
            init_keys(tmp_path / "key", "hwtrace.local/test", None)
            env = {
                **os.environ,
                "HWTRACE_DATABASE_URL": url,
                "HWTRACE_LEDGER_KEY_FILE": str(tmp_path / "key"),
            }
            r = subprocess.run(
                [sys.executable, "-m", "hwtrace.cli", "db", "grant-app-role", role],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert r.returncode == 0, r.stderr
            role_url = (
                sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)
            )
            app = create_app(
                {
                    **TEST_CONFIG,
                    "DATABASE_URL": role_url,
                    "PARK_CODE": "ROLE",
                    "LEDGER_KEY_FILE": str(tmp_path / "key"),
                }
            )
            world = build_world(app, app.extensions["hwtrace"])
            code = world.as_("p1op").register(world.profiles["p1"])["code"]
            world.walk(code, "STORED")
            assert world.as_("park").post("/api/v1/ledger/verify").get_json()["ok"]
            app.extensions["hwtrace"].db.dispose()
            as_role = sa.create_engine(role_url)
            with as_role.connect() as conn:
                for stmt in (
                    "UPDATE ledger_entry SET actor = 'x'",
                    "DELETE FROM ledger_entry",
                    "TRUNCATE ledger_entry",
                    "DELETE FROM ledger_node",
                ):
                    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                        conn.exec_driver_sql(stmt)
                    conn.rollback()
            as_role.dispose()
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
            admin.dispose()
