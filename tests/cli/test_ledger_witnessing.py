"""Checkpoints without asking, witnesses, and ``hwtrace ledger verify --against``, on the
test database (SQLite, or PostgreSQL with HWTRACE_TEST_DATABASE_URL): each attack of the
security review carried out for real on the park's ledger, and caught.

The witness is ``hwtrace witness serve`` in its own process, with its own key and state
directory; the log reaches it over HTTP like any other witness."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hwtrace import create_app
from hwtrace.keys import init_keys
from hwtrace.services import audit, checkpoints
from hwtrace.services.context import Context
from hwtrace.store.tables import Park as ParkRow
from tests.conftest import TEST_CONFIG
from tests.support import tamper


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Park:
    app: Flask
    ctx: Context
    env: dict[str, str]
    tmp: Path

    def add(self, n: int, tag: str = "") -> None:
        """Record ``n`` entries, each in its own unit of work (as requests do)."""
        for i in range(n):
            with self.ctx.uow() as uow:
                uow.record(
                    entry_type="test.event",
                    subject=f"S{i % 3}",
                    actor="tester",
                    enterprise=None,
                    payload={"i": i, "tag": tag},
                )
                uow.commit()

    def size(self) -> int:
        with self.ctx.db.read_session() as s:
            return self.ctx.log.size(s.connection())

    def conn_do(self, fn: Any) -> Any:
        with self.ctx.db.write_engine.begin() as conn:
            return fn(conn)

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hwtrace.cli", *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )


def make_park(database_url: str, tmp: Path, **config: Any) -> Park:
    park = config.pop("PARK_CODE", None) or "W" + uuid.uuid4().hex[:10].upper()
    key = tmp / "ledger.key"
    if not key.exists():
        init_keys(key, "x", None)
    settings = {
        **TEST_CONFIG,
        "INSTANCE_DIR": str(tmp),
        "DATABASE_URL": database_url,
        "PARK_CODE": park,
        "LEDGER_KEY_FILE": str(key),
        "SECRET_KEY": "test",
        **config,
    }
    app = create_app(settings)
    ctx: Context = app.extensions["hwtrace"]
    with ctx.db.write_session() as s:
        if s.scalar(sa.select(ParkRow).where(ParkRow.code == park)) is None:
            s.add(ParkRow(code=park, name="见证测试园区", log_id=park))
            s.commit()
    env = {
        **os.environ,
        "HWTRACE_INSTANCE_DIR": str(tmp),
        "HWTRACE_DATABASE_URL": database_url,
        "HWTRACE_PARK_CODE": park,
        "HWTRACE_LEDGER_KEY_FILE": str(key),
        "HWTRACE_SECRET_KEY": "test",
        "HWTRACE_LOG_LEVEL": "WARNING",
    }
    if config.get("LEDGER_WITNESSES"):
        env["HWTRACE_LEDGER_WITNESSES"] = json.dumps(config["LEDGER_WITNESSES"])
    return Park(app, app.extensions["hwtrace"], env, tmp)


class WitnessProcess:
    """``hwtrace witness serve`` on a fixed port, killed and restarted at will."""

    def __init__(self, tmp: Path, log_vkey: str) -> None:
        self.tmp = tmp
        self.key = tmp / "witness.key"
        self.state = tmp / "witness-state"
        self.name = "witness.test/w1"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_vkey = log_vkey
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "hwtrace.cli",
                "witness",
                "init",
                "--key",
                str(self.key),
                "--name",
                self.name,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        self.vkey = r.stdout.strip()
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        with open(self.tmp / "witness.log", "a") as log:
            self._start(log)

    def _start(self, log: Any) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hwtrace.cli",
                "witness",
                "serve",
                "--key",
                str(self.key),
                "--name",
                self.name,
                "--state",
                str(self.state),
                "--log",
                self.log_vkey,
                "--port",
                str(self.port),
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("witness witness.test/w1 on"), (
            line + (self.tmp / "witness.log").read_text()
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.proc = None

    @property
    def config(self) -> str:
        return f"{self.vkey} {self.url}"

    def latest_url(self, origin: str) -> str:
        return f"{self.url}/checkpoint/{urllib.parse.quote(origin, safe='')}"


@pytest.fixture
def witnessed(database_url: str, tmp_path: Path) -> Iterator[tuple[Park, WitnessProcess]]:
    code = "W" + uuid.uuid4().hex[:10].upper()
    probe = make_park(database_url, tmp_path, PARK_CODE=code)
    w = WitnessProcess(tmp_path, probe.ctx.signer.vkey)
    probe.ctx.db.dispose()
    park = make_park(
        database_url,
        tmp_path,
        PARK_CODE=code,
        LEDGER_WITNESSES=[w.config],
        LEDGER_CHECKPOINT_ENTRIES=10,
        LEDGER_CHECKPOINT_SECONDS=3600,
    )
    w.start()
    yield park, w
    if w.proc is not None:
        w.kill()
    park.ctx.db.dispose()


def _latest_size(park: Park) -> int | None:
    cp = checkpoints.latest(park.ctx)
    return None if cp is None else cp.size


# -- checkpoints without asking -----------------------------------------------------------------


def test_checkpoint_every_n_entries(database_url: str, tmp_path: Path) -> None:
    park = make_park(
        database_url, tmp_path, LEDGER_CHECKPOINT_ENTRIES=5, LEDGER_CHECKPOINT_SECONDS=3600
    )
    c = checkpoints.Checkpointer(park.ctx)
    park.add(4)
    c.round()
    assert _latest_size(park) == 4  # the first entries of a log with no checkpoint yet
    park.add(4)
    c.round()
    assert _latest_size(park) == 4  # 4 unsigned entries: fewer than N, younger than T
    park.add(1)
    c.round()
    assert _latest_size(park) == 9
    park.ctx.db.dispose()


def test_checkpoint_after_t_seconds_and_after_a_restart(database_url: str, tmp_path: Path) -> None:
    park = make_park(
        database_url, tmp_path, LEDGER_CHECKPOINT_ENTRIES=1000, LEDGER_CHECKPOINT_SECONDS=1
    )
    c = checkpoints.Checkpointer(park.ctx, tick=0.05).start()
    try:
        park.add(3)
        deadline = time.monotonic() + 30
        while _latest_size(park) != 3:
            assert time.monotonic() < deadline, "no checkpoint within T"
            time.sleep(0.05)
    finally:
        c.stop()
    # The server stops with an unsigned tail; a new process signs it without being asked.
    park.add(2)
    assert _latest_size(park) == 3
    park.ctx.db.dispose()
    time.sleep(1.1)
    again = make_park(
        database_url,
        tmp_path,
        PARK_CODE=park.ctx.settings.park_code,
        LEDGER_CHECKPOINT_ENTRIES=1000,
        LEDGER_CHECKPOINT_SECONDS=1,
    )
    c = checkpoints.Checkpointer(again.ctx, tick=0.05).start()
    try:
        deadline = time.monotonic() + 30
        while _latest_size(again) != 5:
            assert time.monotonic() < deadline, "the restarted server did not sign the tail"
            time.sleep(0.05)
    finally:
        c.stop()
    again.ctx.db.dispose()


def test_commit_wakes_the_checkpointer_after_n_entries(database_url: str, tmp_path: Path) -> None:
    park = make_park(
        database_url, tmp_path, LEDGER_CHECKPOINT_ENTRIES=3, LEDGER_CHECKPOINT_SECONDS=3600
    )
    c = checkpoints.Checkpointer(park.ctx, tick=600).start()  # only a commit can wake it
    try:
        park.add(3)
        deadline = time.monotonic() + 30
        while _latest_size(park) != 3:
            assert time.monotonic() < deadline, "3 entries did not wake the checkpointer"
            time.sleep(0.05)
        park.add(2)
        time.sleep(0.5)
        assert _latest_size(park) == 3  # 2 unsigned entries: no wake-up, no round
        park.add(1)
        while _latest_size(park) != 6:
            assert time.monotonic() < deadline, "the third entry did not wake it"
            time.sleep(0.05)
    finally:
        c.stop()
    park.ctx.db.dispose()


# -- witnesses ----------------------------------------------------------------------------------


def test_witness_cosigns_and_the_bundle_carries_it(
    witnessed: tuple[Park, WitnessProcess], tmp_path: Path
) -> None:
    park, w = witnessed
    c = checkpoints.Checkpointer(park.ctx)
    park.add(12)
    c.round()
    with park.ctx.db.read_session() as s:
        assert park.ctx.log.cosigned_heads(s.connection())[0][0] == 12
    park.add(15)
    c.round()  # consistency proof from 12 to 27
    with park.ctx.db.read_session() as s:
        assert [h[0] for h in park.ctx.log.cosigned_heads(s.connection())] == [12, 27]
    r = park.cli("ledger", "verify")
    assert r.returncode == 0, r.stderr
    assert f"consistent with the checkpoint of size 27 from witness {w.url}" in r.stdout
    bundle = tmp_path / "bundle.json"
    r = park.cli("ledger", "bundle", "-o", str(bundle))
    assert r.returncode == 0, r.stderr
    vkey = park.ctx.signer.vkey
    r = park.cli("ledger", "verify", "--bundle", str(bundle), "--vkey", vkey, "--witness", w.vkey)
    assert r.returncode == 0, r.stdout + r.stderr
    from ledger.cosignature import Cosigner

    stranger = Cosigner.generate("witness.other/w9").key.vkey
    r = park.cli("ledger", "verify", "--bundle", str(bundle), "--witness", stranger)
    assert r.returncode == 1 and "bundle.not_cosigned" in r.stderr


def test_witness_down_delays_nothing_and_is_retried_then_restarted_keeps_state(
    witnessed: tuple[Park, WitnessProcess],
) -> None:
    park, w = witnessed
    c = checkpoints.Checkpointer(park.ctx)
    park.add(10)
    c.round()
    w.kill()
    park.add(10)  # writes go on while the witness is down
    c.round()
    assert _latest_size(park) == 20  # signed anyway; the witness is owed it
    with park.ctx.db.read_session() as s:
        assert [h[0] for h in park.ctx.log.cosigned_heads(s.connection())] == [10]
    w.start()  # restarted: the same state directory
    time.sleep(1.1)  # the first retry waits a second
    c.round()
    with park.ctx.db.read_session() as s:
        assert [h[0] for h in park.ctx.log.cosigned_heads(s.connection())] == [10, 20]
    # Killed and restarted again, it still knows size 20: a checkpoint of a shortened log
    # is refused (it answers with the size it cosigned).
    w.kill()
    w.start()
    with park.ctx.db.write_engine.begin() as conn:
        tamper.truncate(conn, park.ctx.log.log_id, 15)
    audit.sign_checkpoint(park.ctx)
    cp = checkpoints.latest(park.ctx)
    assert cp is not None and cp.size == 15
    out = checkpoints.ask_witness(park.ctx, cp, checkpoints.witnesses(park.ctx)[0])
    assert out.status == "ahead" and out.size == 20


# -- the attacks --------------------------------------------------------------------------------


def _cosigned_at(park: Park, c: checkpoints.Checkpointer, n: int) -> Path:
    """Grow the log to ``n`` entries, have the witness cosign, and keep the checkpoint in a
    file as an inspector would; return the file."""
    park.add(n - park.size())
    c.round()
    with park.ctx.db.read_session() as s:
        assert park.ctx.log.cosigned_heads(s.connection())[-1][0] == n
    kept = park.tmp / f"inspector-{n}.txt"
    cp = checkpoints.latest(park.ctx)
    assert cp is not None
    kept.write_text(checkpoints.cosigned_note(park.ctx, cp))
    return kept


def test_truncated_and_rehashed_tail_is_caught(witnessed: tuple[Park, WitnessProcess]) -> None:
    park, w = witnessed
    c = checkpoints.Checkpointer(park.ctx)
    kept = _cosigned_at(park, c, 30)
    log_id = park.ctx.log.log_id
    with park.ctx.db.write_engine.begin() as conn:
        tamper.truncate(conn, log_id, 22)
    # The database alone no longer shows it (this is what passed before).
    alone = park.cli("ledger", "verify", HWTRACE_LEDGER_WITNESSES="[]")
    assert alone.returncode == 0, alone.stderr
    # An inspector's copy of the cosigned checkpoint catches it ...
    r = park.cli("ledger", "verify", "--against", str(kept), HWTRACE_LEDGER_WITNESSES="[]")
    assert r.returncode == 1
    assert "SHORTER: the log has 22 entries, but the checkpoint from" in r.stderr
    assert "entries 22..29 were removed" in r.stderr
    # ... and so does the witness the park is configured with.
    r = park.cli("ledger", "verify")
    assert r.returncode == 1 and f"witness {w.url} covers 30" in r.stderr
    # The tail written again differently: the witness refuses to cosign it.
    park.add(14, tag="rewritten")
    c.round()
    assert [a.status for a in c.alarms] == ["refused"]
    assert "differs from what it cosigned at size 30" in c.alarms[0].message


def test_older_entry_rewritten_with_its_checkpoints_deleted_is_caught(
    witnessed: tuple[Park, WitnessProcess],
) -> None:
    park, w = witnessed
    c = checkpoints.Checkpointer(park.ctx)
    kept = _cosigned_at(park, c, 30)
    log_id = park.ctx.log.log_id
    with park.ctx.db.write_engine.begin() as conn:
        tamper.rewrite(conn, log_id, 4, lambda b: b.replace(b'"tag":""', b'"tag":"moved"'))
    alone = park.cli("ledger", "verify", HWTRACE_LEDGER_WITNESSES="[]")
    assert alone.returncode == 0, alone.stderr  # every checkpoint covering it is gone
    for against in (str(kept), w.latest_url(park.ctx.settings.ledger_origin)):
        r = park.cli("ledger", "verify", "--against", against, HWTRACE_LEDGER_WITNESSES="[]")
        assert r.returncode == 1, r.stdout
        assert "INCONSISTENT: at tree size 30 the log's root is" in r.stderr
        assert "the first 30 entries were changed" in r.stderr
    # The server signs the rewritten tree: same size, another root -> the witness refuses.
    c.round()
    assert [a.status for a in c.alarms] == ["fork"]
    park.add(10)
    time.sleep(1.1)  # a witness that said no is asked again after a second, then longer
    c.round()
    assert [a.status for a in c.alarms][-1] == "refused"


def test_new_history_signed_with_a_stolen_key_is_caught(
    witnessed: tuple[Park, WitnessProcess], tmp_path: Path
) -> None:
    park, w = witnessed
    c = checkpoints.Checkpointer(park.ctx)
    _cosigned_at(park, c, 25)
    stolen = park.ctx.signer  # the key file, read by whoever controls the server
    forged = [tamper.draft(i, "forged") for i in range(40)]
    with park.ctx.db.write_engine.begin() as conn:
        tamper.replace_history(conn, park.ctx.log, stolen, forged)
    alone = park.cli("ledger", "verify", HWTRACE_LEDGER_WITNESSES="[]")
    assert alone.returncode == 0, alone.stderr  # signed by the park's own key throughout
    r = park.cli("ledger", "verify")
    assert r.returncode == 1 and "INCONSISTENT: at tree size 25" in r.stderr
    c.round()
    assert [a.status for a in c.alarms] == ["refused"]
    # A bundle of the forged history carries no cosignature of the witness.
    bundle = tmp_path / "forged.json"
    r = park.cli("ledger", "bundle", "-o", str(bundle))
    assert r.returncode == 0, r.stderr
    r = park.cli("ledger", "verify", "--bundle", str(bundle), "--witness", w.vkey)
    assert r.returncode == 1 and "bundle.not_cosigned" in r.stderr
