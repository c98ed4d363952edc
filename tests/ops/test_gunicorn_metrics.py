"""`hwtrace serve` under gunicorn with TWO workers: requests answered by both workers add up in
one scrape of /metrics (prometheus_client's multiprocess mode, set up by
hwtrace/gunicorn_conf.py), the ledger gauges match the database, and the log is JSON."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from hwtrace.services import audit
from tests.factories import World
from tests.support.live_server import free_port


@contextlib.contextmanager
def _serve(app: Flask, tmp: Path, workers: int) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HWTRACE_", "PROMETHEUS_"))}
    env.update(
        HWTRACE_DATABASE_URL=app.config["DATABASE_URL"],
        HWTRACE_PARK_CODE=app.config["PARK_CODE"],
        HWTRACE_LEDGER_KEY_FILE=app.config["LEDGER_KEY_FILE"],
        HWTRACE_SECRET_KEY="test",
        HWTRACE_INSTANCE_DIR=str(tmp / "instance"),
        # The scrape reads the unsigned tail this test left: the workers' checkpointer must not
        # sign it before then (it would only after an hour).
        HWTRACE_LEDGER_CHECKPOINT_SECONDS="3600",
    )
    log = tmp / "server.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "hwtrace.cli", "serve"),
                *("--port", str(port), "--workers", str(workers)),
            ],
            env=env,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # A long timeout: a probe given up while a busy worker still answers it would
                # be counted without being sent (refused connections fail at once).
                with urllib.request.urlopen(url + "/healthz", timeout=60):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start:\n" + log.read_text()[-3000:])
                time.sleep(0.1)
        yield url, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_two_workers_add_up_in_one_scrape(world: World, tmp_path: Path) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "STORED")
    audit.sign_checkpoint(world.ctx)
    world.as_("p1op").register(world.profiles["p1"])  # one entry after the checkpoint
    with world.ctx.db.read_session() as s:
        size = world.ctx.log.size(s.connection())

    with _serve(world.app, tmp_path, workers=2) as (url, log):
        pids: set[int] = set()
        sent = 1  # the start-up probe of _serve
        # Until both workers have answered: on a loaded machine the second may still be
        # loading the application while the first answers hundreds of probes, so the bound is
        # a generous wait for liveness, not a count of requests.
        give_up = time.monotonic() + 180
        while len(pids) < 2 and time.monotonic() < give_up:
            # A new connection each time: the kernel hands it to either worker.
            with urllib.request.urlopen(url + "/healthz", timeout=60) as r:
                pids.add(json.loads(r.read())["pid"])
            sent += 1
            time.sleep(0.02)
        assert len(pids) == 2, "both workers answered"
        with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
            text = r.read().decode()

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    # Every request the workers served is a line in their JSON log.
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    healthz = [x for x in lines if x.get("path") == "/healthz"]
    assert len(healthz) == sent and {x["pid"] for x in healthz} == pids
    assert all(len(x["request_id"]) == 32 for x in healthz)
    key = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert samples[("hwtrace_http_requests_total", key)] == len(healthz)
    assert samples[("hwtrace_http_request_duration_seconds_count", key[:2])] == len(healthz)
    assert samples[("hwtrace_ledger_entries", ())] == size
    assert samples[("hwtrace_ledger_unsigned_entries", ())] == 1
    # The registered scrape-time gauges: the park's current warnings by kind.
    assert "# TYPE hwtrace_warnings gauge" in text
