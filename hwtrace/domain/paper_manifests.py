"""Emergency paper manifests (《危险废物转移管理办法》第二十条): when a transfer ran on a paper
manifest for special reasons, the electronic manifest is entered within 10 working days after
the transfer. hwtrace takes the entry whenever it is made, marks the manifest "paper" in the
ledger and on its pages, and warns when it was entered after the deadline.

Plain rules, no database: what an entry must carry (the paper's number, the day of the
transfer, why it ran on paper, the scan), when it was due, and whether it is late. The
deadline is counted on the park's working-day calendar (``domain/workdays.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hwtrace.domain.errors import BadValue
from hwtrace.domain.workdays import PAPER_ENTRY_WORKING_DAYS

ARTICLE_ZH = "《危险废物转移管理办法》第二十条"
ARTICLE_EN = "Measures for the Administration of Hazardous Waste Transfer, art. 20"
WORKING_DAYS = PAPER_ENTRY_WORKING_DAYS
SCAN_TYPES = ("application/pdf", "image/png", "image/jpeg")
MAX_SCAN_BYTES = 8 * 1024 * 1024
MAX_REASON = 500
# The paper's printed number: letters, digits and hyphens (the national form's number is
# 14 digits, 第十五条; older or provincial forms differ, so only the characters are checked).
_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,39}")
# The paper gives the day, not the hour: its entries are dated at noon, park time.
TRANSFER_HOUR = 12


@dataclass(frozen=True)
class Scan:
    """The paper manifest's scan as uploaded."""

    name: str
    mimetype: str
    data: bytes


def check_entry(number: str, transferred_on: dt.date, today: dt.date, reason: str) -> str:
    """Return the paper's number normalized; refuse a malformed number, a transfer day in the
    future, or no reason for running on paper."""
    text = number.strip().upper()
    if not _NUMBER.fullmatch(text):
        raise BadValue(
            zh="请填写纸质联单编号（字母、数字或连字符，最多 40 位）",
            en="give the paper manifest's number (letters, digits or hyphens, up to 40)",
            code="paper.number",
        )
    if transferred_on > today:
        raise BadValue(
            zh="转移日期不能晚于今天",
            en="the transfer day cannot be in the future",
            code="paper.transfer_day",
        )
    if not reason.strip() or len(reason.strip()) > MAX_REASON:
        raise BadValue(
            zh=f"请说明使用纸质联单的原因（不超过 {MAX_REASON} 字）",
            en=f"say why the transfer ran on paper (at most {MAX_REASON} characters)",
            code="paper.reason",
        )
    return text


def check_scan(scan: Scan) -> None:
    """Refuse a missing, too large or unaccepted scan of the paper manifest."""
    if not scan.data:
        raise BadValue(
            zh="请上传纸质联单的扫描件",
            en="the scan of the paper manifest is required",
            code="paper.scan_required",
        )
    if len(scan.data) > MAX_SCAN_BYTES:
        raise BadValue(
            zh="扫描件超过 8 MB", en="the scan is larger than 8 MB", code="paper.scan_too_large"
        )
    if scan.mimetype not in SCAN_TYPES:
        raise BadValue(
            zh="扫描件须为 PDF、PNG 或 JPEG",
            en="the scan must be a PDF, PNG or JPEG",
            code="paper.scan_type",
            detail={"allowed": list(SCAN_TYPES)},
        )


def transfer_instant(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Return the time the paper's transfer is dated at: noon of its day in the park's zone."""
    return dt.datetime(day.year, day.month, day.day, TRANSFER_HOUR, tzinfo=tz)


def is_late(deadline: dt.date, entered_on: dt.date) -> bool:
    """Was the entry made after the last day of the deadline (dates in the park's zone)?"""
    return entered_on > deadline
