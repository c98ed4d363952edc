"""Crash test of the PDA's sync: 1,000 batch events queued offline (400 registrations with
reserved codes, 400 label prints, 200 scans into storage), then ``hwtrace-pda sync`` is killed
with SIGKILL at random moments several times and restarted. Every event must reach the server
exactly once: the idempotency key makes a resend after a lost answer a replay."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.schema import ledger_entry
from tests.pda.conftest import Park, PdaCli, pda_env

KILLS = int(os.environ.get("HWTRACE_PDA_CRASH_KILLS", "6"))
CODE_RE = re.compile(r"\b[0-9A-Z]{38}\b")


def _queue_offline(pda: PdaCli, park: Park) -> tuple[list[str], list[str]]:
    codes: list[str] = []
    for waste in ("271-001-02", "900-249-08"):
        profile = str(park.profile(waste))
        pda.ok("reserve", "--profile", profile, "--count", "200")
        r = pda.ok(
            "--offline",
            "register",
            "--profile",
            profile,
            "--weight",
            "1.5",
            "--count",
            "200",
            "--no-print",
        )
        codes += list(dict.fromkeys(CODE_RE.findall(r.stdout)))
    stored = codes[::2]
    pda.ok("--offline", "scan", "--action", "label", input="\n".join(codes) + "\n")
    room = str(park.room("HW02"))
    pda.ok("--offline", "scan", "--action", "store", "--room", room, input="\n".join(stored) + "\n")
    return codes, stored


@pytest.mark.slow
def test_sigkill_during_sync_loses_and_doubles_nothing(park: Park, tmp_path: Path) -> None:
    pda = PdaCli(tmp_path / "pda.sqlite", park.url)
    pda.login("p1op")
    codes, stored = _queue_offline(pda, park)
    assert len(codes) == 400 and pda.status()["queued"] == 1000
    rng = random.Random(7)
    left = [1000]

    def done() -> int:
        with sqlite3.connect(pda.db, timeout=10) as db:
            return int(db.execute("SELECT count(*) FROM outbox WHERE state = 'done'").fetchone()[0])

    for _ in range(KILLS):
        before = done()
        p = subprocess.Popen(
            pda.argv("sync", "--workers", "4", "--no-progress"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=pda_env(),
        )
        # Kill at a random moment once this sync has got somewhere (answers come in batches
        # of up to 50 items, so a fixed delay may fall before the first answer on a busy box).
        deadline = time.monotonic() + 60
        while done() == before and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(p.pid, signal.SIGKILL)  # a sync that already ended is a zombie: still ours
        assert p.wait(30) in (-signal.SIGKILL, 0)
        left.append(pda.status()["queued"])
        if left[-1] == 0:  # a fast machine: the queue ran dry between two kills
            break
    interrupted = sum(1 for n in left[1:] if n > 0)
    assert interrupted >= min(KILLS, 3), f"the kills came too late to interrupt: {left}"
    assert left[-1] < 1000, f"no sync got anywhere before its kill: {left}"
    r = pda.run("sync", "--workers", "4")
    assert r.returncode == 0, r.stdout + r.stderr
    st = pda.status()
    assert st["queued"] == 0 and st["refused"] == 0 and st["done"] == 1000
    with sqlite3.connect(pda.db) as db:
        (replayed,) = db.execute("SELECT count(*) FROM outbox WHERE replayed = 1").fetchone()
    # answers lost to a kill were resent with the same key and replayed, not applied again
    assert replayed > 0

    engine = sa.create_engine(park.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger_entry.c.subject, ledger_entry.c.entry_type).where(
                ledger_entry.c.subject.in_(codes)
            )
        ).all()
    engine.dispose()
    assert len(rows) == 1000, f"{len(rows)} ledger entries for 1000 queued events"
    per = Counter((s, t) for s, t in rows)
    assert all(n == 1 for n in per.values()), [k for k, n in per.items() if n > 1][:5]
    types = Counter(t for _, t in rows)
    assert types == {"batch.register": 400, "batch.label": 400, "batch.store": 200}
    assert {park.batch(c)["status"] for c in stored} == {"STORED"}
    verify = subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", "ledger", "verify"],
        env=park.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stderr
    print(f"\npda crash test: {KILLS} SIGKILLs, queued after each: {left}, {replayed} replays")
