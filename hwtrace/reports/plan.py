"""The yearly management plan (HJ 1259-2022 appendix A, tables A.1–A.7) as an A4 landscape PDF
(CJK font embedded, the content's SHA-256 in the footer) and as an XLSX workbook with one sheet
per table. Renders the content it is given (``services/plans.PlanView.content``)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from hwtrace.reports.declaration_pdf import grid, landscape_report
from hwtrace.reports.spreadsheet import cell_text
from printer.renderers.pdf import font_name


def _table(rows: list[list[Any]], ncols: int) -> Table:
    first = 0.5 if ncols > 2 else 1.5  # 序号 narrow; A.1's field names wider
    return grid(rows, [first] + [1.0] * (ncols - 1))


def render_pdf(content: dict[str, Any], *, park_name: str, sha256: str, status: str) -> bytes:
    """Return the plan as PDF: a heading, then each table with its standard's number."""
    font = font_name()
    body = ParagraphStyle("b", fontName=font, fontSize=6.5, leading=8)
    head = ParagraphStyle("h", fontName=font, fontSize=13, leading=17)
    sub = ParagraphStyle("s2", fontName=font, fontSize=10, leading=13)
    small = ParagraphStyle("s", fontName=font, fontSize=8, leading=10)
    ent = content["enterprise"]
    story: list[Any] = [
        Paragraph(escape(f"{content['year']} 年度危险废物管理计划"), head),
        Paragraph(
            escape(
                f"单位：{ent['name']}（{ent['uscc']}）　依据：{content['standard']} 附录 A　"
                f"园区：{park_name}　{status}"
            ),
            small,
        ),
    ]
    for tid, table in content["tables"].items():
        story += [Spacer(1, 4 * mm), Paragraph(escape(f"表 {tid} {table['title']}"), sub)]
        rows = [[Paragraph(escape(cell_text(h)), body) for h in table["headers"]]]
        rows += [[Paragraph(escape(cell_text(v)), body) for v in r] for r in table["rows"]]
        if not table["rows"]:
            rows.append([Paragraph("无", body)] + [""] * (len(table["headers"]) - 1))
        story.append(_table(rows, len(table["headers"])))
    return landscape_report(
        story, title=f"HJ 1259 A {content['year']} {ent['uscc']}", sha256=sha256, font=font
    )


def render_xlsx(content: dict[str, Any]) -> bytes:
    """Return the plan as a workbook: one sheet per table (A.1 … A.7), header row bold and
    frozen, text always text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = True
    for tid, table in content["tables"].items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = f"{tid} {table['title']}"[:31].replace("/", "_")
        ws.append(list(table["headers"]))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(table["rows"], start=2):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c)
                cell.value = cell_text(value)
                cell.data_type = "s"
        for c, h in enumerate(table["headers"], start=1):
            ws.column_dimensions[_col(c)].width = min(max(len(h) * 2 + 2, 8), 40)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(n))
