"""The checkpoint signer in its own process (``hwtrace signer serve`` on a Unix socket): the
server holds no key, and the signer signs only checkpoints that extend the last one it signed,
across restarts of either side. On the test database (SQLite, or PostgreSQL)."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import ledger
from hwtrace.services import audit, checkpoints
from tests.cli.test_ledger_witnessing import Park, make_park
from tests.support import tamper


class SignerProcess:
    def __init__(self, tmp: Path, origin: str) -> None:
        self.dir = tmp / "signer"
        self.key = self.dir / "ledger.key"
        self.socket = tmp / "signer.sock"
        self.origin = origin
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "hwtrace.cli",
                "signer",
                "init",
                "--key",
                str(self.key),
                "--name",
                origin,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        self.vkey = r.stdout.strip()
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hwtrace.cli",
                "signer",
                "serve",
                "--key",
                str(self.key),
                "--name",
                self.origin,
                "--state",
                str(self.dir / "state"),
                "--socket",
                str(self.socket),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().startswith(f"signer {self.origin} on ")

    def kill(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc = None


@pytest.fixture
def signed(database_url: str, tmp_path: Path) -> Iterator[tuple[Park, SignerProcess]]:
    code = "S" + uuid.uuid4().hex[:10].upper()
    s = SignerProcess(tmp_path, f"hwtrace.local/{code}")
    s.start()
    park = make_park(
        database_url,
        tmp_path,
        PARK_CODE=code,
        LEDGER_SIGNER_SOCKET=str(s.socket),
        LEDGER_KEY_FILE=str(tmp_path / "no-such.key"),
    )
    park.env["HWTRACE_LEDGER_SIGNER_SOCKET"] = str(s.socket)
    park.env["HWTRACE_LEDGER_KEY_FILE"] = str(tmp_path / "no-such.key")
    yield park, s
    if s.proc is not None:
        s.kill()
    park.ctx.db.dispose()


def test_server_signs_through_the_signer_without_the_key(
    signed: tuple[Park, SignerProcess], tmp_path: Path
) -> None:
    park, s = signed
    assert not (tmp_path / "no-such.key").exists()
    assert park.ctx.signer.vkey == s.vkey
    park.add(5)
    cp = audit.sign_checkpoint(park.ctx)
    assert cp.size == 5
    ledger.parse_checkpoint(cp.note, ledger.Verifier.from_vkey(s.vkey))
    park.add(6)
    assert audit.sign_checkpoint(park.ctx).size == 11  # with a proof from 5
    s.kill()
    s.start()  # a restarted signer remembers size 11
    park.add(1)
    assert audit.sign_checkpoint(park.ctx).size == 12
    r = park.cli("ledger", "verify")
    assert r.returncode == 0, r.stderr
    assert "3 signed checkpoints checked" in r.stdout


def test_signer_refuses_a_shortened_or_rewritten_log(signed: tuple[Park, SignerProcess]) -> None:
    park, s = signed
    park.add(7)
    audit.sign_checkpoint(park.ctx)
    park.add(5)
    audit.sign_checkpoint(park.ctx)
    log_id = park.ctx.log.log_id
    with park.ctx.db.write_engine.begin() as conn:
        tamper.truncate(conn, log_id, 7)
    # A new server process (it knows nothing) and the old one: both are refused.
    again = make_park_again(park)
    try:
        for p in (park, again):
            with pytest.raises(ledger.BadSignatureError, match="signed size 12"):
                audit.sign_checkpoint(p.ctx)
    finally:
        again.ctx.db.dispose()
    park.add(5, tag="rewritten")  # back to 12 entries, other ones
    with pytest.raises(ledger.BadSignatureError, match="refuses"):
        audit.sign_checkpoint(park.ctx)
    park.add(3)
    with pytest.raises(ledger.BadSignatureError, match="does not extend"):
        audit.sign_checkpoint(park.ctx)
    assert checkpoints.latest(park.ctx).size == 7  # type: ignore[union-attr]
    assert list((s.dir / "state" / "evidence").iterdir())
    r = park.cli("ledger", "checkpoint")
    assert r.returncode == 1 and "does not extend the checkpoint of size 12" in r.stderr


def make_park_again(park: Park) -> Park:
    return make_park(
        park.env["HWTRACE_DATABASE_URL"],
        park.tmp,
        PARK_CODE=park.ctx.settings.park_code,
        LEDGER_SIGNER_SOCKET=park.env["HWTRACE_LEDGER_SIGNER_SOCKET"],
        LEDGER_KEY_FILE=park.env["HWTRACE_LEDGER_KEY_FILE"],
    )
