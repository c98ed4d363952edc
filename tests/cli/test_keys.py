"""The instance directory and its keys: made only by `hwtrace keys init`, never as a side effect,
and a clear message (not a traceback) from a command that needs a key that is not there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_default_instance_is_the_working_directory_and_keys_come_only_from_keys_init(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    r = _run(tmp_path, "db", "current")
    assert r.returncode == 0, r.stderr
    assert not (instance / "ledger_signing.key").exists()
    assert not (instance / "secret_key").exists()

    r = _run(tmp_path, "ledger", "checkpoint")
    assert r.returncode == 1
    assert "hwtrace keys init" in r.stderr and "Traceback" not in r.stderr
    assert str(instance / "ledger_signing.key") in r.stderr
    assert not (instance / "ledger_signing.key").exists()

    r = _run(tmp_path, "keys", "init")
    assert r.returncode == 0, r.stderr
    key = (instance / "ledger_signing.key").read_bytes()
    secret = (instance / "secret_key").read_text()
    assert (instance / "ledger_signing.key").stat().st_mode & 0o077 == 0
    assert "created" in r.stdout and "verifier key" in r.stdout

    again = _run(tmp_path, "keys", "init")
    assert again.returncode == 0 and "kept" in again.stdout
    assert (instance / "ledger_signing.key").read_bytes() == key
    assert (instance / "secret_key").read_text() == secret
    vkey = _run(tmp_path, "ledger", "checkpoint", "--vkey").stdout.strip()
    assert vkey and vkey in r.stdout


def test_instance_dir_setting_moves_everything(tmp_path: Path) -> None:
    where = tmp_path / "var" / "hwtrace"
    r = _run(tmp_path, "keys", "init", HWTRACE_INSTANCE_DIR=str(where))
    assert r.returncode == 0, r.stderr
    r = _run(tmp_path, "db", "upgrade", HWTRACE_INSTANCE_DIR=str(where))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in where.iterdir()) == [
        "hwtrace.sqlite",
        "ledger_signing.key",
        "secret_key",
    ]
    assert not (tmp_path / "instance").exists()


def test_instance_inside_the_venv_is_refused(tmp_path: Path) -> None:
    if sys.prefix == sys.base_prefix:
        pytest.fail("the tests run in the project's virtualenv (scripts/bootstrap.sh)")
    r = _run(tmp_path, "keys", "init", HWTRACE_INSTANCE_DIR=str(Path(sys.prefix) / "var"))
    assert r.returncode != 0
    assert "HWTRACE_INSTANCE_DIR" in r.stderr
    assert not (Path(sys.prefix) / "var" / "ledger_signing.key").exists()


def test_the_server_refuses_to_start_without_keys(tmp_path: Path) -> None:
    code = "import hwtrace.wsgi"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**clean, "HWTRACE_CHECK_SCHEMA": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0
    assert "KeyMissing" in r.stderr and "hwtrace keys init" in r.stderr
