"""PostgreSQL: the server can run as a login role that may only read the ledger and append to
it through the database's ``ledger_append``: it cannot write a ledger row itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import ledger
import ledger.db
import ledger.schema
from hwtrace import create_app, migrate, migrations
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
            r = _cli(env, "db", "grant-app-role", role)
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
            _role_cannot_write_rows(role_url)
            role_env = {**env, "HWTRACE_DATABASE_URL": role_url, "HWTRACE_PARK_CODE": "ROLE"}
            r = _cli(role_env, "ledger", "checkpoint")
            assert r.returncode == 0, r.stderr
            r = _cli(role_env, "ledger", "verify")
            assert r.returncode == 0, r.stderr
            assert "OK" in r.stdout + r.stderr
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
            admin.dispose()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _role_cannot_write_rows(role_url: str) -> None:
    """The role may not change, delete or insert ledger rows, nor move the head: a row it made
    up (say a copy of the last entry under the next number) would be a false alarm forever."""
    as_role = sa.create_engine(role_url)
    with as_role.connect() as conn:
        size = conn.exec_driver_sql("SELECT size FROM ledger_log WHERE log_id = 'ROLE'").scalar()
        assert size and size > 3
        for stmt in (
            "UPDATE ledger_entry SET actor = 'x'",
            "DELETE FROM ledger_entry",
            "TRUNCATE ledger_entry",
            "DELETE FROM ledger_node",
            "INSERT INTO ledger_entry SELECT log_id, seq + 1, entry_type, subject, actor, "
            "enterprise, client_ts, server_ts, body, leaf_hash FROM ledger_entry "
            f"WHERE log_id = 'ROLE' AND seq = {size - 1}",
            "INSERT INTO ledger_node (log_id, level, idx, seq, hash) "
            "VALUES ('ROLE', 30, 0, 0, sha256(''::bytea))",
            "UPDATE ledger_log SET size = size - 1",
            "INSERT INTO ledger_log (log_id, origin, size, root, frontier, updated_at) "
            "VALUES ('X', 'X', 0, sha256(''::bytea), ''::bytea, now())",
            "SELECT size FROM ledger_log FOR UPDATE",
            "SELECT ledger_check_entry('t', NULL, '{}'::bytea)",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.exec_driver_sql(stmt)
            conn.rollback()
        # what it may do: append through the function (numbered, encoded and hashed there)
        first = conn.exec_driver_sql(
            "SELECT first_seq FROM ledger_append('ROLE', NULL, '2026-11-29T08:30:00.000000Z', "
            "ARRAY['probe'], ARRAY[NULL], ARRAY['role'], ARRAY[NULL], ARRAY[NULL]::text[], "
            'ARRAY[\'{"by":"role"}\'::bytea])'
        ).scalar()
        conn.commit()
        assert first == size
    as_role.dispose()


# the revision before the migration that installs ledger_append (renumbered as others land)
_BEFORE_FUNCTION = re.findall(
    r"^down_revision = '(\w+)'",
    next(
        (Path(migrations.__file__).parent / "versions").glob(
            "*_ledger_appends_through_a_database_function.py"
        )
    ).read_text(),
    re.M,
)[0]


def test_migration_moves_a_role_granted_before_to_the_function() -> None:
    """A park that ran grant-app-role before the function existed: the migration gives its
    role EXECUTE and takes INSERT away, so the server keeps appending after the upgrade; the
    downgrade gives the old grant back."""
    if not pg_base_url():
        pytest.skip("PostgreSQL: set HWTRACE_TEST_DATABASE_URL to run")
    role = "hwtrace_old_" + uuid.uuid4().hex[:8]
    draft = ledger.EntryDraft("t", "S", None, None, None, {"n": 1})
    with fresh_postgres_database() as url:
        migrate.upgrade(url, _BEFORE_FUNCTION)
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            for table in ledger.schema.GUARDED:  # the grant as it was
                conn.exec_driver_sql(f"GRANT SELECT, INSERT ON {table} TO {role}")
            conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE ON ledger_log TO {role}")
        as_role = ledger.db.create_engine(
            sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)
        )
        try:
            with as_role.begin() as conn:
                ledger.Log("P", database_append=False).append(conn, draft)
            migrate.upgrade(url)
            with as_role.begin() as conn:
                assert ledger.Log("P").append(conn, draft).seq == 1
            with as_role.connect() as conn:
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    conn.exec_driver_sql("INSERT INTO ledger_node VALUES ('P', 9, 0, 0, '')")
                conn.rollback()
                assert ledger.Log("P").verify(conn).ok
            as_role.dispose()
            migrate.downgrade(url, _BEFORE_FUNCTION)
            with as_role.begin() as conn:
                assert ledger.Log("P", database_append=False).append(conn, draft).seq == 2
        finally:
            as_role.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
            admin.dispose()
