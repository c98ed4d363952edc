"""C2SP tlog-tiles written from the database, served by a plain static file server
(``python -m http.server``), and the monitor following two parks from them alone."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import ledger
from ledger import merkle
from ledger.monitor import Monitor
from ledger.tiles import (
    WIDTH,
    decode_bundle,
    encode_bundle,
    export,
    index_path,
    read_tile,
    tile_path,
    tiles_for,
)
from tests.support import rfc6962
from tests.support.tamper import draft, replace_history

PARKS = {
    "PA": ledger.Signer.generate("hwtrace.local/PA"),
    "PB": ledger.Signer.generate("hwtrace.local/PB"),
}


def test_paths_and_tiles_of_a_size_follow_the_spec() -> None:
    assert index_path(1234067) == "x001/x234/067"
    assert index_path(5) == "005"
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path("entries", 3, 17) == "tile/entries/003.p/17"
    # The spec's example: a tree of 70,000 leaves is 273 full level-0 tiles, a partial one of
    # width 112, one full level-1 tile, a partial one of width 17 and a partial level-2 tile of
    # width 1; a tree of 256 is one full level-0 tile and a level-1 tile of width 1.
    t = list(tiles_for(70_000))
    assert len([x for x in t if x[0] == 0 and x[2] == WIDTH]) == 273
    assert (0, 273, 112) in t and (1, 0, 256) in t and (1, 1, 17) in t and (2, 0, 1) in t
    assert len(t) == 273 + 1 + 1 + 1 + 1
    assert list(tiles_for(256)) == [(0, 0, 256), (1, 0, 1)]
    assert decode_bundle(encode_bundle([b"", b"abc", b"x" * 300])) == [b"", b"abc", b"x" * 300]


def _log(engine: Engine, park: str, n: int, tag: str = "") -> tuple[ledger.Log, str]:
    log = ledger.Log(park, origin=PARKS[park].name)
    with engine.begin() as conn:
        log.append_many(conn, [draft(i, tag) for i in range(log.size(conn), n)])
        note = log.sign_checkpoint(conn, PARKS[park])
    return log, note


def test_level_one_tile_is_the_hash_of_each_full_level_zero_tile(engine: Engine) -> None:
    log, _note = _log(engine, "PA", 600)
    with engine.connect() as conn:
        level0 = [read_tile(conn, "PA", 0, n, WIDTH) for n in range(2)]
        level1 = read_tile(conn, "PA", 1, 0, 2)
        leaves = [e.leaf_hash for e in log.entries(conn)]
    for n in range(2):
        hashes = [level0[n][i : i + 32] for i in range(0, WIDTH * 32, 32)]
        assert hashes == leaves[n * WIDTH : (n + 1) * WIDTH]
        assert level1[n * 32 : (n + 1) * 32] == rfc6962.mth(hashes)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "www"
    root.mkdir()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "python -m http.server did not start"
            time.sleep(0.1)
    try:
        yield root, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _publish(engine: Engine, park: str, note: str, root: Path) -> None:
    cp = ledger.parse_checkpoint(note, PARKS[park].verifier())
    with engine.connect() as conn:
        export(conn, park, note, cp.size, root / park)


def _monitor_cli(state: Path, base: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "hwtrace.cli", "ledger", "monitor", "--once"]
    args += ["--state", str(state), f"{base}/PA", f"{base}/PB"]
    args += ["--vkey", PARKS["PA"].vkey, "--vkey", PARKS["PB"].vkey, *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=dict(os.environ))


def test_monitor_follows_two_parks_and_alarms_on_a_fork(
    engine: Engine, static_server: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = static_server
    state = tmp_path / "monitor.json"
    _, a = _log(engine, "PA", 300)
    _, b = _log(engine, "PB", 40)
    _publish(engine, "PA", a, root)
    _publish(engine, "PB", b, root)
    r = _monitor_cli(state, base)
    assert r.returncode == 0, r.stderr
    assert "PA: size 300" in r.stdout and "PB: size 40" in r.stdout

    # Both grow; the monitor fetches only the new tiles and follows.
    _, a = _log(engine, "PA", 777)
    log_b, b = _log(engine, "PB", 90)
    _publish(engine, "PA", a, root)
    _publish(engine, "PB", b, root)
    r = _monitor_cli(state, base)
    assert r.returncode == 0, r.stderr
    assert "PA: size 777" in r.stdout and "PB: size 90" in r.stdout

    # Park B forks: its operator (with the database and the key) writes another history of
    # 120 entries that differs at entry 10, and publishes fresh tiles for it.
    with engine.begin() as conn:
        forged = [draft(i, "forged" if i == 10 else "") for i in range(120)]
        b = replace_history(conn, log_b, PARKS["PB"], forged)
    shutil.rmtree(root / "PB")
    _publish(engine, "PB", b, root)
    _, a = _log(engine, "PA", 800)
    _publish(engine, "PA", a, root)
    r = _monitor_cli(state, base)
    assert r.returncode == 1
    assert f"ALARM inconsistent: {base}/PB" in r.stderr
    assert "does not extend the checkpoint of size 90" in r.stderr
    assert "PA: size 800" in r.stdout  # the honest park is still followed
    # The alarm stays: the forged log never becomes the monitor's reference.
    r = _monitor_cli(state, base)
    assert r.returncode == 1 and "PB" in r.stderr


def test_monitor_alarms_on_rollback_and_bad_tiles(
    engine: Engine, static_server: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = static_server
    log, note = _log(engine, "PA", 50)
    _publish(engine, "PA", note, root)
    mon = Monitor([(f"{base}/PA", PARKS["PA"].verifier())], tmp_path / "m.json")
    assert mon.poll() == []
    # An older checkpoint served again: a rollback.
    with engine.begin() as conn:
        old = ledger.sign_checkpoint(log.origin, 20, log.root(conn, 20), PARKS["PA"])
    (root / "PA" / "checkpoint").write_text(old)
    alarms = Monitor([(f"{base}/PA", PARKS["PA"].verifier())], tmp_path / "m.json").poll()
    assert [a.kind for a in alarms] == ["rollback"]
    # A newer checkpoint whose entry bundle was edited: the tiles do not hash.
    _, note = _log(engine, "PA", 60)
    _publish(engine, "PA", note, root)
    bundle = root / "PA" / tile_path("entries", 0, 60)
    data = bytearray(bundle.read_bytes())
    data[-3] ^= 1
    bundle.write_bytes(bytes(data))
    alarms = Monitor([(f"{base}/PA", PARKS["PA"].verifier())], tmp_path / "m.json").poll()
    assert [a.kind for a in alarms] == ["bad-tiles"]
    # A checkpoint signed by another key.
    thief = ledger.Signer.generate("hwtrace.local/PA")
    (root / "PA" / "checkpoint").write_text(
        ledger.sign_checkpoint("hwtrace.local/PA", 60, merkle.EMPTY_ROOT, thief)
    )
    alarms = Monitor([(f"{base}/PA", PARKS["PA"].verifier())], tmp_path / "m.json").poll()
    assert [a.kind for a in alarms] == ["bad-signature"]
