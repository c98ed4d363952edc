"""Ledger benchmarks, each against a baseline measured in the same run on the same database.

    python -m bench.ledger_bench --db sqlite --n 20000
    python -m bench.ledger_bench --db pg --n 20000      # HWTRACE_TEST_DATABASE_URL or local PG
    python -m bench.ledger_bench --db pg --only append --n 2000   # + ledger_append vs Python path
    python -m bench.ledger_bench --db both --only verify --size 1000000
    python -m bench.ledger_bench --db pg --only verify --size 10000000 --keep   # prints a --url
    python -m bench.ledger_bench --db pg --only verify --url postgresql://.../hwtrace_bench_x

Rows: what, figure, same-run baseline, ratio (figure/baseline as throughput), target.

The verify row needs a valid log of ``--size`` entries. Up to ``--append-max`` entries it is
written through ``Log.append_many`` (5,000 per transaction); beyond, it is bulk-loaded: the rows
``append_many`` would write — the same canonical bytes (from a byte template checked against
``canonical_bytes`` every 65,536 entries), leaf hashes, every tree node from
``merkle.frontier_push``, the head and signed checkpoints at a third, at half and at the end —
are computed in Python and inserted with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL). The
verification then proves the log valid like any other (``verify`` is run with the checkpoint key).
The baseline is hashlib over the same canonical bytes (the first million when there are more).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import ledger
import ledger.db
from ledger import merkle
from ledger.canonical import canonical_bytes, entry_fields
from ledger.schema import ledger_checkpoint, ledger_entry, ledger_log

PLAIN = sa.MetaData()
plain_entry = sa.Table(
    "plain_entry",
    PLAIN,
    *[
        sa.Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False)
        for c in ledger_entry.columns
    ],
)

# The checkpoints of the bulk-built log are signed with this key (a fixed seed, so a kept
# database can be verified again by a later run).
BENCH_SIGNER = ledger.Signer(
    "bench.hwtrace.local/log",
    Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"hwtrace bench key").digest()),
)
VERIFY_LOG = "BENCH3"
SERVER_TS = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)


@contextmanager
def database(kind: str, keep: bool = False) -> Iterator[str]:
    if kind == "sqlite":
        d = tempfile.mkdtemp(prefix="hwtrace_bench_")
        url = f"sqlite:///{d}/bench.sqlite"
        try:
            yield url
        finally:
            if keep:
                print(f"# kept: --url {url}")
            else:
                for f in os.listdir(d):
                    os.unlink(os.path.join(d, f))
                os.rmdir(d)
        return
    base = os.environ.get("HWTRACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    base = "postgresql+psycopg://" + base.split("://", 1)[1]
    name = "hwtrace_bench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        if keep:
            print(f"# kept: --url {url}   (drop it with: DROP DATABASE {name})")
        else:
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
        f"ratio {ratio:5.2f}  target {target}",
        flush=True,
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


def bench_append_paths(eng: sa.Engine, n: int) -> None:
    """PostgreSQL: appends through ``ledger_append`` (the entry numbered, encoded and hashed in
    the database, one round trip) against the Python path that wrote the rows itself (head
    locked and read, entry inserted, nodes inserted, head updated: four round trips), on the
    same database in the same run; two rounds in alternating order, summed."""
    for batch in (1, 500):
        spent = {True: 0.0, False: 0.0}
        for rnd, order in enumerate(((False, True), (True, False))):
            for in_db in order:
                log = ledger.Log(f"PATH{batch}{int(in_db)}{rnd}", database_append=in_db)

                def go(log: ledger.Log = log, batch: int = batch) -> None:
                    for start in range(0, n, batch):
                        with eng.begin() as c:
                            log.append_many(c, [draft(i) for i in range(start, start + batch)])

                spent[in_db] += timed(go)
        what = "1 entry/transaction" if batch == 1 else f"batches of {batch}"
        row(
            f"[pg] append through ledger_append(), {what}",
            2 * n / spent[True],
            2 * n / spent[False],
            "entries/s",
            "ratio >= 1 (baseline: the Python path)",
        )


# -- the log that verify checks ----------------------------------------------------------------


def body_of(i: int) -> bytes:
    """The canonical bytes ``Log.append_many`` writes for ``draft(i)`` at seq ``i``."""
    d = draft(i)
    return canonical_bytes(
        entry_fields(
            log=VERIFY_LOG,
            seq=i,
            entry_type=d.entry_type,
            subject=d.subject,
            actor=d.actor,
            enterprise=d.enterprise,
            client_ts=None,
            server_ts=SERVER_TS,
            payload=d.payload,
        )
    )


def bodies(size: int) -> Iterator[bytes]:
    """``body_of(i)`` for i < size, from a byte template (checked against canonical_bytes)."""
    probe = 123456789
    template = (
        body_of(probe)
        .replace(b'"prev":123456788', b'"prev":%d')
        .replace(b'"seq":123456789', b'"seq":%d')
        .replace(b"913205000123456789X", b"9132050%011dX")
    )
    for i in range(size):
        b = template % (i - 1, i, i)
        if i % 65536 == 0 or i == size - 1:
            assert b == body_of(i), i
        yield b


def build_bulk(eng: sa.Engine, size: int, checkpoints: list[int]) -> None:
    """Insert the rows of a valid log of ``size`` entries without going through append."""
    d = draft(0)
    server_ts = "2026-11-24T00:00:00.000000Z"
    pg = eng.dialect.name == "postgresql"
    frontier: list[bytes] = []
    entries: list[tuple[object, ...]] = []
    nodes: list[tuple[object, ...]] = []
    roots: list[tuple[int, bytes]] = []
    raw = eng.raw_connection()
    cur = raw.cursor()

    def flush() -> None:
        if pg:
            with cur.copy(
                "COPY ledger_entry (log_id, seq, entry_type, subject, actor, enterprise, "
                "client_ts, server_ts, body, leaf_hash) FROM STDIN"
            ) as copy:
                for e in entries:
                    copy.write_row(e)
            with cur.copy("COPY ledger_node (log_id, level, idx, seq, hash) FROM STDIN") as copy:
                for nd in nodes:
                    copy.write_row(nd)
        else:  # a transaction per flush, so the WAL is checkpointed as it goes
            cur.execute("BEGIN")
            cur.executemany("INSERT INTO ledger_entry VALUES (?,?,?,?,?,?,?,?,?,?)", entries)
            cur.executemany("INSERT INTO ledger_node VALUES (?,?,?,?,?)", nodes)
            cur.execute("COMMIT")
        entries.clear()
        nodes.clear()

    cps = set(checkpoints)
    for i, body in enumerate(bodies(size)):
        leaf = merkle.leaf_hash(body)
        for level, idx, h in merkle.frontier_push(frontier, i, leaf):
            nodes.append((VERIFY_LOG, level, idx, i, h))
        subject = f"9132050{i:011d}X"
        fixed = (d.entry_type, subject, d.actor, d.enterprise, None, server_ts)
        entries.append((VERIFY_LOG, i, *fixed, body, leaf))
        if i + 1 in cps:
            roots.append((i + 1, merkle.frontier_root(frontier)))
        if len(entries) >= 100_000:
            flush()
    flush()
    raw.commit()
    raw.close()
    now = dt.datetime.now(dt.UTC)
    with eng.begin() as c:
        c.execute(
            sa.insert(ledger_log).values(
                log_id=VERIFY_LOG,
                origin=VERIFY_LOG,
                size=size,
                root=merkle.frontier_root(frontier),
                frontier=b"".join(frontier),
                updated_at=now,
            )
        )
        for k, (s, root) in enumerate(roots):
            c.execute(
                sa.insert(ledger_checkpoint).values(
                    log_id=VERIFY_LOG,
                    id=k + 1,
                    size=s,
                    root=root,
                    note=ledger.sign_checkpoint(VERIFY_LOG, s, root, BENCH_SIGNER),
                    created_at=now,
                )
            )


def build_verify_log(eng: sa.Engine, size: int, append_max: int) -> str:
    """Write the log verify checks; return how it was built."""
    checkpoints = sorted({c for c in (size // 3, size // 2, size) if c})
    t = time.perf_counter()
    if size <= append_max:
        log = ledger.Log(VERIFY_LOG, clock=lambda: SERVER_TS)
        stops = sorted(set(range(5000, size, 5000)) | set(checkpoints))
        start = 0
        for stop in stops:
            with eng.begin() as c:
                log.append_many(c, [draft(i) for i in range(start, stop)])
                if stop in checkpoints:
                    log.sign_checkpoint(c, BENCH_SIGNER)
            start = stop
        how = "Log.append_many, 5,000 per transaction"
    else:
        build_bulk(eng, size, checkpoints)
        how = "bulk load of precomputed rows"
    if eng.dialect.name == "postgresql":
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE ledger_entry")
            c.exec_driver_sql("VACUUM ANALYZE ledger_node")
    return f"{how}, {time.perf_counter() - t:,.0f} s"


def backend_cpu(eng: sa.Engine) -> float:
    """CPU seconds used so far by the PostgreSQL backends of this database (0 for SQLite)."""
    if eng.dialect.name != "postgresql":
        return 0.0
    with eng.connect() as c:
        pids = c.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                pass
    return total / os.sysconf("SC_CLK_TCK")


def bench_verify(kind: str, eng: sa.Engine, size: int, profile: bool = False) -> None:
    log = ledger.Log(VERIFY_LOG)
    sample = min(size, 1_000_000)
    data = [b for _, b in zip(range(sample), bodies(size), strict=False)]
    t = time.perf_counter()
    for b in data:
        hashlib.sha256(b"\x00" + b).digest()
    base = sample / (time.perf_counter() - t)
    data.clear()
    report: list[ledger.VerifyReport] = []
    cpu: dict[str, float] = {}

    def verify() -> None:
        with eng.connect() as c:
            c.exec_driver_sql("SELECT 1")  # connected, and the pool warm for the side checks
            db0, proc0, main0 = backend_cpu(eng), time.process_time(), time.thread_time()
            t0 = time.perf_counter()
            report.append(log.verify(c, BENCH_SIGNER.verifier()))
            cpu["wall"] = time.perf_counter() - t0
            cpu["main"], cpu["proc"] = time.thread_time() - main0, time.process_time() - proc0
        cpu["db"] = backend_cpu(eng) - db0  # before the pool closes the backends

    verify()
    seconds = cpu["wall"]
    fig = size / seconds
    assert report[0].ok, report[0].reason
    assert report[0].size == size, report[0].size
    ten_m = 10_000_000 / fig
    verdict = f"{seconds:,.1f} s" if size == 10_000_000 else f"here: {ten_m:,.0f} s at this rate"
    row(
        f"[{kind}] verify {size:,} entries",
        fig,
        base,
        "entries/s",
        f"ratio >= 0.3; 10 M < 30 s ({verdict}; "
        f"{report[0].checkpoints_checked} signed checkpoints checked)",
    )
    print(
        f"#   CPU s: main thread {cpu['main']:.1f}, side-check thread "
        f"{cpu['proc'] - cpu['main']:.1f}, database backends {cpu['db']:.1f}; wall {seconds:.1f}"
    )
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        with eng.connect() as c, profiler:
            log.verify(c, BENCH_SIGNER.verifier())
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def run(kind: str, a: argparse.Namespace) -> None:
    with database(kind, keep=a.keep) if a.url is None else nullcontext(a.url) as url:
        eng = ledger.db.create_engine(url)
        fresh = a.url is None
        if fresh:
            ledger.schema.metadata.create_all(eng)
            PLAIN.create_all(eng)
            with eng.begin() as c:
                ledger.schema.install_guards(c)
                ledger.schema.install_append_function(c)
        if a.only in ("all", "append"):
            # the baseline rows are the same rows the ledger writes (made by a throw-away log)
            with eng.begin() as c:
                made = ledger.Log("SAMPLE").append_many(c, [draft(i) for i in range(a.n)])
            rows = rows_like(made)
            bench_append_one(kind, eng, rows, a.n)
            bench_append_many(kind, eng, rows, a.n)
            if kind == "pg":
                bench_append_paths(eng, a.n)
        if a.only in ("all", "verify"):
            if fresh:
                print(f"# [{kind}] verify log: {build_verify_log(eng, a.size, a.append_max)}")
            bench_verify(kind, eng, a.size, a.profile)
        eng.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    p.add_argument("--n", type=int, default=5000, help="entries per append benchmark")
    p.add_argument("--size", "--verify-n", type=int, default=100_000, help="entries to verify")
    p.add_argument("--only", choices=["all", "append", "verify"], default="all")
    p.add_argument("--append-max", type=int, default=100_000, help="bulk-load above this size")
    p.add_argument("--keep", action="store_true", help="keep the database, print its --url")
    p.add_argument("--url", help="verify the log a --keep run left in this database")
    p.add_argument("--profile", action="store_true", help="then verify again under pyinstrument")
    a = p.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# ledger bench, python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )
    kinds = ["sqlite", "pg"] if a.db == "both" else [a.db]
    if a.url is not None:
        kinds = ["sqlite" if a.url.startswith("sqlite") else "pg"]
    for kind in kinds:
        run(kind, a)


if __name__ == "__main__":
    main()
