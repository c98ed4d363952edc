"""Data survives a reinstall: the project installed (not editable) into a fresh virtualenv keeps
its database and keys in the instance directory, outside the venv; the venv is deleted and made
again at the same path, and the new install finds the same ledger and the same signing key.

The fresh venvs reuse the project's installed dependencies through a ``.pth`` line (installing
them again would only measure the package index); hwtrace itself is a wheel installed into each
venv, as a park's IT team would install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.ops.conftest import ROOT

pytestmark = pytest.mark.slow


def _venv(path: Path, wheel: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(path), "platbase": str(path)}))
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(path / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
    )
    return path / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    env.update(HWTRACE_ARGON2_TIME_COST="1", HWTRACE_ARGON2_MEMORY_KIB="256")
    return subprocess.run(
        [str(bin_dir / "hwtrace"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_reinstall_into_a_fresh_venv_finds_data_and_keys(tmp_path: Path, wheel: Path) -> None:
    site = tmp_path / "park"
    site.mkdir()
    venv = tmp_path / "venv"

    bin_dir = _venv(venv, wheel)
    r = _run(bin_dir, site, "keys", "init")
    assert r.returncode == 0, r.stderr
    r = _run(bin_dir, site, "demo", "--batches", "1")
    assert r.returncode == 0, r.stderr
    before = _run(bin_dir, site, "ledger", "verify")
    assert before.returncode == 0 and before.stdout.startswith("OK"), before.stderr
    vkey = _run(bin_dir, site, "ledger", "checkpoint", "--vkey").stdout.strip()
    key_bytes = (site / "instance" / "ledger_signing.key").read_bytes()
    # Nothing of the instance went into the venv.
    assert not list(venv.rglob("*.sqlite")) and not list(venv.rglob("ledger_signing.key"))
    assert str(ROOT) not in (site / "instance").resolve().as_posix()

    shutil.rmtree(venv)
    bin_dir = _venv(venv, wheel)
    after = _run(bin_dir, site, "ledger", "verify")
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    assert _run(bin_dir, site, "ledger", "checkpoint", "--vkey").stdout.strip() == vkey
    assert (site / "instance" / "ledger_signing.key").read_bytes() == key_bytes
    again = _run(bin_dir, site, "keys", "init")
    assert "kept" in again.stdout and "created" not in again.stdout
