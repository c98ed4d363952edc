"""Signs for storage zones and for storage, utilization and disposal facilities (HJ 1276-2022:
危险废物贮存分区标志; 危险废物贮存、利用、处置设施标志, with the warning symbol of GB 15562.2-1995
as amended in 2023: a withered tree and a fish).

A sign is a landscape plate for an office printer (A4 or A3, PDF or PNG): the warning symbol on
the left, the title and the facility code at the top, the caller's rows (unit, kind, what it
may hold, its limits, who is responsible) down the right, the hazard pictograms of what it
holds, and a QR code that opens the facility's page. The standard's sign figures were not found;
this arrangement and the colours (data: ``sign`` in ``symbols/hj1276.json``) are hwtrace's own
reading, see docs/labels.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from printer.label import HAZARD_WORDS, _printable_ascii
from printer.layout import (
    ESTIMATE,
    QR,
    Box,
    Element,
    Layout,
    Pictogram,
    Text,
    TextModel,
    _cut,
    wrap,
)

SignKind = Literal["storage", "utilization", "disposal", "zone"]
TITLES: dict[str, str] = {
    "storage": "危险废物贮存设施",
    "utilization": "危险废物利用设施",
    "disposal": "危险废物处置设施",
    "zone": "危险废物贮存分区",
}
PAGES: dict[str, tuple[float, float]] = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
MIN_TEXT_MM = 5.0  # smallest row text on an A4 sign (readable at a few metres: confirm)
MAX_LINES = 2  # a row wraps to at most this many lines, then is cut with "…"


@dataclass(frozen=True)
class SignData:
    """What a facility or zone sign shows, formatted by the caller."""

    kind: SignKind
    code: str  # 设施编码
    name: str  # the facility's or zone's name
    rows: tuple[tuple[str, str], ...]  # (label, value), e.g. ("单位名称", "…")
    qr_payload: str  # the URL of the facility's page
    hazards: tuple[str, ...] = ()  # pictograms of what it may hold / holds

    def __post_init__(self) -> None:
        if self.kind not in TITLES:
            raise ValueError(f"unknown sign kind {self.kind!r}; use {', '.join(TITLES)}")
        unknown = [h for h in self.hazards if h not in HAZARD_WORDS]
        if unknown:
            raise ValueError(f"unknown hazard characteristic(s) {unknown}; use T C I R In")
        if not self.qr_payload or not _printable_ascii(self.qr_payload):
            raise ValueError("qr_payload must be non-empty printable ASCII")

    @property
    def title(self) -> str:
        """The sign's title."""
        return TITLES[self.kind]


def layout_sign(sign: SignData, page: str = "A4", model: TextModel = ESTIMATE) -> Layout:
    """Position a sign on a landscape page (A4 or A3)."""
    if page not in PAGES:
        raise ValueError(f"unsupported page {page!r}; use {', '.join(PAGES)}")
    w, h = PAGES[page]
    k = h / 210.0
    els: list[Element] = [Box(0, 0, w, h, role="sign_ground")]
    m, border = 6 * k, 2.5 * k
    els.append(
        Box(m + border / 2, m + border / 2, w - 2 * m - border, h - 2 * m - border, line=border)
    )
    inner0, inner_r, inner_b = m + border, w - m - border, h - m - border
    # Left: the warning symbol and the code under it.
    sym = 78 * k
    sx, sy = inner0 + 6 * k, inner0 + 8 * k
    els.append(Pictogram(sx, sy, sym, "facility"))
    # Title across the top right, then the name.
    tx = sx + sym + 8 * k
    title_h = 17 * k
    els.append(Text(tx, inner0 + 6 * k, title_h, model.prepare(sign.title), "title"))
    name_h = 9 * k
    name = model.prepare(sign.name)
    name_w = inner_r - 6 * k - tx
    name = (
        name
        if model.width(name, name_h) <= name_w
        else _cut(wrap(name, name_w, name_h, model)[0], name_w, name_h, model)
    )
    els.append(Text(tx, inner0 + 6 * k + title_h + 3 * k, name_h, name))
    rule_y = inner0 + 6 * k + title_h + 3 * k + name_h + 3 * k
    els.append(Box(tx, rule_y, inner_r - 6 * k - tx, 0.8 * k))
    # QR bottom right with its caption; the pictograms of what it holds under the symbol.
    qr = 58 * k
    qx, qy = inner_r - 6 * k - qr, inner_b - 6 * k - qr - 7 * k
    els.append(QR(qx, qy, qr, sign.qr_payload))
    cap_h = MIN_TEXT_MM * k
    caption = model.prepare("扫码查看设施信息")
    els.append(
        Text(qx + qr / 2 - model.width(caption, cap_h) / 2, qy + qr + 1.5 * k, cap_h, caption)
    )
    per_row = 3
    pict = (sym - (per_row - 1) * 4 * k) / per_row
    for i, code_ in enumerate(sign.hazards):
        row, col = divmod(i, per_row)
        px = sx + col * (pict + 4 * k)
        py = sy + sym + 8 * k + row * (pict + cap_h + 4 * k)
        els.append(Pictogram(px, py, pict, code_))
        word = model.prepare(HAZARD_WORDS[code_])
        els.append(
            Text(
                px + pict / 2 - model.width(word, cap_h) / 2,
                py + pict + 1 * k,
                cap_h,
                word,
                "hazard",
            )
        )
    # Rows between the rule and the QR, shrinking to MIN_TEXT_MM, then cut.
    top = rule_y + 4 * k
    bottom = qy - 3 * k
    rows = [(model.prepare(a), model.prepare(b)) for a, b in (("设施编码", sign.code), *sign.rows)]
    els += _rows(rows, tx, top, inner_r - 6 * k, bottom, k, model)
    return Layout(w, MIN_TEXT_MM, tuple(els), height=h)


def _rows(
    rows: list[tuple[str, str]],
    x: float,
    top: float,
    right: float,
    bottom: float,
    k: float,
    model: TextModel,
) -> list[Element]:
    width = right - x
    th = 9 * k
    while True:
        out: list[Element] = []
        y = top
        for label, value in rows:
            lines = wrap(f"{label}：{value}"[:2000], width, th, model)
            if len(lines) > MAX_LINES:
                lines = [*lines[: MAX_LINES - 1], _cut(lines[MAX_LINES - 1], width, th, model)]
            for line in lines:
                out.append(Text(x, y, th, line))
                y += th * 1.25
        if y - th * 0.25 <= bottom or th <= MIN_TEXT_MM:
            break
        th = max(MIN_TEXT_MM, th - 0.5 * k)
    kept = [e for e in out if isinstance(e, Text) and e.y + e.height <= bottom + 1e-9]
    if len(kept) < len(out) and kept:  # rows that did not fit: mark the cut
        last = kept[-1]
        kept[-1] = Text(last.x, last.y, last.height, _cut(last.text, width, th, model))
    return list(kept)
