"""`hwtrace backup` and `hwtrace restore`: a backup restored into a fresh instance (a new
directory, and on PostgreSQL a new database) verifies, with the same key and the same ledger."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.dbutil import fresh_postgres_database, pg_base_url


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def _instance(root: Path) -> Iterator[dict[str, str]]:
    """The environment of a new instance: its own directory and, on PostgreSQL, database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    env.update(
        HWTRACE_INSTANCE_DIR=str(root),
        HWTRACE_ARGON2_TIME_COST="1",
        HWTRACE_ARGON2_MEMORY_KIB="256",
    )
    if pg_base_url():
        with fresh_postgres_database() as url:
            yield {**env, "HWTRACE_DATABASE_URL": url}
    else:
        yield env


def test_backup_restores_into_a_fresh_instance_and_the_ledger_verifies(tmp_path: Path) -> None:
    saved = tmp_path / "backup"
    with _instance(tmp_path / "old") as old:
        assert _run(old, "keys", "init").returncode == 0
        r = _run(old, "demo", "--batches", "2")
        assert r.returncode == 0, r.stderr
        r = _run(old, "backup", str(saved))
        assert r.returncode == 0, r.stderr
        vkey = _run(old, "ledger", "checkpoint", "--vkey").stdout.strip()
        before = _run(old, "ledger", "verify").stdout
    manifest = json.loads((saved / "MANIFEST.json").read_text())
    assert manifest["vkey"] == vkey and manifest["tree_size"] > 0
    assert (saved / "ledger_signing.key").stat().st_mode & 0o077 == 0

    with _instance(tmp_path / "new") as new:
        r = _run(new, "restore", str(saved))
        assert r.returncode == 0, r.stderr
        assert "ledger OK" in r.stdout
        assert _run(new, "ledger", "checkpoint", "--vkey").stdout.strip() == vkey
        after = _run(new, "ledger", "verify")
        assert after.returncode == 0 and after.stdout.split(",")[0] == before.split(",")[0]

        # A second restore never overwrites what the instance now holds.
        again = _run(new, "restore", str(saved))
        assert again.returncode == 1
        assert "never overwrites" in again.stderr


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with _instance(tmp_path / "i") as env:
        assert _run(env, "keys", "init").returncode == 0
        assert _run(env, "db", "upgrade").returncode == 0
        r = _run(env, "backup", str(tmp_path / "full"))
    assert r.returncode == 1 and "not empty" in r.stderr
