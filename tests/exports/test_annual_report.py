"""The annual HJ 1259-2022 ledger report: its tables built from the ledger, rendered as an A4
PDF that rasterizes, whose text holds every table's title and the batch codes, with the CJK
font embedded; scoped to the caller's own enterprise (any enterprise for park roles)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hwtrace.domain.annual_records import SECTIONS
from hwtrace.services import exports
from tests.exports.conftest import Journeys

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdffonts")),
    reason="poppler-utils (pdftoppm, pdftotext, pdffonts) not installed",
)


def _year() -> int:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).year  # the park's zone (the default)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts  # emb column
    assert "Helvetica" not in fonts  # nothing falls back to an unembedded font
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_annual_report_pdf_has_every_table(journeys: Journeys, tmp_path: Path) -> None:
    j = journeys
    r = j.world.as_("p1op").get(f"/api/v1/exports/annual-report.pdf?year={_year()}")
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/pdf"
    text = _squash(_pdf_text(r.data, tmp_path))
    for _, title in SECTIONS:
        assert _squash(title) in text, title
    for code in j.p1:
        assert code in text
    assert j.n1 in text
    assert "危险废物管理台账" in text and j.usccs["p1"] in text
    # nothing of the other producer
    assert not any(code in text for code in j.p2) and j.n2 not in text


def test_annual_tables_follow_the_ledger(journeys: Journeys) -> None:
    j = journeys
    rep = exports.annual_ledger(
        j.world.ctx, actor=j.actor("p1op"), enterprise_id=None, year=_year()
    )
    t = {k: rows for k, (_, rows) in rep.tables.items()}
    assert [r[1] for r in t["generation"]] == j.p1
    assert all(r[6] == "100.000" and r[7] == "kg" for r in t["generation"])
    assert [r[1] for r in t["store_in"]] == j.p1
    assert [r[1] for r in t["store_out"]] == j.to_r1
    assert all(r[10] == j.n1 for r in t["store_out"])
    assert [(r[1], r[8]) for r in t["self_disposal"]] == [(j.self_disposed, "D10 焚烧")]
    transfer = {r[2]: r for r in t["transfer"]}
    assert set(transfer) == set(j.to_r1) and {r[1] for r in t["transfer"]} == {j.n1}
    a, b, c = j.to_r1
    assert transfer[a][12].startswith("D10") and transfer[b][12].startswith("R2")
    assert transfer[c][12].startswith("拟：D10")  # received, not yet disposed of
    assert transfer[c][13] == "90.000"  # 100 received, 10 rejected
    assert transfer[a][11] == "JS3205000001"
    headers, summary = rep.tables["summary"]
    row = dict(zip(headers, summary[0], strict=True))
    assert row["危险废物代码"] == "900-041-49"
    assert Decimal(row["上年末贮存量（kg）"]) == 0
    assert Decimal(row["本年产生量（kg）"]) == 500
    assert Decimal(row["本年自行利用/处置量（kg）"]) == 100
    assert Decimal(row["本年委外转移量（kg）"]) == 300
    assert Decimal(row["年末贮存量（kg）"]) == 100  # the batch still in storage
    # Last year: nothing happened; next year: this year's stock is carried over.
    before = exports.annual_ledger(
        j.world.ctx, actor=j.actor("park"), enterprise_id=j.world.ids["p1"], year=_year() - 1
    )
    assert all(not rows for _, rows in before.tables.values())
    after = exports.annual_ledger(
        j.world.ctx, actor=j.actor("auditor"), enterprise_id=j.world.ids["p1"], year=_year() + 1
    )
    (carried,) = after.tables["summary"][1]
    assert carried[2] == "100.000" and carried[3] == "0.000" and carried[6] == "100.000"


def test_receiver_report_lists_its_disposals(journeys: Journeys) -> None:
    j = journeys
    rep = exports.annual_ledger(j.world.ctx, actor=j.actor("r1"), enterprise_id=None, year=_year())
    t = {k: rows for k, (_, rows) in rep.tables.items()}
    assert not t["generation"] and not t["transfer"]
    assert [r[1] for r in t["self_disposal"]] == j.to_r1[:2]
    (row,) = t["summary"]
    assert row[4] == "200.500" and row[6] == "90.000"  # disposed; still held (c, 90 kg)


def test_annual_report_scope(journeys: Journeys) -> None:
    j = journeys
    ids, year = j.world.ids, _year()
    url = "/api/v1/exports/annual-report.pdf"
    # an enterprise gets its own report only; another's is "not found", leaking nothing
    assert (
        j.world.as_("p2op").get(f"{url}?year={year}&enterprise_id={ids['p1']}").status_code == 404
    )
    assert j.world.as_("r1").get(f"{url}?year={year}&enterprise_id={ids['p1']}").status_code == 404
    r = j.world.as_("p2op").get(f"{url}?year={year}&enterprise_id={ids['p2']}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    # park roles name the enterprise
    assert j.world.as_("park").get(f"{url}?year={year}").status_code == 400
    assert (
        j.world.as_("auditor").get(f"{url}?year={year}&enterprise_id={ids['p1']}").status_code
        == 200
    )
    assert j.world.as_("park").get(f"{url}?year={year}&enterprise_id=99999999").status_code == 404
    # the year is required and bounded
    assert j.world.as_("p1op").get(url).status_code == 400
    assert j.world.as_("p1op").get(f"{url}?year=1999").status_code == 400
    assert j.world.as_("p1op").get(f"{url}?year=20x5").status_code == 400


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_the_first_page_starts_the_tables_however_long_they_are(
    journeys: Journeys, tmp_path: Path
) -> None:
    """A long first table once moved whole to page 2, leaving a first page with the title
    only: the tables now start on the first page and continue, their header repeated."""
    import dataclasses

    from hwtrace.reports import annual_pdf
    from hwtrace.services.auth import actor_for_token

    j = journeys
    actor = actor_for_token(j.world.ctx, j.world.tokens["p1op"])
    report = exports.annual_ledger(j.world.ctx, actor=actor, enterprise_id=None, year=_year())
    headers, rows = report.tables["generation"]
    assert rows
    long = dataclasses.replace(
        report, tables={**report.tables, "generation": (headers, list(rows) * 60)}
    )
    pages = _pages(annual_pdf.render(long, park_name="园区"), tmp_path)
    assert len(pages) > 2
    first = _squash(pages[0])
    assert "一、危险废物产生环节记录表" in first and j.p1[0] in first, pages[0][:800]
    assert _squash(headers[1]) in _squash(pages[1])  # the header repeats on the next page


def test_any_year_can_be_chosen_and_last_year_is_offered(journeys: Journeys) -> None:
    j = journeys
    caller = j.world.as_("p1op")
    for year in (_year() - 1, _year() - 5):
        r = caller.get(f"/api/v1/exports/annual-report.pdf?year={year}")
        assert r.status_code == 200 and r.data.startswith(b"%PDF-"), year
