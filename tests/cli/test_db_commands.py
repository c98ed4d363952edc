"""`hwtrace db history` and `hwtrace db downgrade` on a real SQLite instance."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(tmp: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env={**env, "HWTRACE_INSTANCE_DIR": str(tmp)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_history_and_downgrade(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    head = _run(tmp_path, "db", "current").stdout.strip()
    history = _run(tmp_path, "db", "history")
    assert history.returncode == 0
    assert f"{head} (head) (current)" in history.stdout

    refused = _run(tmp_path, "db", "downgrade", "-1", stdin="n\n")
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    assert _run(tmp_path, "db", "current").stdout.strip() == head

    down = _run(tmp_path, "db", "downgrade", "-1", "--yes")
    assert down.returncode == 0, down.stderr
    previous = _run(tmp_path, "db", "current").stdout.strip()
    assert previous != head and previous in history.stdout
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    assert _run(tmp_path, "db", "current").stdout.strip() == head
