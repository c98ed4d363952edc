"""Appends with the automatic checkpointer running, against appends without it, same run.

    python -m bench.checkpoint_bench --db sqlite --n 2000
    python -m bench.checkpoint_bench --db pg --n 2000     # HWTRACE_TEST_DATABASE_URL

Each append is one unit of work (one ledger entry, one transaction), as a scan is. The baseline
writes ``--n`` entries with no checkpointer; the measured run writes ``--n`` more with the
server's checkpointer thread running at the shipped defaults (a checkpoint every 100 entries or
60 s), so it signs about n/100 checkpoints while the appends go on, plus a witness that the
checkpointer asks after each one when ``--witness`` is given (a real ``hwtrace witness serve``).
Rows: the two rates and their ratio (1.0 = the checkpointer costs the writers nothing). The
runs alternate (baseline, measured, baseline, measured) and the medians are printed, because
this machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hwtrace import create_app, migrate
from hwtrace.keys import init_keys
from hwtrace.services import checkpoints
from hwtrace.services.context import Context


@contextmanager
def _database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
        migrate.upgrade(url)
        yield url
        return
    from tests.dbutil import fresh_postgres_database

    with fresh_postgres_database("hwtrace_bench") as url:
        migrate.upgrade(url)
        yield url


def _ctx(url: str, tmp: Path, park: str, witnesses: list[str]) -> Context:
    key = tmp / "ledger.key"
    if not key.exists():
        init_keys(key, "bench", None)
    app = create_app(
        {
            "INSTANCE_DIR": str(tmp),
            "DATABASE_URL": url,
            "PARK_CODE": park,
            "LEDGER_KEY_FILE": str(key),
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "ERROR",
            "LEDGER_WITNESSES": witnesses,
        }
    )
    return app.extensions["hwtrace"]  # type: ignore[no-any-return]


def _appends(ctx: Context, n: int) -> float:
    t = time.perf_counter()
    for i in range(n):
        with ctx.uow() as uow:
            uow.record(
                entry_type="bench.event",
                subject=f"B{i % 50}",
                actor="bench",
                enterprise=None,
                payload={"i": i, "kg": "12.5"},
            )
            uow.commit()
    return n / (time.perf_counter() - t)


def _witness(tmp: Path, vkey: str) -> tuple[subprocess.Popen[str], str]:
    key = tmp / "witness.key"
    hw = [sys.executable, "-m", "hwtrace.cli", "witness"]
    wkey = subprocess.run(
        [*hw, "init", "--key", str(key), "--name", "bench.witness/w1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    proc = subprocess.Popen(
        [
            *hw,
            "serve",
            "--key",
            str(key),
            "--name",
            "bench.witness/w1",
            "--state",
            str(tmp / "wstate"),
            "--log",
            vkey,
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().split(" on ")[1].split("/ ")[0]
    return proc, f"{wkey} {url}"


def run(kind: str, n: int, rounds: int, witness: bool) -> str:
    with tempfile.TemporaryDirectory() as d, _database(kind, Path(d)) as url:
        tmp = Path(d)
        park = "BENCH" + uuid.uuid4().hex[:6].upper()
        ctx = _ctx(url, tmp, park, [])
        proc = None
        if witness:
            proc, config = _witness(tmp, ctx.signer.vkey)
            ctx.db.dispose()
            ctx = _ctx(url, tmp, park, [config])
        base, measured = [], []
        signed_before = 0
        try:
            for _ in range(rounds):
                base.append(_appends(ctx, n))
                with ctx.db.read_session() as s:
                    signed_before = len(ctx.log.cosigned_heads(s.connection()))
                c = checkpoints.Checkpointer(ctx).start()
                measured.append(_appends(ctx, n))
                c.stop()
            with ctx.db.read_session() as s:
                cosigned = len(ctx.log.cosigned_heads(s.connection())) - signed_before
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait()
                assert proc.stdout is not None
                proc.stdout.close()
            ctx.db.dispose()
        b, m = statistics.median(base), statistics.median(measured)
        what = "with checkpointer" + (" + witness" if witness else "")
        return (
            f"[{kind}] append, 1 entry/transaction, {what:30s} {m:8,.0f} entries/s  "
            f"baseline (no checkpointer) {b:8,.0f} entries/s  ratio {m / b:5.2f}"
            + (f"  ({cosigned} cosigned in the last round)" if witness else "")
        )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--witness", action="store_true", help="also ask a real witness")
    args = p.parse_args()
    print(
        f"# checkpoint bench, python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')},"
        f" {os.cpu_count()} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    for kind in ["sqlite", "pg"] if args.db == "both" else [args.db]:
        print(run(kind, args.n, args.rounds, args.witness), flush=True)


if __name__ == "__main__":
    main()
