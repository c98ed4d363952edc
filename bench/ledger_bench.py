"""Ledger benchmarks, each against a baseline measured in the same run on the same database.

    python -m bench.ledger_bench --db sqlite --n 20000
    python -m bench.ledger_bench --db pg --n 20000      # HWTRACE_TEST_DATABASE_URL or local PG

Rows: what, figure, same-run baseline, ratio (figure/baseline as throughput), target.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

import ledger
import ledger.db
from ledger.schema import ledger_entry

PLAIN = sa.MetaData()
plain_entry = sa.Table(
    "plain_entry",
    PLAIN,
    *[
        sa.Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False)
        for c in ledger_entry.columns
    ],
)


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as d:
            yield f"sqlite:///{d}/bench.sqlite"
        return
    base = os.environ.get("HWTRACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    base = "postgresql+psycopg://" + base.split("://", 1)[1]
    name = "hwtrace_bench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def draft(i: int) -> ledger.EntryDraft:
    return ledger.EntryDraft(
        "batch.store",
        f"9132050{i:011d}X",
        "p1op",
        "91320500MA1XY0001T",
        None,
        {
            "from": "LABELLED",
            "to": "STORED",
            "prev": i - 1,
            "room": {"id": 1, "name": "1号库"},
            "weight_kg": "125.500",
        },
    )


def rows_like(entries: list[ledger.StoredEntry]) -> list[dict[str, object]]:
    return [
        {
            "log_id": e.log_id,
            "seq": e.seq,
            "entry_type": e.entry_type,
            "subject": e.subject,
            "actor": e.actor,
            "enterprise": e.enterprise,
            "client_ts": None,
            "server_ts": "2026-11-24T00:00:00.000000Z",
            "body": e.body,
            "leaf_hash": e.leaf_hash,
        }
        for e in entries
    ]


def timed(fn: Callable[[], None]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def row(name: str, figure: float, baseline: float, unit: str, target: str) -> None:
    ratio = figure / baseline if baseline else float("nan")
    print(
        f"{name:<44} {figure:>12,.0f} {unit:<10} baseline {baseline:>12,.0f} {unit:<10} "
        f"ratio {ratio:5.2f}  target {target}"
    )


def bench_append_one(kind: str, eng: sa.Engine, rows: list[dict[str, object]], n: int) -> None:
    log = ledger.Log("BENCH")

    def plain_one() -> None:
        for r in rows:
            with eng.begin() as c:
                c.execute(sa.insert(plain_entry), [r])

    def ledger_one() -> None:
        for i in range(n):
            with eng.begin() as c:
                log.append(c, draft(i))

    base = n / timed(plain_one)
    fig = n / timed(ledger_one)
    row(f"[{kind}] append, 1 entry/transaction", fig, base, "entries/s", "ratio >= 0.5")
    with eng.begin() as c:
        c.execute(sa.delete(plain_entry))


def bench_append_many(kind: str, eng: sa.Engine, rows: list[dict[str, object]], n: int) -> None:
    batches = [rows[i : i + 500] for i in range(0, n, 500)]
    log = ledger.Log("BENCH2")

    def plain_many() -> None:
        for b in batches:
            with eng.begin() as c:
                c.execute(sa.insert(plain_entry), b)

    def ledger_many() -> None:
        for start in range(0, n, 500):
            with eng.begin() as c:
                log.append_many(c, [draft(i) for i in range(start, min(n, start + 500))])

    base = n / timed(plain_many)
    fig = n / timed(ledger_many)
    row(f"[{kind}] append, batches of 500", fig, base, "entries/s", "ratio >= 0.3")


def bench_verify(kind: str, eng: sa.Engine, verify_n: int) -> None:
    log = ledger.Log("BENCH3")
    for start in range(0, verify_n, 5000):
        with eng.begin() as c:
            log.append_many(c, [draft(i) for i in range(start, min(verify_n, start + 5000))])
    with eng.connect() as c:
        bodies = [
            bytes(b)
            for (b,) in c.execute(
                sa.select(ledger_entry.c.body).where(ledger_entry.c.log_id == "BENCH3")
            )
        ]

    def raw_hash() -> None:
        for b in bodies:
            hashlib.sha256(b"\x00" + b).digest()

    report: list[ledger.VerifyReport] = []

    def verify() -> None:
        with eng.connect() as c:
            report.append(log.verify(c))

    base = verify_n / timed(raw_hash)
    fig = verify_n / timed(verify)
    assert report[0].ok, report[0].reason
    row(
        f"[{kind}] verify {verify_n:,} entries",
        fig,
        base,
        "entries/s",
        f"ratio >= 0.3; 10 M < 30 s (here: {10_000_000 / fig:,.0f} s at this rate)",
    )


def run(kind: str, n: int, verify_n: int) -> None:
    with database(kind) as url:
        eng = ledger.db.create_engine(url)
        ledger.schema.metadata.create_all(eng)
        PLAIN.create_all(eng)
        with eng.begin() as c:
            ledger.schema.install_guards(c)
        # the baseline rows are the same rows the ledger writes (made by a throw-away log)
        with eng.begin() as c:
            made = ledger.Log("SAMPLE").append_many(c, [draft(i) for i in range(n)])
        rows = rows_like(made)
        bench_append_one(kind, eng, rows, n)
        bench_append_many(kind, eng, rows, n)
        bench_verify(kind, eng, verify_n)
        eng.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--verify-n", type=int, default=100_000)
    a = p.parse_args()
    print(f"# ledger bench, python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    for kind in ["sqlite", "pg"] if a.db == "both" else [a.db]:
        run("sqlite" if kind == "sqlite" else "pg", a.n, a.verify_n)


if __name__ == "__main__":
    main()
