"""Reports people file, downloaded as a person does: the exports page offers any year for the
annual report (last year's, the one filed, chosen by default); its PDF starts its tables on the
first page."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

from tests.pages.conftest import Live, login, shot


def test_annual_report_for_a_chosen_year(browser: Any, live: Live, tmp_path: Path) -> None:
    page = login(browser, live, "park", viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/exports")
    this_year = dt.date.today().year
    chosen = page.locator("#year-form select[name=year]").input_value()
    assert chosen == str(this_year - 1)  # last year's report is the one filed
    page.select_option("#year-form select[name=year]", str(this_year - 2))
    with page.expect_navigation():
        page.click("#year-form button[type=submit]")
    link = page.locator("#export-table a", has_text=f"PDF {this_year - 2}").first
    assert link.count() == 1
    page.select_option("#year-form select[name=year]", str(this_year - 1))
    with page.expect_navigation():
        page.click("#year-form button[type=submit]")
    shot(page, "exports-year")
    with page.expect_download() as got:
        page.locator("#export-table a", has_text=f"PDF {this_year - 1}").first.click()
    pdf = tmp_path / "annual.pdf"
    got.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"{this_year - 1} 年度记录表" in text
    assert "一、危险废物产生环节记录表" in text, text[:1500]
