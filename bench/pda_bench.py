"""PDA client benchmark: start time, peak memory, sync rate.

    PYTHONPATH=. .venv/bin/python -m bench.pda_bench [--n 1000] [--workers 4] [--server-workers 2]
        [--db sqlite|pg]

Rows: what, figure, target, result. The sync rate is measured twice: against a local gunicorn
server on a demo park (SQLite), which is what the target is about, and against a stub HTTP
server that answers at once, which is the client's own ceiling (what it could do if the
server kept up). Peak RSS is the child's ``ru_maxrss`` from ``wait4``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.live_server import Server, seed_demo, server_env

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE_RE = re.compile(r"\b[0-9A-Z]{38}\b")
PASSWORD = "hwtrace-demo"


def pda_argv(db: Path, *args: str) -> list[str]:
    """The client as an operator starts it (the console script when installed)."""
    script = BIN / "hwtrace-pda"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "pda_client"]
    return [*head, "--db", str(db), *args]


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_PDA_")}
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def run(db: Path, *args: str, input: str | None = None) -> str:
    """Run the client to completion; return its stdout."""
    r = subprocess.run(
        pda_argv(db, *args), input=input, capture_output=True, text=True, env=env(), cwd=ROOT
    )
    if r.returncode != 0:
        raise RuntimeError(f"{args}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def peak_rss(db: Path, *args: str) -> tuple[float, int]:
    """Run the client; return (seconds, peak RSS KiB).

    The peak is the child's own ``VmHWM`` (``/proc/<pid>/status``), polled while it runs: it
    starts afresh at exec, unlike ``ru_maxrss``, which keeps the high-water mark of the forked
    copy of this (bigger) benchmark process.
    """
    t0 = time.perf_counter()
    p = subprocess.Popen(
        pda_argv(db, *args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
        cwd=ROOT,
    )
    peak = 0
    status = Path(f"/proc/{p.pid}/status")
    while p.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    elapsed = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{args}: exit {p.returncode}")
    return elapsed, peak


def start_ms(db: Path, *args: str, n: int = 15) -> float:
    """Median wall time of a short command, in ms."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(pda_argv(db, *args), capture_output=True, env=env(), cwd=ROOT, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL database (HWTRACE_TEST_DATABASE_URL or the
    local server), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'server.sqlite'}"
        return
    import uuid

    import sqlalchemy as sa

    base = os.environ.get("HWTRACE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    base = "postgresql+psycopg://" + base.split("://", 1)[1]
    name = "hwtrace_pdabench_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def gunicorn(tmp: Path, workers: int, db_url: str) -> Iterator[str]:
    """A local server on a fresh demo park (the tests' live-server harness)."""
    env = server_env(db_url, tmp)
    seed_demo(env, batches=1)
    server = Server(env, workers=workers, threads=2)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def stub_server() -> Iterator[str]:
    """An HTTP server that answers every request at once (the client's ceiling)."""
    answer = json.dumps({"code": "X", "status": "STORED", "status_zh": "已入库"}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls

        def log_message(self, *a: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def queue_events(db: Path, url: str, n: int) -> list[str]:
    """Log in and queue ``n`` events offline: 40 % registrations, 40 % label prints (one of
    them rendered and printed here, to a file), 20 % scans into storage."""
    run(db, "--server", url, "login", "--username", "p1op", "--password", PASSWORD)
    profiles = {p["waste_code"]: p["id"] for p in _cache(db, "profiles")}
    rooms = {c: r["id"] for r in _cache(db, "rooms") for c in r["allowed_categories"]}
    regs = n * 2 // 5
    codes: list[str] = []
    for i, waste in enumerate(("271-001-02", "900-249-08")):
        count = regs // 2 + (regs % 2 if i == 0 else 0)
        pid = str(profiles[waste])
        run(db, "reserve", "--profile", pid, "--count", str(count))
        out = run(
            db, "--offline", "register", "--profile", pid, "--weight", "1.5",
            "--count", str(count), "--no-print",
        )  # fmt: skip
        codes += CODE_RE.findall(out)
    codes = list(dict.fromkeys(codes))
    run(db, "--offline", "scan", "--action", "label", input="\n".join(codes[1:]) + "\n")
    stores = n - 2 * len(codes)
    room = str(rooms["HW02"])
    run(db, "--offline", "scan", "--action", "store", "--room", room,
        input="\n".join(codes[1 : stores + 1]) + "\n")  # fmt: skip
    return codes


def _cache(db: Path, name: str) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(db) as c:
        (value,) = c.execute("SELECT value FROM cache WHERE name = ?", (name,)).fetchone()
    return list(json.loads(value))


def sync_rate(db: Path, url: str, workers: int) -> tuple[float, int, int]:
    """Sync everything queued; return (events/s, events, peak RSS KiB)."""
    n = json.loads(run(db, "status", "--json"))["queued"]
    elapsed, rss = peak_rss(db, "--server", url, "sync", "--workers", str(workers), "--no-progress")
    st = json.loads(run(db, "status", "--json"))
    assert st["queued"] == 0 and st["refused"] == 0, st
    return n / elapsed, n, rss


def stub_rate(tmp: Path, n: int, workers: int) -> float:
    """The client's ceiling: ``n`` events against a server that answers at once."""
    from pda_client.store import Store

    db = tmp / "stub.sqlite"
    s = Store(db)
    s.save_account("bench", "hwt_bench", None, {"username": "bench"})
    for i in range(n):
        c = f"CODE{i:034d}"
        s.enqueue(username="bench", code=c, action="store", path=f"/batches/{c}/events",
                  body={"action": "store", "room_id": 1})  # fmt: skip
    s.close()
    with stub_server() as url:
        elapsed, _ = peak_rss(
            db, "--server", url, "sync", "--workers", str(workers), "--no-progress"
        )
    return n / elapsed


def row(what: str, figure: str, target: str, ok: bool) -> None:
    print(f"{what:56} {figure:>14}  {target:10} {'pass' if ok else 'FAIL'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="events to sync")
    ap.add_argument("--workers", type=int, default=4, help="client connections")
    ap.add_argument("--server-workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--db", choices=["sqlite", "pg"], default="sqlite", help="server database")
    args = ap.parse_args()
    print(f"# pda bench, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        db = tmp / "pda.sqlite"
        with database(args.db, tmp) as db_url, gunicorn(tmp, args.server_workers, db_url) as url:
            codes = queue_events(db, url, args.n)
            out = tmp / "label.bin"
            _, rss_label = peak_rss(
                db, "--offline", "print", codes[0], "--printer", f"file://{out}"
            )
            ms = start_ms(db, "--version")
            row("start: hwtrace-pda --version", f"{ms:.0f} ms", "< 300 ms", ms < 300)
            ms = start_ms(db, "status")
            row("start: hwtrace-pda status (1,000 queued)", f"{ms:.0f} ms", "< 300 ms", ms < 300)
            rate, n, rss_sync = sync_rate(db, url, args.workers)
        row("peak RSS: print a label rendered locally", f"{rss_label / 1024:.1f} MB", "< 60 MB",
            rss_label < 60 * 1024)  # fmt: skip
        row(f"peak RSS: sync {n} events", f"{rss_sync / 1024:.1f} MB", "< 60 MB",
            rss_sync < 60 * 1024)  # fmt: skip
        row(f"sync, local gunicorn [{args.db}] ({args.server_workers} workers x 2 threads)",
            f"{rate:,.0f} ev/s", ">= 500/s", rate >= 500)  # fmt: skip
        ceiling = stub_rate(tmp, args.n, args.workers)
        row("sync, stub server (client's own ceiling)", f"{ceiling:,.0f} ev/s", ">= 500/s",
            ceiling >= 500)  # fmt: skip


if __name__ == "__main__":
    main()
