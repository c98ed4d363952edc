"""Long commands show a bar with an ETA on a terminal and nothing when their output goes to a
file or a pipe (logs, CI). The terminal is a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    env.update(
        HWTRACE_INSTANCE_DIR=str(tmp),
        HWTRACE_ARGON2_TIME_COST="1",
        HWTRACE_ARGON2_MEMORY_KIB="256",
    )
    return env


def _on_terminal(tmp: Path, *args: str) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; return the exit status and what it showed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 110, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env=_env(tmp),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(600), shown.decode(errors="replace")


def test_progress_on_a_terminal_and_silence_in_logs(tmp_path: Path) -> None:
    env = _env(tmp_path)
    run = [sys.executable, "-m", "hwtrace.cli"]
    assert subprocess.run([*run, "keys", "init"], env=env, capture_output=True).returncode == 0

    status, shown = _on_terminal(tmp_path, "demo", "--batches", "1")
    assert status == 0, shown
    assert "demo park / 演示园区:" in shown and "100%|" in shown and "days [" in shown
    assert "ETA " in shown

    status, shown = _on_terminal(tmp_path, "ledger", "verify")
    assert status == 0, shown
    assert "verify / 校验:" in shown and "100%|" in shown and "ETA " in shown

    logged = subprocess.run([*run, "ledger", "verify"], env=env, capture_output=True, text=True)
    assert logged.returncode == 0 and logged.stdout.startswith("OK")
    assert logged.stderr == ""
