"""Crash test: the server is killed with SIGKILL at random moments while 16 clients register
batches with idempotency keys; after each restart the clients retry what was not acknowledged.
Afterwards no acknowledged registration is missing, none is doubled, and the ledger verifies."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.dbutil import fresh_postgres_database, pg_base_url
from tests.support.live_server import Server, call, free_port, seed_demo, server_env

KILLS = int(os.environ.get("HWTRACE_CRASH_KILLS", "20"))
CLIENTS = 16


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_env(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    if request.param == "postgresql":
        if not pg_base_url():
            pytest.skip("PostgreSQL: set HWTRACE_TEST_DATABASE_URL to run")
        with fresh_postgres_database() as url:
            env = server_env(url, tmp_path)
            seed_demo(env, batches=1)
            yield env
    else:
        env = server_env(f"sqlite:///{tmp_path}/crash.sqlite", tmp_path)
        seed_demo(env, batches=1)
        yield env


@pytest.mark.slow
def test_sigkill_during_scans_loses_and_doubles_nothing(crash_env: dict[str, str]) -> None:
    server = Server(crash_env, free_port())
    server.start()
    status, login = call(
        server.url + "/api/v1/auth/login", "POST", {"username": "p1op", "password": "hwtrace-demo"}
    )
    assert status == 200
    token = login["token"]
    status, profiles = call(server.url + "/api/v1/waste-profiles", token=token)
    # spread over the producer's profiles: one (unit, waste code, day) has 999 sequence numbers
    profile_ids = [p["id"] for p in profiles]
    acked: dict[str, str] = {}  # idempotency key -> code, as acknowledged to the client
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        pending: str | None = None
        while not stop.is_set():
            key = pending or f"c{n:02d}-{i:06d}"
            profile = profile_ids[n % len(profile_ids)]
            with lock:
                sent.add(key)
            try:
                st, body = call(
                    server.url + "/api/v1/batches",
                    "POST",
                    {"profile_id": profile, "weight_kg": "1.5"},
                    token=token,
                    headers={"Idempotency-Key": key},
                    timeout=5,
                )
            except OSError:
                pending = key  # not acknowledged: retry the same key later
                time.sleep(0.05)
                continue
            assert st in (200, 201), (st, body)
            with lock:
                assert acked.get(key, body["code"]) == body["code"]
                acked[key] = body["code"]
            pending = None
            i += 1

    status, page = call(server.url + "/api/v1/batches?limit=1", token=token)
    assert status == 200
    demo_batches = int(page["total"])  # what the demo registered for this producer
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    rng = random.Random(1)
    kills = 0
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.2, 0.8))
            server.kill()
            kills += 1
            time.sleep(rng.uniform(0.0, 0.2))
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    # retry every key ever sent once more: applied keys answer as before, others apply now
    for key in sorted(sent):
        profile = profile_ids[int(key[1:3]) % len(profile_ids)]
        st, body = call(
            server.url + "/api/v1/batches",
            "POST",
            {"profile_id": profile, "weight_kg": "1.5"},
            token=token,
            headers={"Idempotency-Key": key},
        )
        assert st in (200, 201)
        assert acked.get(key, body["code"]) == body["code"], "an acknowledged key changed"
        acked[key] = body["code"]
    status, page = call(server.url + "/api/v1/batches?limit=1", token=token)
    server.stop()
    assert kills >= KILLS
    assert page["total"] == len(sent) + demo_batches, "a registration was lost or doubled"
    assert len(set(acked.values())) == len(sent)
    r = subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", "ledger", "verify"],
        env=crash_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    print(
        f"\ncrash test: {kills} kills survived, {len(sent)} registrations, "
        f"{page['total']} batches, ledger verified"
    )
