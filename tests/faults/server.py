"""Run the real server (gunicorn) in its own process group, for end-to-end and fault tests."""

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
from pathlib import Path
from typing import Any

from hwtrace.keys import init_keys

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(db_url: str, tmp: Path) -> dict[str, str]:
    init_keys(tmp / "ledger.key", "hwtrace.local/test", None)
    return {
        **os.environ,
        "HWTRACE_DATABASE_URL": db_url,
        "HWTRACE_LEDGER_KEY_FILE": str(tmp / "ledger.key"),
        "HWTRACE_SECRET_KEY": "test",
        "HWTRACE_ARGON2_TIME_COST": "1",
        "HWTRACE_ARGON2_MEMORY_KIB": "256",
        "HWTRACE_LOGIN_MAX_FAILURES": "1000",
    }


class Server:
    """A gunicorn hwtrace server that can be killed with SIGKILL and started again."""

    def __init__(self, env: dict[str, str], port: int, workers: int = 2) -> None:
        self.env = env
        self.port = port
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 30) -> None:
        # HWTRACE_TEST_SERVER_LOG=FILE keeps what the server logged (tracebacks included)
        with open(os.environ.get("HWTRACE_TEST_SERVER_LOG", os.devnull), "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    "4",
                    "--log-level",
                    "warning",
                    "hwtrace.wsgi:app",
                ],
                env=self.env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die mid-request."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        self.kill()


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
