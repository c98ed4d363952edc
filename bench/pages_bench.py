"""Console page latency on a big ledger, against the same pages on an empty park (same run).

    python -m bench.pages_bench --db sqlite --entries 1000000
    python -m bench.pages_bench --db pg --entries 1000000   # HWTRACE_TEST_DATABASE_URL or local

The big park is the demo park (8 producers, a transporter, two receivers) plus bulk history:
batches with their whole event chains (register, label, store, scan out, load, receive,
utilize/dispose), written through ``ledger.Log.append_many`` in large transactions together with
the batch rows, so the ledger is a real one that verifies. Pages are requested in-process through
Flask's test client with a logged-in session (server-side time: routing, queries, templates).

Rows: page, p95 on the big park, p95 on the empty park, ratio, target (p95 < 100 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import ledger
from bench.ledger_bench import database
from hwtrace import migrate
from hwtrace.app import create_app
from hwtrace.demo import seed
from hwtrace.domain import codes as C
from hwtrace.keys import init_keys
from hwtrace.services.context import Context
from hwtrace.store.stats import add_monthly, month_of
from hwtrace.store.tables import Batch, Enterprise, StorageRoom, WasteProfile

CHAIN = ["register", "label", "store", "unstore", "load", "receive", "dispose"]
PAGES = [
    ("enterprise file (一企一档)", "/enterprises/{p1}"),
    ("enterprise file, filtered", "/enterprises/{p1}?status=DISPOSED&waste_code=271-001-02"),
    ("park map", "/map"),
    ("warnings", "/warnings"),
    ("ledger view", "/ledger"),
    ("charts", "/charts"),
]


@contextmanager
def app_on(url: str, tmp: str) -> Iterator[Any]:
    migrate.upgrade(url)
    init_keys(Path(tmp) / "key", "hwtrace.local/bench", None)
    app = create_app(
        {
            "DATABASE_URL": url,
            "LEDGER_KEY_FILE": os.path.join(tmp, "key"),
            "SECRET_KEY": "bench",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 256,
        }
    )
    try:
        yield app
    finally:
        app.extensions["hwtrace"].db.dispose()


def bulk(ctx: Context, entries: int, rng: random.Random) -> float:
    """Add history until the ledger holds ``entries`` entries; return the seconds it took."""
    t0 = time.perf_counter()
    with ctx.db.read_session() as s:
        producers = list(s.scalars(sa.select(Enterprise).where(Enterprise.kind == "producer")))
        t = s.scalar(sa.select(Enterprise).where(Enterprise.kind == "transporter"))
        r = s.scalar(sa.select(Enterprise).where(Enterprise.kind == "receiver"))
        profiles = {
            p.id: list(s.scalars(sa.select(WasteProfile).where(WasteProfile.enterprise_id == p.id)))
            for p in producers
        }
        rooms = {
            p.id: {
                c: room.id
                for room in s.scalars(
                    sa.select(StorageRoom).where(StorageRoom.enterprise_id == p.id)
                )
                for c in room.allowed_categories
            }
            for p in producers
        }
        size = ctx.log.size(s.connection())
        park_id = producers[0].park_id
    assert t is not None and r is not None
    today = ctx.now().date()
    seqs: dict[str, int] = {}
    n = 0
    day_seq: dict[tuple[int, int, dt.date], int] = {}
    while size < entries:
        drafts: list[ledger.EntryDraft] = []
        batches: list[dict[str, Any]] = []
        while len(drafts) < 7000 and size + len(drafts) < entries:
            p = producers[n % len(producers)]
            prof = profiles[p.id][n % len(profiles[p.id])]
            day = today - dt.timedelta(days=rng.randint(30, 360))
            k = (p.id, prof.id, day)
            day_seq[k] = day_seq.get(k, 500) + 1  # the demo itself uses the low numbers
            if day_seq[k] > 999:
                n += 1
                continue
            code = C.make_code(uscc=p.uscc, waste_code=prof.waste_code, day=day, seq=day_seq[k])
            grams = rng.randint(20_000, 300_000)
            steps = CHAIN if n % 10 else CHAIN[:3]  # one in ten stays in storage
            for i, step in enumerate(steps):
                ts = dt.datetime.combine(day, dt.time(9), dt.UTC) + dt.timedelta(days=i)
                payload: dict[str, Any] = {"prev": -1 if i == 0 else None}
                if step == "register":
                    payload = {"code": code, "waste_code": prof.waste_code, "weight_g": grams}
                drafts.append(
                    ledger.EntryDraft(
                        entry_type=f"batch.{step}",
                        subject=code,
                        actor="bulk",
                        enterprise=(p.uscc if i < 4 else t.uscc if i == 4 else r.uscc),
                        client_ts=ts,
                        payload=payload,
                    )
                )
            final = steps[-1]
            status = {"store": "STORED", "dispose": "DISPOSED"}[final]
            batches.append(
                {
                    "code": code,
                    "park_id": park_id,
                    "producer_id": p.id,
                    "profile_id": prof.id,
                    "waste_code": prof.waste_code,
                    "category": prof.category,
                    "weight_g": grams,
                    "packaging": prof.packaging,
                    "package_count": 1,
                    "process": "",
                    "produced_on": day,
                    "remarks": "",
                    "status": status,
                    "room_id": rooms[p.id][prof.category] if status == "STORED" else None,
                    "stored_at": dt.datetime.combine(day, dt.time(10), dt.UTC),
                    "transporter_id": t.id if status != "STORED" else None,
                    "receiver_id": r.id if status != "STORED" else None,
                    "received_weight_g": grams if status != "STORED" else None,
                    "created_at": dt.datetime.combine(day, dt.time(9), dt.UTC),
                    "updated_at": dt.datetime.combine(day, dt.time(9), dt.UTC)
                    + dt.timedelta(days=len(steps) - 1),
                    "event_at": None,
                    "last_seq": 0,
                }
            )
            n += 1
        with ctx.db.write_session() as s, s.begin():
            stored = ctx.log.append_many(s.connection(), drafts)
            for e in stored:
                seqs[e.subject or ""] = e.seq
            for b in batches:
                b["last_seq"] = seqs[b["code"]]
            s.execute(sa.insert(Batch), batches)
            add_monthly(
                s,
                [
                    (
                        b["park_id"],
                        b["producer_id"],
                        b["category"],
                        month_of(b["produced_on"]),
                        "gen",
                        b["weight_g"],
                        1,
                    )
                    for b in batches
                ]
                + [
                    (
                        b["park_id"],
                        b["producer_id"],
                        b["category"],
                        month_of(b["updated_at"]),
                        "fin",
                        b["weight_g"],
                        1,
                    )
                    for b in batches
                    if b["status"] == "DISPOSED"
                ],
            )
        size += len(drafts)
        print(f"  … {size:,} entries", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return time.perf_counter() - t0


def measure(app: Any, who: str, ids: dict[str, int], rounds: int) -> dict[str, float]:
    client = app.test_client()
    r = client.post("/login", data={"username": who, "password": "hwtrace-demo"})
    assert r.status_code == 302, r.data[:300]
    out = {}
    for name, path in PAGES:
        url = path.format(**ids)
        for _ in range(3):  # warm caches
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append(time.perf_counter() - t0)
            assert resp.status_code == 200
        times.sort()
        out[name] = times[int(0.95 * (len(times) - 1))] * 1000
        out[name + " (median)"] = statistics.median(times) * 1000
    return out


@contextmanager
def big_database(kind: str, keep: str | None) -> Iterator[tuple[str, bool]]:
    """The big park's database: a scratch one, or a kept SQLite file (built once, reused)."""
    if keep:
        exists = os.path.exists(keep)
        yield f"sqlite:///{os.path.abspath(keep)}", exists
        return
    with database(kind) as url:
        yield url, False


def run(kind: str, entries: int, rounds: int, keep: str | None = None) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        with database(kind) as empty_url, app_on(empty_url, tmp) as app:
            seed(app.extensions["hwtrace"], batches_per_producer=0)
            ids = _ids(app)
            base = {who: measure(app, who, ids, rounds) for who in ("park", "p1admin")}
        with (
            big_database(kind, keep) as (big_url, built),
            app_on(big_url, keep_dir(keep, tmp)) as app,
        ):
            ctx = app.extensions["hwtrace"]
            secs = 0.0
            if not built:
                seed(ctx, batches_per_producer=0)
                secs = bulk(ctx, entries, rng)
                # After a bulk load, refresh the planner's statistics as autovacuum (PostgreSQL)
                # or PRAGMA optimize (SQLite) would on a running server. On PostgreSQL also set
                # the visibility map (VACUUM), as autovacuum does after many inserts: without it
                # the covering indexes cannot answer index-only and every row visits the heap,
                # so the figure would depend on whether autovacuum happened to have run yet.
                if ctx.db.dialect == "postgresql":
                    auto = ctx.db.write_engine.execution_options(isolation_level="AUTOCOMMIT")
                    with auto.connect() as conn:
                        conn.exec_driver_sql("VACUUM ANALYZE")
                else:
                    with ctx.db.write_engine.connect() as conn:
                        conn.exec_driver_sql("ANALYZE")
                        conn.commit()
            with ctx.db.read_session() as s:
                size = ctx.log.size(s.connection())
                nb = s.scalar(sa.select(sa.func.count()).select_from(Batch))
            print(f"# {kind}: built {size:,} ledger entries / {nb:,} batches in {secs:.0f} s")
            ids = _ids(app)
            big = {who: measure(app, who, ids, rounds) for who in ("park", "p1admin")}
    print(f"{'page (' + kind + ')':<46} {'p95 big':>10} {'p95 empty':>10} {'ratio':>7}  target")
    for who in ("park", "p1admin"):
        for name, _ in PAGES:
            b, e = big[who][name], base[who][name]
            ok = "met" if b < 100 else "MISSED"
            print(
                f"{name + ' as ' + who:<46} {b:>8.1f}ms {e:>8.1f}ms {b / e:>7.2f}  p95<100ms {ok}"
                f"  (median {big[who][name + ' (median)']:.1f} ms)"
            )


def keep_dir(keep: str | None, tmp: str) -> str:
    return os.path.dirname(os.path.abspath(keep)) if keep else tmp


def _ids(app: Any) -> dict[str, int]:
    with app.extensions["hwtrace"].db.read_session() as s:
        p1 = s.scalar(sa.select(Enterprise.id).where(Enterprise.name == "苏南制药股份有限公司"))
    return {"p1": int(p1 or 0)}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument(
        "--keep", metavar="FILE.sqlite", help="build the big SQLite park here once, reuse it"
    )
    a = ap.parse_args()
    run(a.db, a.entries, a.rounds, a.keep)


if __name__ == "__main__":
    main()
