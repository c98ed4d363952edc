"""Tables as spreadsheets: CSV that Excel opens (UTF-8 with a BOM, CRLF) and XLSX workbooks
(bold frozen header, fitted widths). Numbers stay numbers; text is never run as a formula."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> str:
    """Return a cell as text: empty for None, 是/否 for booleans, and text a spreadsheet would
    run as a formula quoted (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    # A text cell that a spreadsheet would run as a formula (CSV injection) is quoted.
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return the table as CSV: UTF-8 with a BOM (so Excel reads Chinese), CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for row in rows:
        w.writerow([cell_text(v) for v in row])
    # Text that UTF-8 cannot carry (lone surrogates) becomes "?" rather than fail the export.
    return ("\ufeff" + buf.getvalue()).encode("utf-8", errors="replace")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str) -> bytes:
    """Return the table as an XLSX workbook: bold, frozen header row; fitted column widths.

    Numbers stay numbers (weights as kg with three decimals); text is always text, never a
    formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(sheet_title)
    widths = [_display_width(h) for h in headers]
    ws.append(list(headers))
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, Decimal):
                cell.value = value
                cell.number_format = "0.000"
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.value = value
            else:
                # XML 1.0 cannot carry most control characters: show them as U+FFFD rather
                # than fail the whole export on one odd name or payload.
                text = "" if value is None else _XML_ILLEGAL.sub("\ufffd", str(value))
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever the text starts with
            widths[c - 1] = max(widths[c - 1], _display_width(str(value or "")))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 6), 60)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'") or "Sheet"
    return cleaned[:31]
