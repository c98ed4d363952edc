"""Fuzzing: schemathesis drives the real server (gunicorn) from /api/v1/openapi.json with an
authenticated user of each role: no 5xx, and every response matches the document."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.live_server import Server, call, free_port, seed_demo, server_env

ROLES = ["p1admin", "p1op", "driver", "receiver", "park", "auditor"]
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> object:
    tmp = tmp_path_factory.mktemp("fuzz")
    env = server_env(f"sqlite:///{tmp}/fuzz.sqlite", tmp, HWTRACE_LOGIN_MAX_FAILURES="1000000")
    seed_demo(env, batches=10)
    srv = Server(env, free_port(), workers=2)
    srv.start()
    yield srv
    srv.stop()


@pytest.mark.slow
@pytest.mark.parametrize("user", ROLES)
def test_fuzz_api_as_each_role(server: Server, user: str, tmp_path: Path) -> None:
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    status, body = call(
        server.url + "/api/v1/auth/login", "POST", {"username": user, "password": "hwtrace-demo"}
    )
    assert status == 200, body
    r = subprocess.run(
        [
            st,
            "run",
            server.url + "/api/v1/openapi.json",
            "-H",
            f"Authorization: Bearer {body['token']}",
            "--checks",
            CHECKS,
            "-n",
            "25",
            "--seed",
            "20261124",
            "--exclude-path",
            "/auth/logout",
            "--exclude-path-regex",
            "/auth/tokens/",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    generated = re.search(r"(\d+) generated", r.stdout)
    print(f"\nfuzz as {user}: {generated.group(1) if generated else '?'} requests")
    assert r.returncode == 0, r.stdout[-4000:]
