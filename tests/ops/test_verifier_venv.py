"""`hwtrace-verify` in a virtualenv holding only its own dependencies: the project installed
without its dependencies, plus cryptography (and what cryptography needs). No Flask, no
SQLAlchemy, no fcntl needed: the same install works on an inspector's Windows or macOS laptop."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.factories import World

pytestmark = pytest.mark.slow


def test_bundle_verifier_runs_with_only_its_own_dependencies(
    world: World, tmp_path: Path, wheel: Path
) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "STORED")
    r = world.as_("auditor").get("/api/v1/exports/bundle.json")
    assert r.status_code == 200
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(r.data)
    vkey = world.ctx.signer.vkey

    venv = tmp_path / "inspector"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True)
    subprocess.run([*pip, f"cryptography=={metadata.version('cryptography')}"], check=True)
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    assert "flask" not in freeze and "sqlalchemy" not in freeze and "cryptography" in freeze

    ok = subprocess.run(
        [str(venv / "bin" / "hwtrace-verify"), str(bundle), "--vkey", vkey],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "OK:" in ok.stdout and "pinned with --vkey" in ok.stdout

    doc = json.loads(bundle.read_bytes())
    doc["tree_size"] += 1
    bundle.write_text(json.dumps(doc))
    bad = subprocess.run(
        [str(venv / "bin" / "hwtrace-verify"), str(bundle)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "验证失败" in bad.stderr and "FAILED (bundle." in bad.stderr

    # No module of the check imports fcntl (absent on Windows).
    probe = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sys; sys.modules['fcntl'] = None; import ledger.verify_cli",
        ],
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
