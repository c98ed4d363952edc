"""SQLite writers queue on a blocking lock (``ledger.db.WriterQueue``) around their transaction:
it is held from BEGIN to COMMIT/ROLLBACK, released however the transaction ends, shared by the
threads and processes writing to one file, and never taken by readers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import ledger.db


def _engine(tmp_path: Path) -> sa.Engine:
    eng = ledger.db.create_engine(f"sqlite:///{tmp_path}/q.db")
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    return eng


def _queue(eng: sa.Engine) -> ledger.db.WriterQueue:
    with eng.connect() as c:
        dbapi = c.connection.dbapi_connection
        assert dbapi is not None
        return dbapi.writer_queue  # type: ignore[attr-defined,no-any-return]


def test_held_for_the_transaction_and_released_on_commit_rollback_and_error(
    tmp_path: Path,
) -> None:
    eng = _engine(tmp_path)
    queue = _queue(eng)
    assert Path(queue.path).name == "q.db-writer.lock"
    with eng.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert queue.held
    assert not queue.held
    with pytest.raises(ZeroDivisionError), eng.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (2)")
        1 / 0  # noqa: B018
    assert not queue.held
    with pytest.raises(sa.exc.IntegrityError), eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE u (n INTEGER PRIMARY KEY)")
        c.exec_driver_sql("INSERT INTO u VALUES (1), (1)")
    assert not queue.held
    with eng.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_threads_take_turns_and_readers_do_not_wait(tmp_path: Path) -> None:
    eng = _engine(tmp_path)
    inside = []
    overlap = []

    def writer(n: int) -> None:
        for _ in range(20):
            with eng.begin() as c:
                inside.append(n)
                if len(inside) > 1:
                    overlap.append(tuple(inside))
                c.exec_driver_sql("INSERT INTO t VALUES (?)", (n,))
                time.sleep(0.001)
                inside.remove(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == []
    # A reader on a plain connection reads while a writer holds the queue.
    with eng.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (99)")
        plain = sqlite3.connect(f"{tmp_path}/q.db", timeout=0.1)
        assert plain.execute("SELECT count(*) FROM t").fetchone() == (120,)
        plain.close()
    with eng.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM t").scalar() == 121


def _hold(path: str, started: multiprocessing.synchronize.Event, seconds: float) -> None:
    eng = ledger.db.create_engine(f"sqlite:///{path}")
    with eng.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (-1)")
        started.set()
        time.sleep(seconds)


def test_processes_queue_instead_of_polling_and_a_dead_holder_frees_it(tmp_path: Path) -> None:
    eng = _engine(tmp_path)
    mp = multiprocessing.get_context("spawn")
    started = mp.Event()
    holder = mp.Process(target=_hold, args=(f"{tmp_path}/q.db", started, 0.5))
    holder.start()
    assert started.wait(30)
    t0 = time.monotonic()
    with eng.begin() as c:  # waits in flock until the other process commits
        c.exec_driver_sql("INSERT INTO t VALUES (1)")
    waited = time.monotonic() - t0
    holder.join(30)
    assert 0.2 < waited < 10
    # A holder killed mid-transaction releases the queue with its process.
    started = mp.Event()
    holder = mp.Process(target=_hold, args=(f"{tmp_path}/q.db", started, 60))
    holder.start()
    assert started.wait(30)
    holder.kill()
    holder.join(30)
    with eng.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (2)")
    with eng.connect() as c:
        assert [r[0] for r in c.exec_driver_sql("SELECT n FROM t ORDER BY rowid")] == [-1, 1, 2]


def test_a_writer_stuck_in_this_process_times_out_like_a_busy_database(tmp_path: Path) -> None:
    eng = ledger.db.create_engine(f"sqlite:///{tmp_path}/q.db", connect_args={"timeout": 0.2})
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    with eng.begin() as c:
        c.exec_driver_sql("INSERT INTO t VALUES (1)")
        failed: list[BaseException] = []

        def other() -> None:
            try:
                with eng.begin() as c2:
                    c2.exec_driver_sql("INSERT INTO t VALUES (2)")
            except sa.exc.OperationalError as err:
                failed.append(err)

        t = threading.Thread(target=other)
        t.start()
        t.join(10)
    assert len(failed) == 1 and "database is locked" in str(failed[0])
    with eng.begin() as c:  # the queue is usable again
        c.exec_driver_sql("INSERT INTO t VALUES (3)")
