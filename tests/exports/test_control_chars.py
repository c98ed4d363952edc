"""An export never fails on text XML cannot carry (a fuzzer found this: a 500 on ledger.xlsx)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from hwtrace.reports.spreadsheet import to_xlsx


def test_control_characters_do_not_break_the_workbook() -> None:
    data = to_xlsx(["名称", "内容"], [["a\x00b\x1fc", "ok\x0b"], ["\ud800", 3]], "t")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws["A2"].value == "a\ufffdb\ufffdc" and ws["B2"].value == "ok\ufffd"
    assert ws["A3"].value == "\ufffd" and ws["B3"].value == 3
