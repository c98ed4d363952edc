"""The transfer manifest (危险废物转移联单) as an A4 PDF with its QR code.

The QR code carries ``HWM1|<manifest number>|<lines>|<total kg>`` so a scan at a checkpoint
or at the gate identifies the manifest offline; the CJK font is embedded (printer.renderers.pdf).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.times import zone_label
from hwtrace.domain.transport import MANIFEST_ZH, ManifestStatus
from hwtrace.domain.vocabularies import disposal_methods
from printer.renderers._qr import matrix as qr_matrix
from printer.renderers.pdf import font_name

if TYPE_CHECKING:
    from hwtrace.services.manifests import ManifestView


def qr_payload(view: ManifestView) -> str:
    """Return the manifest QR payload (versioned, self-contained)."""
    total = sum(ln.dispatched_g for ln, _, _ in view.lines)
    return f"HWM1|{view.manifest.number}|{len(view.lines)}|{g_to_kg(total)}"


def _ts(value: dt.datetime | None, timezone: str) -> str:
    """A time as the park reads it, its zone named (北京时间 for China's zones)."""
    if value is None:
        return "—"
    return f"{value.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}（{zone_label(timezone)}）"


# The waste lines' columns: title, width in mm, right-aligned. They add up to the width between
# the margins (A4 210 mm less 15 mm each side); text that would not fit is shortened with "…".
LINE_COLUMNS = (
    ("识别码", 56, False),  # 38 characters, never shortened: set smaller when wide letters need it
    ("废物代码", 15, False),
    ("名称", 28, False),
    ("形态", 10, False),
    ("危险特性", 14, False),
    ("包装/件数", 15, False),
    ("发出(kg)", 21, True),
    ("接收(kg)", 21, True),
)
LINE_FONT_SIZE = 7.0


def size_to_fit(text: str, font: str, size: float, width: float, smallest: float = 5.0) -> float:
    """Return the largest size up to ``size`` (in steps of 0.25 pt, at least ``smallest``) at
    which ``text`` is at most ``width`` points wide: for text that must not be shortened, such as
    an identification code (a USCC with many wide letters, M, W, N, is ~20 % wider than digits)."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def fit(text: str, font: str, size: float, width: float) -> str:
    """Return ``text``, shortened with "…" so it is at most ``width`` points wide."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def method_text(code: str | None) -> str:
    """A utilization/disposal method as its code and name: "D10 焚烧"."""
    if not code:
        return "—"
    known = {m["code"]: m["name"] for m in disposal_methods()}
    return f"{code} {known[code]}" if code in known else code


class _Page:
    """The canvas and the pen: text goes down the page from ``y``."""

    def __init__(self, c: Canvas, font: str) -> None:
        self.c = c
        self.font = font
        self.w, self.h = A4
        self.left = 15 * mm
        self.y = self.h - 20 * mm

    def section(self, title: str, rows: list[tuple[str, str]]) -> None:
        """A numbered section: its title, then one "name：value" line per row."""
        c = self.c
        c.setFont(self.font, 12)
        c.drawString(self.left, self.y, title)
        self.y -= 6 * mm
        c.setFont(self.font, 9.5)
        for k, v in rows:
            c.drawString(self.left + 4 * mm, self.y, f"{k}：{v}")
            self.y -= 5 * mm
        self.y -= 2 * mm

    def lines(self, view: ManifestView) -> None:
        """The waste lines, continued on new pages, and the totals dispatched and received."""
        c, left = self.c, self.left
        c.setFont(self.font, 12)
        c.drawString(left, self.y, "四、废物明细")
        self.y -= 6 * mm
        self.row([title for title, _, _ in LINE_COLUMNS])
        sent, got, received = 0, 0, 0
        for ln, b, p in view.lines:
            if self.y < 25 * mm:
                c.showPage()
                self.y = self.h - 20 * mm
                self.row([title for title, _, _ in LINE_COLUMNS])
            self.row(
                [
                    ln.code,
                    b.waste_code,
                    p.name,
                    p.form,
                    ",".join(p.hazards),
                    f"{b.packaging}/{b.package_count}",
                    g_to_kg(ln.dispatched_g),
                    g_to_kg(ln.received_g) if ln.received_g is not None else "—",
                ]
            )
            sent += ln.dispatched_g
            if ln.received_g is not None:
                got += ln.received_g
                received += 1
        c.setFont(self.font, 9.5)
        total = f"合计 {len(view.lines)} 件：发出 {g_to_kg(sent)} 千克"
        if received:
            total += f"；已接收 {received} 件，接收 {g_to_kg(got)} 千克"
        else:
            total += "；接收 —"
        c.drawString(left, self.y - 2 * mm, total)
        self.y -= 7 * mm

    def row(self, values: list[str]) -> None:
        """One row of the waste lines, every cell inside its column."""
        c, x = self.c, self.left
        c.setFont(self.font, LINE_FONT_SIZE)
        for i, ((_, width, right), v) in enumerate(zip(LINE_COLUMNS, values, strict=True)):
            w = width * mm
            if i == 0:  # the identification code: whole, smaller if it must be
                text = str(v)
                c.setFont(self.font, size_to_fit(text, self.font, LINE_FONT_SIZE, w - 1.5 * mm))
            else:
                text = fit(str(v), self.font, LINE_FONT_SIZE, w - 1.5 * mm)
                c.setFont(self.font, LINE_FONT_SIZE)
            if right:
                c.drawRightString(x + w - 1.5 * mm, self.y, text)
            else:
                c.drawString(x, self.y, text)
            x += w
        self.y -= 4.5 * mm


def _parties(page: _Page, view: ManifestView, timezone: str) -> None:
    """The three parties, each confirming its part."""
    m = view.manifest
    page.section(
        "一、移出人（产生单位）",
        [
            ("单位名称", view.producer.name),
            ("统一社会信用代码", view.producer.uscc),
            ("联系人 / 电话", f"{view.producer.contact_name} / {view.producer.contact_phone}"),
            ("确认时间", _ts(m.created_at, timezone)),
        ],
    )
    page.section(
        "二、承运人（运输单位）",
        [
            ("单位名称", view.transporter.name),
            ("统一社会信用代码", view.transporter.uscc),
            ("道路危险货物运输许可证", m.transport_permit or "—"),
            ("车牌号", m.vehicle_plate),
            (
                "驾驶员 / 从业资格证",
                f"{view.driver.display_name or view.driver.username} / {m.driver_licence}",
            ),
            ("启运时间", _ts(m.departed_at, timezone)),
        ],
    )
    page.section(
        "三、接受人（利用处置单位）",
        [
            ("单位名称", view.receiver.name),
            ("统一社会信用代码", view.receiver.uscc),
            ("危险废物经营许可证", m.operating_permit or "—"),
            ("拟利用处置方式", method_text(m.planned_method)),
            ("接收确认时间", _ts(m.received_at, timezone)),
        ],
    )


def render(
    view: ManifestView,
    park_name: str,
    timezone: str = "Asia/Shanghai",
    paper: Mapping[str, Any] | None = None,
) -> bytes:
    """Return the manifest PDF bytes; times in the park's ``timezone`` (an IANA name). A
    manifest entered from an emergency paper manifest (``paper``: its facts, 部令第23号 第二十条)
    says so under its number."""
    m = view.manifest
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"危险废物转移联单 {m.number}")
    page = _Page(c, font_name())
    font, left, y, w, h = page.font, page.left, page.y, page.w, page.h
    c.setFont(font, 18)
    c.drawString(left, y, "危险废物转移联单（电子）")
    c.setFont(font, 10)
    c.drawString(left, y - 8 * mm, f"联单编号：{m.number}")
    c.drawString(
        left, y - 14 * mm, f"状态：{MANIFEST_ZH[ManifestStatus(m.status)]}    园区：{park_name}"
    )
    if paper:
        late = "（逾期补录）" if paper.get("late") else ""
        c.drawString(
            left,
            y - 20 * mm,
            fit(
                f"据纸质联单补录：纸质联单编号 {paper['number']}，"
                f"转移日 {paper['transferred_on']}，应于 {paper['deadline']} 前补录{late}"
                f"（{paper['article']}）",
                font,
                10,
                w - 2 * left - 42 * mm,
            ),
        )
    _qr(c, qr_payload(view), w - 15 * mm - 40 * mm, h - 15 * mm - 40 * mm, 40 * mm)
    page.y -= 30 * mm
    _parties(page, view, timezone)
    page.lines(view)
    c.setFont(font, 7)
    c.drawString(
        left, 12 * mm, f"本联单由 hwtrace 生成；台账序号 {m.last_seq}，可凭签名检查点验证。"
    )
    c.showPage()
    c.save()
    return buf.getvalue()


def _qr(c: Canvas, payload: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(payload)
    n = len(matrix)
    quiet = 4
    cell = size / (n + 2 * quiet)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(
                    x + (col + quiet) * cell,
                    y + size - (r + quiet + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )
