"""HTTP benchmark: the handover scan (store a labelled batch) on the real server, gunicorn,
under concurrent keep-alive clients, against a trivial authenticated endpoint of the same app
under the same load, measured in the same run.

    python -m bench.http_bench                  # SQLite (a fresh file)
    python -m bench.http_bench --pg             # PostgreSQL (a fresh database, dropped after)
    python -m bench.http_bench --pg --profile   # then profile the scans inside the server

Setup: a fresh database, ``hwtrace demo --batches 1`` (migrations and the demo park), then, with
the services in this process, one big room per producer and waste profile (100,000 kg, the most
a room may hold; batches weigh 1.5 kg, so capacity never refuses) and ``--batches`` batches
registered and labelled, spread over the three producers and their profiles (``--profile``
registers as many again for the profiled run). The server is started by the tests' live-server
harness (tests/support/live_server.py), under gunicorn.

Phases, each ``--seconds`` long, ``--clients`` threads each on its own keep-alive
``http.client`` connection and its own login token (clients are spread over the producers'
operators): the baseline ``GET /api/v1/me`` (authenticated, two indexed reads: the token and the
caller's enterprise), then ``POST /api/v1/batches/<code>/events {"action": "store", ...}``, each
client scanning its own queue of labelled batches of its producer into the room for the batch's
profile. ``/me`` rather than ``/healthz``: the scan authenticates too, so ``/me`` isolates what
the scan itself costs; ``/healthz`` (no database at all) is measured as well, as the ceiling of
gunicorn + Flask + this client on this machine.

The client must not be the bottleneck: the row gives the client's CPU per request and the share of
a core it used; the server's and PostgreSQL's CPU are read from /proc for the same window.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.support.live_server import Server, server_env

BIN = Path(sys.executable).parent
PASSWORD = "hwtrace-demo"
TICK = os.sysconf("SC_CLK_TCK")
GUNICORN_ARGS = ("--keep-alive", "5", "--backlog", "256")


# -- server ------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def request(
    port: int, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


# -- database and data -------------------------------------------------------------------------


@contextlib.contextmanager
def database(pg: bool) -> Iterator[tuple[str, Path]]:
    tmp = Path(tempfile.mkdtemp(prefix="hwtrace_http_bench_"))
    try:
        if not pg:
            yield f"sqlite:///{tmp}/bench.sqlite", tmp
            return
        base = os.environ.get(
            "HWTRACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        )
        base = "postgresql+psycopg://" + base.split("://", 1)[1]
        name = "hwtrace_http_bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield sa.engine.make_url(base).set(database=name).render_as_string(False), tmp
        finally:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    finally:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


@dataclass
class Producer:
    operator: str
    queue: list[tuple[str, int]]  # (batch code, room id), labelled, not yet stored


def prepare(env: dict[str, str], batches: int) -> list[Producer]:
    """Demo park, big rooms, and ``batches`` labelled batches; return them per producer."""
    r = subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", "demo", "--batches", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if r.returncode:
        raise RuntimeError(r.stderr)
    os.environ.update(env)
    from hwtrace import create_app
    from hwtrace.demo import actor
    from hwtrace.domain.lifecycle import Action
    from hwtrace.services import batches as B
    from hwtrace.services import directory as D

    app = create_app()
    ctx = app.extensions["hwtrace"]
    producers = []
    plans = []
    for n in (1, 2, 3):
        admin, op = actor(ctx, f"p{n}admin"), actor(ctx, f"p{n}op")
        rooms = []
        for p in D.list_profiles(ctx, actor=admin):
            room = D.create_room(
                ctx,
                actor=admin,
                name=f"基准测试库房 {p.id}",
                capacity_kg="100000",
                allowed_categories=[p.category],
            )
            rooms.append((p.id, room.id))
        producers.append(Producer(f"p{n}op", []))
        plans.append((op, rooms))
    today = ctx.now().date()
    for i in range(batches):
        producer, (op, rooms) = producers[i % 3], plans[i % 3]
        profile_id, room_id = rooms[(i // 3) % len(rooms)]
        # one (unit, waste code, day) has 999 sequence numbers: spread over production days
        k = i // (3 * len(rooms))
        batch = B.register_batch(
            ctx,
            actor=op,
            command=B.RegisterBatch(
                profile_id=profile_id,
                weight_kg="1.5",
                produced_on=today - dt.timedelta(days=k // 900),
            ),
        )
        B.apply_event(ctx, actor=op, code=batch.code, event=B.BatchEvent(Action.LABEL))
        producer.queue.append((batch.code, room_id))
    ctx.db.dispose()
    return producers


# -- load --------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    exhausted: bool = False
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    db_cpu: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        s = sorted(self.latencies)
        return 1000 * s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


Request = tuple[str, str, bytes | None]  # method, path, body
Next = Callable[[], Request | None]


def drive(
    port: int,
    name: str,
    clients: list[tuple[str, Next]],
    seconds: float,
    expect: int,
    server_pids: Callable[[], list[int]],
    db_pids: Callable[[], list[int]] = list,
) -> Phase:
    """Run every client (token, next-request function) for ``seconds``; collect latencies."""
    phase = Phase(name)
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)
    stop_at = [0.0]
    ends: list[float] = []

    def run(token: str, next_request: Next) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        lat: list[float] = []
        errors, first, exhausted = 0, None, False
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            req = next_request()
            if req is None:
                exhausted = True
                break
            method, path, body = req
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                errors += 1
                first = first or repr(err)
                continue
            lat.append(time.perf_counter() - t0)
            if resp.status != expect:
                errors += 1
                first = first or f"{resp.status} {data[:200]!r}"
        end = time.perf_counter()
        conn.close()
        with lock:
            phase.latencies += lat
            phase.errors += errors
            phase.first_error = phase.first_error or first
            phase.exhausted |= exhausted
            ends.append(end)

    threads = [threading.Thread(target=run, args=c, daemon=True) for c in clients]
    for t in threads:
        t.start()
    pids, dbs = server_pids(), db_pids()
    server0, db0, client0 = cpu_seconds(pids), cpu_seconds(dbs), time.process_time()
    start = time.perf_counter()
    stop_at[0] = start + seconds
    barrier.wait()
    for t in threads:
        t.join()
    phase.seconds = max(ends) - start
    phase.client_cpu = time.process_time() - client0
    phase.server_cpu = cpu_seconds(pids) - server0
    phase.db_cpu = cpu_seconds(dbs) - db0  # the backends that served the phase
    return phase


def pg_backend_pids(url: str) -> Callable[[], list[int]]:
    eng = sa.create_engine(url)
    name = sa.engine.make_url(url).database

    def pids() -> list[int]:
        with eng.connect() as c:
            return [
                int(p)
                for (p,) in c.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :d "
                        "AND pid <> pg_backend_pid()"
                    ),
                    {"d": name},
                )
            ]

    return pids


# -- the benchmark -----------------------------------------------------------------------------


def login_all(port: int, producers: list[Producer], clients: int) -> list[tuple[str, Producer]]:
    out = []
    for i in range(clients):
        producer = producers[i % len(producers)]
        status, body = request(
            port,
            "POST",
            "/api/v1/auth/login",
            {"username": producer.operator, "password": PASSWORD},
        )
        assert status == 200, body
        out.append((body["token"], producer))
    return out


def scan_clients(logged: list[tuple[str, Producer]]) -> list[tuple[str, Next]]:
    """Each client takes labelled batches of its producer from a shared per-producer queue."""
    locks = {id(p): threading.Lock() for _, p in logged}

    def make(producer: Producer) -> Next:
        lock = locks[id(producer)]

        def next_request() -> Request | None:
            with lock:
                if not producer.queue:
                    return None
                code, room = producer.queue.pop()
            body = json.dumps({"action": "store", "room_id": room}).encode()
            return "POST", f"/api/v1/batches/{code}/events", body

        return next_request

    return [(token, make(p)) for token, p in logged]


def fixed_clients(logged: list[tuple[str, Producer]], path: str) -> list[tuple[str, Next]]:
    req: Request = ("GET", path, None)
    return [(token, lambda: req) for token, _ in logged]


def verdict(scan: Phase, me: Phase) -> str:
    ratio_ok = scan.throughput >= 0.5 * me.throughput
    p99_ok = scan.pct(0.99) < 50
    missed = [w for w, ok in (("ratio", ratio_ok), ("p99", p99_ok)) if not ok]
    return "met" if not missed else "MISSED: " + ", ".join(missed)


def report(kind: str, a: argparse.Namespace, server: Server, phases: dict[str, Phase]) -> None:
    scan, me = phases["scan"], phases["me"]
    name = f"[{kind}] handover scan over HTTP, {a.clients} clients"
    ratio = scan.throughput / me.throughput if me.throughput else float("nan")
    print(
        f"{name:<44} {scan.throughput:>12,.0f} req/s      baseline {me.throughput:>12,.0f} "
        f"req/s      ratio {ratio:5.2f}  target ratio >= 0.5; p99 < 50 ms "
        f"(scan p99 {scan.pct(0.99):.1f} ms) — {verdict(scan, me)}",
        flush=True,
    )
    print(f"#   server: {server.config}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    for p in phases.values():
        per_req = 1e6 * p.client_cpu / p.count if p.count else float("nan")
        print(
            f"#   {p.name:<22} {p.count:>7,} requests in {p.seconds:5.1f} s = "
            f"{p.throughput:>7,.0f}/s; latency p50 {p.pct(0.5):6.1f} p95 {p.pct(0.95):6.1f} "
            f"p99 {p.pct(0.99):6.1f} ms; errors {p.errors}"
            f"{' (' + (p.first_error or '') + ')' if p.errors else ''}"
            f"{'; ran out of batches' if p.exhausted else ''}",
        )
        print(
            f"#   {'':<22} CPU: client {p.client_cpu / p.seconds:4.0%} of a core "
            f"({per_req:,.0f} µs/request), server {p.server_cpu / p.seconds:4.0%}, "
            f"PostgreSQL {p.db_cpu / p.seconds:4.0%} (of {os.cpu_count()} cores = "
            f"{100 * (os.cpu_count() or 1)}%)"
        )


def run(a: argparse.Namespace) -> None:
    kind = "pg" if a.pg else "sqlite"
    with database(a.pg) as (url, tmp):
        env = server_env(url, tmp, HWTRACE_LOG_LEVEL="WARNING")
        t = time.perf_counter()
        total = a.batches * (1 + a.profile + a.serialize)
        producers = prepare(env, total)
        took = time.perf_counter() - t
        print(f"# [{kind}] setup: demo park + {total:,} labelled batches in {took:,.0f} s")
        parts = 1 + a.profile + a.serialize  # a share of the batches for each run of scans
        runs = [[Producer(p.operator, p.queue[k::parts]) for p in producers] for k in range(parts)]
        producers = runs[0]
        db_pids = pg_backend_pids(url) if a.pg else list
        server = Server(env, workers=a.workers, threads=a.threads, extra_args=GUNICORN_ARGS)
        server.start()
        try:
            logged = login_all(server.port, producers, a.clients)
            me = fixed_clients(logged, "/api/v1/me")
            health = fixed_clients(logged, "/healthz")

            def phase(name: str, clients: list[tuple[str, Next]], seconds: float) -> Phase:
                return drive(server.port, name, clients, seconds, 200, server.pids, db_pids)

            phase("warm-up", me, 2)
            phases = {
                "healthz": phase("GET /healthz", health, a.seconds),
                "me": phase("GET /api/v1/me", me, a.seconds),
                "scan": phase("POST .../events store", scan_clients(logged), a.seconds),
            }
        finally:
            server.stop()
        report(kind, a, server, phases)
        if a.profile:
            profile(env, a, runs[1], tmp)
        if a.serialize:
            serialized(env, a, runs[-1], tmp)


# -- experiments on the server -----------------------------------------------------------------


def scan_again(
    env: dict[str, str], a: argparse.Namespace, producers: list[Producer], app: str, name: str
) -> Phase:
    """Run the scan phase again on a server running the wrapped ``app``."""
    server = Server(env, workers=a.workers, threads=a.threads, extra_args=GUNICORN_ARGS, app=app)
    server.start()
    try:
        clients = scan_clients(login_all(server.port, producers, a.clients))
        return drive(server.port, name, clients, a.seconds, 200, server.pids)
    finally:
        server.stop()


def serialized(
    env: dict[str, str], a: argparse.Namespace, producers: list[Producer], tmp: Path
) -> None:
    """The scan phase again, on a server whose scans queue on one flock (see _SerializedApp)."""
    phase = scan_again(
        {**env, "HWTRACE_BENCH_LOCK_FILE": str(tmp / "scan.lock")},
        a,
        producers,
        "bench.http_bench:serialized_app",
        "scan, flock-serialized",
    )
    print(
        f"# experiment: scans serialized by a blocking flock around each request: "
        f"{phase.throughput:,.0f}/s, p50 {phase.pct(0.5):.1f} p95 {phase.pct(0.95):.1f} "
        f"p99 {phase.pct(0.99):.1f} ms, errors {phase.errors}, "
        f"server CPU {phase.server_cpu / phase.seconds:.0%}"
        f"{'; ran out of batches' if phase.exhausted else ''}"
    )


def profile(
    env: dict[str, str], a: argparse.Namespace, producers: list[Producer], tmp: Path
) -> None:
    """Run the scan phase again on a server whose scan requests are profiled (pyinstrument, one
    profiler per request in the request's thread, combined per worker and written at exit)."""
    out = tmp / "profiles"
    out.mkdir()
    phase = scan_again(
        {**env, "HWTRACE_BENCH_PROFILE_DIR": str(out)},
        a,
        producers,
        "bench.http_bench:profiled_app",
        "profiled scan",
    )
    print(f"# profile of {phase.count:,} scans ({phase.throughput:,.0f}/s while profiled):")
    for f in sorted(out.iterdir()):
        print(f"# --- {f.name}")
        print(f.read_text())
        f.unlink()
    out.rmdir()


class _ProfiledApp:
    """WSGI middleware: profile every scan request, combine per worker, write at exit."""

    def __init__(self, app: Any, out: Path) -> None:
        self.app = app
        self.out = out
        self.sessions: list[Any] = []
        self.lock = threading.Lock()
        atexit.register(self.dump)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from pyinstrument import Profiler

        if not environ.get("PATH_INFO", "").endswith("/events"):
            return self.app(environ, start_response)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        try:
            body = b"".join(self.app(environ, start_response))
        finally:
            session = profiler.stop()
            with self.lock:
                self.sessions.append(session)
        return [body]

    def dump(self) -> None:
        from pyinstrument.renderers import ConsoleRenderer
        from pyinstrument.session import Session

        if not self.sessions:
            return
        combined = self.sessions[0]
        for s in self.sessions[1:]:
            combined = Session.combine(combined, s)
        # one tree for all request threads: drop the thread frame at the root of each stack
        combined.frame_records = [
            (stack[1:] if stack and "\x00<thread>\x00" in stack[0] else stack, t)
            for stack, t in combined.frame_records
        ]
        tree = ConsoleRenderer(unicode=False, color=False, show_all=False, time="percent_of_total")
        flat = ConsoleRenderer(unicode=False, color=False, flat=True, time="percent_of_total")
        (self.out / f"worker-{os.getpid()}.txt").write_text(
            f"{len(self.sessions)} requests (wall time, summed over request threads)\n"
            + tree.render(combined)
            + "\nself time by function:\n"
            + "\n".join(flat.render(combined).splitlines()[:40])
        )


class _SerializedApp:
    """An experiment, not a fix: every scan request of every worker takes one blocking file lock
    (flock), so SQLite's writers queue in the kernel and are woken at once, instead of polling
    for the database lock with the busy handler's sleeps (1, 2, 5, 10, 15, 20, 25 ... 100 ms)."""

    def __init__(self, app: Any, path: Path) -> None:
        self.app = app
        self.path = path
        self.local = threading.local()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        import fcntl

        if not environ.get("PATH_INFO", "").endswith("/events"):
            return self.app(environ, start_response)
        if not hasattr(self.local, "fd"):  # flock locks belong to open files: one per thread
            self.local.fd = os.open(self.path, os.O_RDWR | os.O_CREAT)
        fcntl.flock(self.local.fd, fcntl.LOCK_EX)
        try:
            return [b"".join(self.app(environ, start_response))]
        finally:
            fcntl.flock(self.local.fd, fcntl.LOCK_UN)


def __getattr__(name: str) -> Any:
    """``bench.http_bench:profiled_app`` / ``serialized_app`` for gunicorn (built on demand)."""
    if name == "profiled_app":
        from hwtrace.wsgi import app

        return _ProfiledApp(app, Path(os.environ["HWTRACE_BENCH_PROFILE_DIR"]))
    if name == "serialized_app":
        from hwtrace.wsgi import app

        return _SerializedApp(app, Path(os.environ["HWTRACE_BENCH_LOCK_FILE"]))
    raise AttributeError(name)


def main() -> None:
    cpus = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--batches", type=int, default=8000, help="labelled batches to scan")
    p.add_argument("--workers", type=int, default=cpus, help="gunicorn workers (default: nproc)")
    p.add_argument("--threads", type=int, default=2, help="threads per worker (as hwtrace serve)")
    p.add_argument("--profile", action="store_true", help="then profile the scans (pyinstrument)")
    p.add_argument(
        "--serialize", action="store_true", help="then scan with one flock around each scan"
    )
    a = p.parse_args()
    print(
        f"# http bench, python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{cpus} CPUs, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    run(a)


if __name__ == "__main__":
    main()
