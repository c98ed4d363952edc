"""Fixtures for the PDA client: a real gunicorn server on a demo park (SQLite, or PostgreSQL
when HWTRACE_TEST_DATABASE_URL is set), ``hwtrace-pda`` run as a subprocess on its own local
database, and pseudo-terminals standing in for the serial scanner, printer and scale."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import Server, call, scratch_database, seed_demo, server_env

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "hwtrace-demo"


@dataclass
class Park:
    """The running server and what the demo park holds."""

    url: str
    db_url: str
    env: dict[str, str]
    server: Server
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        """A login token of a demo user (cached)."""
        if username not in self.tokens:
            status, body = call(
                self.url + "/api/v1/auth/login",
                "POST",
                {"username": username, "password": PASSWORD},
            )
            assert status == 200, body
            self.tokens[username] = body["token"]
        return self.tokens[username]

    def api(self, username: str, path: str, method: str = "GET", body: Any = None) -> Any:
        """Call the API as a demo user; assert a 2xx answer and return its body."""
        status, data = call(self.url + "/api/v1" + path, method, body, token=self.token(username))
        assert 200 <= status < 300, (method, path, status, data)
        return data

    def batch(self, code: str, username: str = "p1op") -> dict[str, Any]:
        """The batch as the server has it."""
        return dict(self.api(username, f"/batches/{code}"))

    def history(self, code: str, username: str = "p1op") -> list[dict[str, Any]]:
        """The ledger entries of a batch."""
        return list(self.api(username, f"/batches/{code}/history"))

    def status_of(self, code: str, username: str = "p1op") -> int:
        """The HTTP status of GET /batches/<code> (404 for a code never registered)."""
        status, _ = call(f"{self.url}/api/v1/batches/{code}", token=self.token(username))
        return status

    def profile(self, waste_code: str, username: str = "p1op") -> int:
        """The id of the user's waste profile for a waste code."""
        for p in self.api(username, "/waste-profiles"):
            if p["waste_code"] == waste_code:
                return int(p["id"])
        raise AssertionError(f"no profile {waste_code}")

    def room(self, category: str, username: str = "p1op") -> int:
        """A room of the user's enterprise that may hold ``category``."""
        for r in self.api(username, "/storage-rooms"):
            if category in r["allowed_categories"]:
                return int(r["id"])
        raise AssertionError(f"no room for {category}")

    def enterprise(self, kind: str, username: str = "p1op") -> int:
        """The id of the (first) enterprise of a kind."""
        for e in self.api(username, "/enterprises"):
            if e["kind"] == kind:
                return int(e["id"])
        raise AssertionError(f"no {kind}")


@pytest.fixture(scope="session")
def park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Park]:
    """A gunicorn server on a migrated database with the demo park, for the whole session."""
    tmp = tmp_path_factory.mktemp("pda-server")
    with scratch_database(tmp, "hwtrace_pda") as db_url:
        env = server_env(db_url, tmp)
        seed_demo(env, batches=1)
        server = Server(env)
        server.start()
        try:
            yield Park(server.url, db_url, env, server)
        finally:
            server.stop()


def pda_env() -> dict[str, str]:
    """The client's environment: no settings leaking in from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_PDA_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class PdaCli:
    """``hwtrace-pda`` on one local database."""

    db: Path
    server: str

    def argv(self, *args: str) -> list[str]:
        """The command line."""
        return [sys.executable, "-m", "pda_client", "--db", str(self.db), *args]

    def run(
        self, *args: str, input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run one command to completion."""
        return subprocess.run(
            self.argv(*args),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=pda_env(),
            cwd=ROOT,
        )

    def ok(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command that must succeed."""
        r = self.run(*args, input=input)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r

    def popen(self, *args: str) -> Proc:
        """Start a command; its output is collected as it comes."""
        p = subprocess.Popen(
            self.argv(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=pda_env(),
            cwd=ROOT,
        )
        return Proc(p)

    def status(self) -> dict[str, Any]:
        """``status --json``."""
        return dict(json.loads(self.ok("status", "--json").stdout))

    def login(self, username: str) -> None:
        """Log in as a demo user."""
        self.ok("--server", self.server, "login", "--username", username, "--password", PASSWORD)


class Proc:
    """A running client whose stdout and stderr are read by threads."""

    def __init__(self, p: subprocess.Popen[bytes]) -> None:
        self.p = p
        self.out = bytearray()
        self.err = bytearray()
        self._threads = [
            threading.Thread(target=self._pump, args=(p.stdout, self.out), daemon=True),
            threading.Thread(target=self._pump, args=(p.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(stream: Any, buf: bytearray) -> None:
        while chunk := stream.read1(65536):
            buf.extend(chunk)

    @property
    def text(self) -> str:
        """Everything written so far, stdout then stderr."""
        return self.out.decode("utf-8", "replace") + self.err.decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float = 30) -> None:
        """Wait until ``needle`` appeared in the output."""
        end = time.monotonic() + timeout
        while needle not in self.text:
            exited = self.p.poll() is not None
            if exited:
                time.sleep(0.3)  # the last output may still be in the pipe
            if needle in self.text:
                return
            if exited or time.monotonic() > end:
                raise AssertionError(f"{needle!r} never came:\n{self.text}")
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> int:
        """Wait for the exit status."""
        try:
            rc = self.p.wait(timeout)
        finally:
            self.stop()
        return rc

    def stop(self) -> None:
        """Kill the client if it still runs; close its pipes."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(10)
        for t in self._threads:
            t.join(5)
        for stream in (self.p.stdout, self.p.stderr):
            if stream is not None:
                stream.close()


class Pty:
    """A pseudo-terminal: the client opens ``path`` as its serial port, the test holds the
    other end (reads what a printer would get, writes what a scanner or scale sends)."""

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.data = bytearray()
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None

    def write(self, data: bytes) -> None:
        """Send bytes to the client."""
        os.write(self.master, data)

    def record(self) -> Pty:
        """Collect everything the client writes (a printer)."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.data += os.read(self.master, 65536)
                except OSError:
                    return

    def wait_for(self, predicate: Callable[[bytes], bool], timeout: float = 20) -> bytes:
        """Wait until what was received satisfies ``predicate``."""
        end = time.monotonic() + timeout
        while not predicate(bytes(self.data)) and time.monotonic() < end:
            time.sleep(0.02)
        return bytes(self.data)

    def close(self) -> None:
        """Close both ends."""
        self._stop.set()
        if self._reader is not None:
            self._reader.join(5)
        for fd in (self.master, self._slave):
            with suppress(OSError):
                os.close(fd)


@pytest.fixture
def pty_factory() -> Iterator[Callable[[], Pty]]:
    """Make pseudo-terminals, closed after the test."""
    made: list[Pty] = []

    def make() -> Pty:
        p = Pty()
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


@pytest.fixture
def pda(park: Park, tmp_path: Path) -> PdaCli:
    """A handheld with its own local database, logged in as the demo operator p1op."""
    cli = PdaCli(tmp_path / "pda.sqlite", park.url)
    cli.login("p1op")
    return cli
