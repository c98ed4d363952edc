"""The one live-server harness: hwtrace under gunicorn, in its own process group, on a free port,
on a fresh database (SQLite, or PostgreSQL when HWTRACE_TEST_DATABASE_URL is set), optionally
with the demo park. Used by the page tests, the handheld tests, the fault tests and the benches.

    with demo_server(tmp, batches=24) as server:   # a demo park, served
        status, body = call(server.url + "/api/v1/auth/login", "POST", {...})

HWTRACE_TEST_SERVER_LOG=FILE keeps what the servers logged (tracebacks included).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hwtrace.keys import init_keys
from tests.dbutil import fresh_postgres_database, pg_base_url

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(db_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    """The server's environment: the database, a fresh ledger key in ``tmp``, cheap password
    hashing, no lock-out from the many logins of a test run; ``extra`` adds or overrides."""
    key = tmp / "ledger.key"
    if not key.exists():
        init_keys(key, "hwtrace.local/test", None)
    return {
        **os.environ,
        "HWTRACE_DATABASE_URL": db_url,
        "HWTRACE_LEDGER_KEY_FILE": str(key),
        "HWTRACE_SECRET_KEY": "test",
        "HWTRACE_ARGON2_TIME_COST": "1",
        "HWTRACE_ARGON2_MEMORY_KIB": "256",
        "HWTRACE_LOGIN_MAX_FAILURES": "1000",
        # every test client is 127.0.0.1: the per-address and global limits are tested apart
        "HWTRACE_LOGIN_ADDRESS_MAX_FAILURES": "1000000",
        "HWTRACE_LOGIN_ACCOUNT_MAX_FAILURES": "1000000",
        "HWTRACE_LOGIN_GLOBAL_MAX_FAILURES": "1000000",
        # the servers under test serve many requests from 127.0.0.1: no API rate limits
        # (tests/api/test_rate_limits.py tests them)
        "HWTRACE_API_RATE_PER_TOKEN": "0",
        "HWTRACE_API_RATE_PER_ADDRESS": "0",
        **extra,
    }


@contextlib.contextmanager
def scratch_database(tmp: Path, prefix: str = "hwtrace_t") -> Iterator[str]:
    """A fresh PostgreSQL database when configured (dropped afterwards), else a SQLite file."""
    if pg_base_url():
        with fresh_postgres_database(prefix) as url:
            yield url
    else:
        yield f"sqlite:///{tmp / (prefix + '.sqlite')}"


def seed_demo(env: dict[str, str], batches: int) -> None:
    """Migrate the database of ``env`` and seed the demo park with ``batches`` batches."""
    r = subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", "demo", "--batches", str(batches)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]


class Server:
    """A gunicorn hwtrace server that can be stopped, killed with SIGKILL and started again."""

    def __init__(
        self,
        env: dict[str, str],
        port: int | None = None,
        workers: int = 2,
        threads: int = 4,
        extra_args: tuple[str, ...] = (),
        app: str = "hwtrace.wsgi:app",
    ) -> None:
        self.env = env
        self.port = port or free_port()
        self.workers = workers
        self.threads = threads
        self.extra_args = extra_args
        self.app = app
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> str:
        kind = "gthread" if self.threads > 1 else "sync"
        extra = f", {' '.join(self.extra_args)}" if self.extra_args else ""
        return f"gunicorn {self.workers} workers x {self.threads} threads ({kind}){extra}"

    def start(self, timeout: float = 60) -> None:
        with open(os.environ.get("HWTRACE_TEST_SERVER_LOG", os.devnull), "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    *("--bind", f"127.0.0.1:{self.port}"),
                    *("--workers", str(self.workers), "--threads", str(self.threads)),
                    *("--log-level", "warning", *self.extra_args, self.app),
                ],
                env=self.env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}) on start-up")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def pids(self) -> list[int]:
        """The master and its workers."""
        assert self.proc is not None
        master = self.proc.pid
        workers = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == master:  # its parent
                        workers.append(int(entry))
        return [master, *workers]

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die mid-request."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        """A graceful stop (workers run their exit handlers), SIGKILL if it takes too long."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None


@contextlib.contextmanager
def demo_server(
    tmp: Path,
    batches: int = 1,
    prefix: str = "hwtrace_t",
    workers: int = 2,
    threads: int = 4,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """A demo park with ``batches`` batches on a scratch database, served until the block ends."""
    with scratch_database(tmp, prefix) as url:
        full = server_env(url, tmp, **(env or {}))
        seed_demo(full, batches)
        server = Server(full, workers=workers, threads=threads)
        server.start()
        try:
            yield server
        finally:
            server.stop()


def call(
    url: str,
    method: str = "GET",
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    """Send one JSON request; return (status, parsed body). Raises OSError if unreachable."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
    except (http.client.HTTPException, ValueError) as err:
        # a connection cut mid-response (the server was killed): the same as no answer
        raise ConnectionError(str(err)) from err
