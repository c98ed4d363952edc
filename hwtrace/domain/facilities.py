"""Facilities and their codes (设施编码): storage rooms, the zones inside them, and utilization
and disposal facilities, each with a code that its sign, its QR code and the HJ 1259 records
carry.

Codes follow the pattern of the fixed-pollution-source coding rule for treatment facilities
(固定污染源（水、大气）编码规则（试行）: "T", the environment element "S" for solid waste, a
three-digit sequence), numbered per enterprise: ``TS001``, ``TS002`` …; a zone adds a two-digit
number to its room's code: ``TS001-01``. The enterprise's USCC makes a code unique in the
country. That this is the code HJ 1276 / HJ 1259 expect is to be confirmed (docs/standards.md).

A facility sign's QR code holds the URL of the facility's page, ``<base>/f/<USCC>/<code>``;
``parse_reference`` also accepts the text form ``HWF1|<USCC>|<code>`` for signs printed without
a public address.
"""

from __future__ import annotations

import re
from enum import StrEnum


class FacilityKind(StrEnum):
    """What a facility is."""

    STORAGE = "storage"  # 贮存设施: a storage room
    ZONE = "zone"  # 贮存分区: a zone inside a storage room
    UTILIZATION = "utilization"  # 利用设施
    DISPOSAL = "disposal"  # 处置设施


KIND_ZH = {
    FacilityKind.STORAGE: "贮存设施",
    FacilityKind.ZONE: "贮存分区",
    FacilityKind.UTILIZATION: "利用设施",
    FacilityKind.DISPOSAL: "处置设施",
}

PREFIX = "TS"
CODE_RE = re.compile(r"^TS[0-9]{3}(-[0-9]{2})?\Z")
_URL_RE = re.compile(r"/f/([0-9A-Z]{18})/(TS[0-9]{3}(?:-[0-9]{2})?)/?\Z")
TEXT_PREFIX = "HWF1"


def next_code(existing: list[str]) -> str:
    """The next facility code of an enterprise (zones do not count)."""
    used = [int(c[2:5]) for c in existing if CODE_RE.match(c) and "-" not in c]
    n = max(used, default=0) + 1
    if n > 999:
        raise ValueError("an enterprise has at most 999 facilities")
    return f"{PREFIX}{n:03d}"


def next_zone_code(room_code: str, existing: list[str]) -> str:
    """The next zone code inside a room (``TS001-01``, ``TS001-02`` …)."""
    used = [int(c[-2:]) for c in existing if c.startswith(room_code + "-") and CODE_RE.match(c)]
    n = max(used, default=0) + 1
    if n > 99:
        raise ValueError("a room has at most 99 zones")
    return f"{room_code}-{n:02d}"


def reference_url(base: str, uscc: str, code: str) -> str:
    """The URL a facility sign's QR code opens."""
    return f"{base.rstrip('/')}/f/{uscc}/{code}"


def reference_text(uscc: str, code: str) -> str:
    """The text form of a facility reference (for signs printed without a public address)."""
    return f"{TEXT_PREFIX}|{uscc}|{code}"


def parse_reference(text: str) -> tuple[str, str] | None:
    """(USCC, code) of a scanned facility sign, or None if the text is not one."""
    raw = text.strip()
    if raw.upper().startswith(TEXT_PREFIX + "|"):
        parts = raw.split("|")
        if len(parts) == 3 and len(parts[1]) == 18 and CODE_RE.match(parts[2].upper()):
            return parts[1].upper(), parts[2].upper()
        return None
    m = _URL_RE.search(raw.split("?", 1)[0].split("#", 1)[0])
    return (m.group(1), m.group(2)) if m else None
