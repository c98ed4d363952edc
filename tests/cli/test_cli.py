"""The `hwtrace` command end to end on a real database file: demo, verify, tamper, prove."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import ledger.schema
from tests.api.test_ledger_api import _root_from_note
from tests.dbutil import fresh_postgres_database, pg_base_url
from tests.support import rfc6962


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> object:
    tmp = tmp_path_factory.mktemp("cli")
    env = {
        **os.environ,
        "HWTRACE_ARGON2_TIME_COST": "1",
        "HWTRACE_ARGON2_MEMORY_KIB": "256",
        "HWTRACE_LEDGER_KEY_FILE": str(tmp / "key"),
        "HWTRACE_SECRET_KEY": "t",
    }
    assert _run(env, "keys", "init").returncode == 0
    if pg_base_url():
        with fresh_postgres_database() as url:
            env["HWTRACE_DATABASE_URL"] = url
            r = _run(env, "demo", "--batches", "12")
            assert r.returncode == 0, r.stderr
            yield env, r.stdout
    else:
        env["HWTRACE_DATABASE_URL"] = f"sqlite:///{tmp / 'demo.sqlite'}"
        r = _run(env, "demo", "--batches", "12")
        assert r.returncode == 0, r.stderr
        yield env, r.stdout


def test_demo_prints_logins_and_verifies(demo_env: object) -> None:
    env, out = demo_env  # type: ignore[misc]
    assert "park" in out and "p1op" in out and "hwtrace-demo" in out
    r = _run(env, "ledger", "verify")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("OK")
    again = _run(env, "demo", "--batches", "12")  # idempotent
    assert again.returncode == 0, again.stderr


def test_prove_batch_verifies_with_independent_code(demo_env: object) -> None:
    env, _ = demo_env  # type: ignore[misc]
    engine = sa.create_engine(env["HWTRACE_DATABASE_URL"])
    with engine.connect() as conn:
        code = conn.execute(
            sa.text("SELECT code FROM batch WHERE status = 'DISPOSED' ORDER BY id LIMIT 1")
        ).scalar_one()
    engine.dispose()
    r = _run(env, "ledger", "prove", code)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    size, root = _root_from_note(out["checkpoint"])
    types = []
    for e in out["entries"]:
        leaf = base64.b64decode(e["leaf"])
        types.append(json.loads(leaf)["type"])
        assert rfc6962.verify_inclusion(
            e["index"], size, rfc6962.leaf_hash(leaf), [bytes.fromhex(h) for h in e["proof"]], root
        )
    assert types[0] == "batch.register" and types[-1] == "batch.dispose"
    vkey = _run(env, "ledger", "checkpoint", "--vkey").stdout.strip()
    assert vkey == out["vkey"]


def test_prove_since_gives_consistency(demo_env: object) -> None:
    env, _ = demo_env  # type: ignore[misc]
    r = _run(env, "ledger", "prove", "--since", "5")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    size, root = _root_from_note(out["checkpoint"])
    c = out["consistency"]
    assert rfc6962.verify_consistency(
        5, size, bytes.fromhex(c["old_root"]), root, [bytes.fromhex(h) for h in c["proof"]]
    )


def test_tampered_row_is_named(demo_env: object, tmp_path: Path) -> None:
    env, _ = demo_env  # type: ignore[misc]
    engine = sa.create_engine(env["HWTRACE_DATABASE_URL"])
    E = ledger.schema.ledger_entry
    # With the guard in place the database itself refuses the edit.
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.update(E).where(E.c.seq == 7).values(actor="mallory"))
    with engine.begin() as conn:
        ledger.schema.drop_guards(conn)
        body = conn.execute(sa.select(E.c.body).where(E.c.seq == 7)).scalar_one()
        conn.execute(
            sa.update(E)
            .where(E.c.seq == 7)
            .values(body=bytes(body).replace(b'"actor":"', b'"actor":"x', 1))
        )
    try:
        r = _run(env, "ledger", "verify")
        assert r.returncode != 0
        assert "7" in r.stderr and "TAMPERED" in r.stderr
    finally:
        with engine.begin() as conn:
            conn.execute(sa.update(E).where(E.c.seq == 7).values(body=body))
            ledger.schema.install_guards(conn)
        engine.dispose()
    assert _run(env, "ledger", "verify").returncode == 0


def test_label_command_writes_each_format(demo_env: object, tmp_path: Path) -> None:
    env, _ = demo_env  # type: ignore[misc]
    engine = sa.create_engine(env["HWTRACE_DATABASE_URL"])
    with engine.connect() as conn:
        code = conn.execute(
            sa.text("SELECT code FROM batch WHERE container_volume_l <= 50 ORDER BY id LIMIT 1")
        ).scalar_one()
    engine.dispose()
    for fmt, magic in [
        ("pdf", b"%PDF"),
        ("png", b"\x89PNG"),
        ("escpos", b"\x1b@"),
        ("tspl", b"SIZE"),
    ]:
        out = tmp_path / f"label.{fmt}"
        r = _run(env, "label", code, "--format", fmt, "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert out.read_bytes().startswith(magic), fmt
    r = _run(
        env,
        "label",
        code[:-1] + "0" if code[-1] != "0" else code[:-1] + "1",
        "--format",
        "pdf",
        "-o",
        str(tmp_path / "x.pdf"),
    )
    assert r.returncode != 0 and "code." in r.stderr
