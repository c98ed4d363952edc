"""A declaration report (HJ 1259-2022 appendix C: C.1 monthly, C.2 quarterly, C.3 yearly) as an
A4 landscape PDF with the CJK font embedded, its content's SHA-256 in the footer."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hwtrace.reports.spreadsheet import cell_text
from printer.renderers.pdf import font_name

TITLES = {"C.1": "危险废物月度申报表", "C.2": "危险废物季度申报表", "C.3": "危险废物年度申报表"}
# relative widths of the 23 columns of appendix C
_WIDTHS = [0.6, 2, 2.4, 1, 1.5, 1.4, 0.9, 0.9, 1.3, 0.6, 1, 1.3, 0.6, 1.1, 2.2, 2, 1, 1.3, 0.6,
           1.3, 0.6, 1.3, 0.6]  # fmt: skip


def render(content: dict[str, Any], *, park_name: str, sha256: str, status: str) -> bytes:
    """Return the PDF of a report's content (``services.declarations.Report.content``)."""
    font = font_name()
    body = ParagraphStyle("b", fontName=font, fontSize=5.6, leading=7)
    head = ParagraphStyle("h", fontName=font, fontSize=13, leading=17)
    small = ParagraphStyle("s", fontName=font, fontSize=8, leading=10)
    ent = content["enterprise"]
    story: list[Any] = [
        Paragraph(escape(f"{TITLES.get(content['table'], '')}（{content['table']}）"), head),
        Paragraph(
            escape(
                f"单位：{ent['name']}（{ent['uscc']}）　申报期：{content['period']}　"
                f"依据：{content['standard']} 附录 C　计量单位：吨　园区：{park_name}　{status}"
            ),
            small,
        ),
        Spacer(1, 3 * mm),
    ]
    story.append(content_table(content, body, _WIDTHS, "本期无危险废物产生、利用处置、转移或贮存"))
    return landscape_report(
        story,
        title=f"{content['table']} {content['period']} {ent['uscc']}",
        sha256=sha256,
        font=font,
    )


def grid(rows: list[list[Any]], widths: list[float]) -> Table:
    """A table across a landscape A4 page within its 8 mm margins: columns in proportion to
    ``widths``, a thin grid, the header row shaded and repeated on every page."""
    total = sum(widths)
    width = landscape(A4)[0] - 16 * mm
    table = Table(rows, colWidths=[width * w / total for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def content_table(
    content: dict[str, Any], body: ParagraphStyle, widths: list[float], empty: str
) -> Table:
    """A report's ``headers`` and ``rows`` as a grid; with no rows, one row saying ``empty``."""
    rows: list[list[Any]] = [[Paragraph(escape(cell_text(h)), body) for h in content["headers"]]]
    rows += [[Paragraph(escape(cell_text(v)), body) for v in r] for r in content["rows"]]
    if not content["rows"]:
        rows.append([Paragraph(escape(empty), body)] + [""] * (len(widths) - 1))
    return grid(rows, widths)


def landscape_report(story: list[Any], *, title: str, sha256: str, font: str) -> bytes:
    """Build a landscape A4 report from ``story``, each page's footer carrying the content's
    SHA-256 and the page number (the declaration and the management plan)."""
    out = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont(font, 6.5)
        canvas.drawString(8 * mm, 6 * mm, f"SHA-256 {sha256}")
        canvas.drawRightString(landscape(A4)[0] - 8 * mm, 6 * mm, f"{doc.page}")

    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=8 * mm,
        bottomMargin=12 * mm,
        title=title,
        invariant=True,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
