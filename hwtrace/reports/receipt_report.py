"""The receipt mismatch report to the receiving place's environment authority
(《危险废物转移管理办法》第十八条第二款) as an A4 landscape PDF with its content's SHA-256 in the
footer, and as a table (CSV or XLSX) like the other exports. Renders
``services.receipts.ReceiptReport.content``; no queries."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from hwtrace.reports.declaration_pdf import content_table, landscape_report
from hwtrace.reports.spreadsheet import to_csv, to_xlsx
from printer.renderers.pdf import font_name

_WIDTHS = [2.6, 1.3, 1.6, 1.1, 1.1, 1.4, 3, 1.5, 1.3, 1.1, 2.2, 1.5, 1]


def _party_line(content: dict[str, Any]) -> str:
    p = content["parties"]
    return (
        f"移出人：{p['producer']['name']}（{p['producer']['uscc']}）　"
        f"承运人：{p['transporter']['name']}（{p['transporter']['uscc']}）"
        f" 车牌 {content['vehicle_plate']}　"
        f"接受人：{p['receiver']['name']}（{p['receiver']['uscc']}）"
        f" 经营许可证 {content['operating_permit']}"
    )


def render_pdf(content: dict[str, Any], *, park_name: str, sha256: str) -> bytes:
    """Return the report as a PDF."""
    font = font_name()
    body = ParagraphStyle("b", fontName=font, fontSize=6.5, leading=8)
    head = ParagraphStyle("h", fontName=font, fontSize=13, leading=17)
    small = ParagraphStyle("s", fontName=font, fontSize=8, leading=10)
    zone = content["zone"]
    story: list[Any] = [
        Paragraph(escape(content["title"]), head),
        Paragraph(
            escape(
                f"转移联单：{content['manifest']}　园区：{park_name}　"
                f"依据：{content['article']}；核对依据：{content['check_article']}"
            ),
            small,
        ),
        Paragraph(escape(_party_line(content)), small),
        Paragraph(
            escape(
                f"启运时间：{content['departed_at'] or '—'}（{zone}）　"
                f"接收确认时间：{content['received_at'] or '未确认'}（{zone}）　"
                f"表中时间均为{zone}　计量单位：千克"
            ),
            small,
        ),
        Spacer(1, 3 * mm),
    ]
    table = content_table(content, body, _WIDTHS, "本联单接收时未发现与联单不符的情况")
    story += [
        table,
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                "接受人已及时告知移出人，并就是否接收作出上述决定；"
                f"特此向接受地生态环境主管部门报告（{content['article']}）。"
            ),
            small,
        ),
    ]
    return landscape_report(
        story, title=f"接收核对不符报告 {content['manifest']}", sha256=sha256, font=font
    )


def table_rows(content: dict[str, Any], sha256: str) -> tuple[list[str], list[list[Any]]]:
    """Return the export's headers and rows: one row per batch with the manifest's number and
    parties in front, the times' zone in the header, the content's SHA-256 last."""
    zone = content["zone"]
    p = content["parties"]
    headers = [
        "联单编号",
        "移出人",
        "承运人",
        "接受人",
        *[f"{h}（{zone}）" if "时间" in h else h for h in content["headers"]],
        "依据",
        "SHA-256",
    ]
    front = [
        content["manifest"],
        p["producer"]["name"],
        p["transporter"]["name"],
        p["receiver"]["name"],
    ]
    rows = [[*front, *r, content["article"], sha256] for r in content["rows"]]
    return headers, rows


def render_table(content: dict[str, Any], *, sha256: str, fmt: str) -> bytes:
    """Return the report as CSV (UTF-8 with BOM) or XLSX."""
    headers, rows = table_rows(content, sha256)
    if fmt == "xlsx":
        return to_xlsx(headers, rows, f"接收核对不符 {content['manifest']}")
    return to_csv(headers, rows)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(content: dict[str, Any], *, sha256: str, fmt: str, park_name: str) -> bytes:
    """Return the report in ``fmt`` (a key of ``CONTENT_TYPES``)."""
    if fmt == "pdf":
        return render_pdf(content, park_name=park_name, sha256=sha256)
    return render_table(content, sha256=sha256, fmt=fmt)
