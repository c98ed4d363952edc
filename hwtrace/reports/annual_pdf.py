"""The annual HJ 1259-2022 ledger record tables of one enterprise as an A4 landscape PDF, the CJK
font embedded; identification codes and manifest numbers are never wrapped."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from hwtrace.domain.annual_records import SECTIONS
from hwtrace.domain.times import local_text
from hwtrace.reports.spreadsheet import cell_text
from printer.renderers.pdf import font_name

if TYPE_CHECKING:
    from hwtrace.services.exports import AnnualLedger


# Relative column widths per table. "C" (identification code) and "N" (manifest number) columns
# are fitted to their text and never wrapped, so a code can be read, searched and copied whole.
_WIDTHS: dict[str, list[float | str]] = {
    "generation": [1, "C", 2.2, 2.6, 1.1, 1.7, 1.5, 0.9, 1.5, 1.1, 2, 3],
    "store_in": [1, "C", 2.2, 2.6, 1.7, 1.5, 0.9, 1.5, 1.1, 2.4, 2],
    "store_out": [1, "C", 2.2, 2.4, 1.7, 1.5, 0.9, 1.1, 2, 3, "N", 2],
    "self_disposal": [1, "C", 2.2, 2.6, 1.7, 1.5, 0.9, 1.1, 4, 2],
    "transfer": [0.8, "N", "C", 2, 2, 1.7, 1.4, 0.9, 1.4, 3, 2.6, 2, 2.6, 1.4, 1.8],
    "summary": [1.5, 3, 2, 2, 2, 2, 2],
}


_FIT_MIN = {"C": "9" * 38, "N": "DEMO-20250101-00001"}


def _fitted_widths(report: AnnualLedger, font: str, size: float) -> dict[str, float]:
    """Return the width of each fitted column kind: its longest text, the same in every table."""
    texts: dict[str, list[str]] = {kind: [sample] for kind, sample in _FIT_MIN.items()}
    for key, (_, rows) in report.tables.items():
        for i, w in enumerate(_WIDTHS[key]):
            if isinstance(w, str):
                texts[w] += [str(row[i]) for row in rows]
    return {kind: max(stringWidth(t, font, size) for t in ts) + 6 for kind, ts in texts.items()}


PAGE = landscape(A4)
MARGIN = 12 * mm
CELL_SIZE = 6.5


@dataclass(frozen=True)
class _Styles:
    font: str
    cell: ParagraphStyle
    head: ParagraphStyle
    title: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle


def _styles(font: str) -> _Styles:
    size = CELL_SIZE
    cell = ParagraphStyle("cell", fontName=font, fontSize=size, leading=size * 1.25, wordWrap="CJK")
    return _Styles(
        font=font,
        cell=cell,
        head=ParagraphStyle("head", parent=cell, textColor=colors.black),
        title=ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1),
        h2=ParagraphStyle(
            "h2",
            fontName=font,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=4,
        ),
        body=ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12),
    )


def _front(report: AnnualLedger, park_name: str, st: _Styles) -> list[Any]:
    """The title and the paragraphs above the tables."""
    ent = report.enterprise
    generated = local_text(report.generated_at, report.tz)
    return [
        Paragraph(escape(f"危险废物管理台账 {report.year} 年度记录表"), st.title),
        Spacer(1, 4 * mm),
        Paragraph(escape(f"单位名称：{ent.name}　　统一社会信用代码：{ent.uscc}"), st.body),
        Paragraph(
            escape(
                f"园区：{park_name}　　记录期间：{report.year}-01-01 至 {report.year}-12-31"
                f"（{report.zone_label}）　　计量单位：千克（kg）"
            ),
            st.body,
        ),
        Paragraph(
            escape(
                f"依据：HJ 1259-2022《危险废物管理计划和管理台账制定技术导则》的产生、入库、"
                f"出库、自行利用/处置、委外利用/处置环节记录。数据取自防篡改台账（签名检查点："
                f"树大小 {report.tree_size}，根哈希 {report.root_hash[:16]}…），可用 "
                "hwtrace ledger verify --bundle 离线核验。"
            ),
            st.body,
        ),
        Paragraph(escape(f"生成时间：{generated}（{report.zone_label}）"), st.body),
    ]


def _table(report: AnnualLedger, key: str, fitted: dict[str, float], st: _Styles) -> Table:
    """One section's table: fitted code columns, the others sharing what is left."""
    headers, rows = report.tables[key]
    weights = _WIDTHS[key]
    rest = PAGE[0] - 2 * MARGIN - sum(fitted[w] for w in weights if isinstance(w, str))
    total = sum(w for w in weights if not isinstance(w, str))
    widths = [fitted[w] if isinstance(w, str) else rest * w / total for w in weights]
    data: list[list[Any]] = [[Paragraph(escape(h), st.head) for h in headers]]
    for row in rows:
        data.append(
            [
                str(v) if isinstance(weights[i], str) else Paragraph(escape(cell_text(v)), st.cell)
                for i, v in enumerate(row)
            ]
        )
    style = [
        ("FONT", (0, 0), (-1, -1), st.font, CELL_SIZE),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if not rows:
        data.append([Paragraph("本年度无记录", st.cell)] + [""] * (len(headers) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def render(report: AnnualLedger, *, park_name: str) -> bytes:
    """Render the record tables as an A4 landscape PDF with the CJK font embedded."""
    st = _styles(font_name())
    fitted = _fitted_widths(report, st.font, CELL_SIZE)
    ent = report.enterprise
    story = _front(report, park_name, st)
    for key, heading in SECTIONS:
        # A heading stays with the start of its table (a new page only when less than 30 mm
        # are left); the table then splits across pages with its header repeated. Keeping the
        # heading with the whole table moved a long first table to page 2, leaving page 1
        # with the title only.
        story += [
            CondPageBreak(30 * mm),
            Paragraph(escape(heading), st.h2),
            _table(report, key, fitted, st),
        ]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(
            "台账记录负责人（签字）：＿＿＿＿＿＿　　审核人（签字）：＿＿＿＿＿＿　　"
            "日期：＿＿＿＿年＿＿月＿＿日",
            st.body,
        ),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(st.font, 7)
        canvas.drawString(
            MARGIN, 7 * mm, f"{ent.name}（{ent.uscc}）{report.year} 年度危险废物管理台账"
        )
        canvas.drawRightString(PAGE[0] - MARGIN, 7 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{ent.name} {report.year} 年度危险废物管理台账",
        author="hwtrace",
        initialFontName=st.font,
        initialFontSize=10,
        pageCompression=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
