"""`hwtrace calendar import FILE` and `hwtrace calendar show YEAR` on a real database: a year's
arrangement is loaded from a file (the deadlines of 部令第23号 第十八条/第二十条 count on it), a
file with problems imports nothing and says why line by line."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_catalogue_import import _run, env  # noqa: F401  (the fixture)


def test_import_a_year_and_show_it(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    r = _run(env, "calendar", "show", "2026")
    assert r.returncode == 0, r.stderr
    assert "2026-02-14  workday" in r.stdout and "2026-02-16  holiday" in r.stdout
    assert "2030: not loaded" in _run(env, "calendar", "show", "2030").stdout

    good = tmp_path / "2030.csv"
    good.write_text(
        "date,kind,name,source\n2030-02-02,workday,春节,test\n2030-02-04,holiday,春节,test\n",
        encoding="utf-8",
    )
    r = _run(env, "calendar", "import", str(good), "--source", "测试安排")
    assert r.returncode == 0, r.stderr
    assert "2030: 2 days listed" in r.stdout
    r = _run(env, "calendar", "show", "2030")
    assert "2030: loaded" in r.stdout
    assert "2030-02-02  workday" in r.stdout and "2030-02-04  holiday" in r.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2030-03-04,workday\n2030-13-01,holiday\n", encoding="utf-8")
    r = _run(env, "calendar", "import", str(bad))
    assert r.returncode != 0
    assert "calendar.invalid" in r.stderr and "line 2" in r.stderr and "line 3" in r.stderr
    assert "2030-03-04" not in _run(env, "calendar", "show", "2030").stdout
