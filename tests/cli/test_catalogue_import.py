"""`hwtrace catalogue import FILE --edition YEAR` on a real database: a dry run prints what
changed and writes nothing, the import prints it again and makes the edition the one in use
(`hwtrace catalogue editions`), a second import of the same edition and a malformed table are
refused with their reasons, and the ledger verifies."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hwtrace.domain import catalogue as C
from tests.dbutil import fresh_postgres_database, pg_base_url


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    out = {
        **os.environ,
        "HWTRACE_LEDGER_KEY_FILE": str(tmp_path / "key"),
        "HWTRACE_SECRET_KEY": "t",
        "HWTRACE_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    assert _run(out, "keys", "init").returncode == 0
    if pg_base_url():
        with fresh_postgres_database() as url:
            yield {**out, "HWTRACE_DATABASE_URL": url}
    else:
        yield {**out, "HWTRACE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}


def _table(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(C.COLUMNS))
        w.writeheader()
        w.writerows(rows)
    return path


def _later_edition() -> list[dict[str, str]]:
    """A made-up later table (2099, so it is never mistaken for a real edition): 2021 with
    900-046-49 removed, 900-041-49 reworded and 900-998-49 added."""
    rows = []
    for w in C.shipped("2021").codes:
        if w.code == "900-046-49":
            continue
        row = w.as_row()
        if w.code == "900-041-49":
            row["description"] += "（修订）"
        rows.append(row)
    new = {**rows[-1], "code": "900-998-49", "description": "测试用新增条目"}
    return [*rows, {**new, "category": "HW49", "category_name": "其他废物"}]


def test_import_prints_the_changes_and_makes_the_edition_current(
    env: dict[str, str], tmp_path: Path
) -> None:
    table = _table(tmp_path / "catalogue-2099.csv", _later_edition())
    r = _run(env, "catalogue", "import", str(table), "--edition", "2099", "--dry-run")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "2021 -> 2099: 1 added, 1 removed, 1 changed"
    assert any(ln.startswith("+ 900-998-49 HW49") for ln in lines)
    assert any(ln.startswith("- 900-046-49 HW49") for ln in lines)
    assert any(ln.startswith("~ 900-041-49 description:") for ln in lines)
    assert "dry run" in r.stdout
    r = _run(env, "catalogue", "editions")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("* 2021  shipped   467 codes, 46 categories")

    r = _run(env, "catalogue", "import", str(table), "--edition", "2099", "--source", "测试表")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "2021 -> 2099: 1 added, 1 removed, 1 changed"
    listed = _run(env, "catalogue", "editions").stdout.splitlines()
    assert listed[0].startswith("  2021  shipped")
    assert listed[1].startswith("* 2099  imported  467 codes, 46 categories  测试表"), listed

    again = _run(env, "catalogue", "import", str(table), "--edition", "2099")
    assert again.returncode == 1 and "catalogue.edition_exists" in again.stderr
    assert _run(env, "ledger", "verify").returncode == 0


def test_a_malformed_table_imports_nothing(env: dict[str, str], tmp_path: Path) -> None:
    rows = [w.as_row() for w in C.shipped("2021").codes]
    rows[3]["code"] = "841-4-01"
    rows[10]["hazards_official"] = "T,X"
    table = _table(tmp_path / "bad.csv", rows)
    r = _run(env, "catalogue", "import", str(table), "--edition", "2098")
    assert r.returncode == 1
    assert "catalogue.invalid" in r.stderr
    assert "line 5: code '841-4-01' is not NNN-NNN-NN" in r.stderr, r.stderr
    assert "line 12: hazards 'T,X'" in r.stderr, r.stderr
    listed = _run(env, "catalogue", "editions").stdout.splitlines()
    assert len(listed) == 1 and listed[0].startswith("* 2021")
