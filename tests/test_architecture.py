"""The import rules of ARCHITECTURE.md hold (import-linter contracts in setup.cfg), and the
migrations match the models (``alembic check``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "broken" not in r.stdout.lower() or " 0 broken" in r.stdout.lower()


def test_migrations_match_models(database_url: str) -> None:
    from alembic import command

    from hwtrace.migrate import alembic_config

    command.check(alembic_config(database_url))
