"""HJ 1259-2022 declarations (申报): the management classes, which reports each class declares and
their deadlines (§7.2), and the report of appendix C (C.1 monthly, C.2 quarterly, C.3 yearly)
computed from the movements of an enterprise's waste.

Deadlines (HJ 1259-2022 §7.2):

=======================  =====================  =============================================
management class         declares               deadline
=======================  =====================  =============================================
重点监管 (key)            monthly and yearly     the 15th of the next month; 31 March
简化管理 (simplified)     quarterly and yearly   the 15th of the quarter's next month; 31 March
登记管理 (registered)     yearly                 31 March of the next year
=======================  =====================  =============================================

The report's arithmetic (hwtrace's reading of appendix C, docs/standards.md "Declarations"):
every change of what a producer holds is one of the report's columns, so for each waste code
``closing = opening + generated - in-house utilized/disposed - handed to others`` holds exactly.

- *generated* (产生量): a batch registered in the period; a weight correction adds its
  difference; a voided batch takes its weight back (it was never waste produced);
- *in-house utilized/disposed* (自行利用/处置量): the producer's own utilize/dispose events;
- *handed to others* (委托外单位利用/处置量): a batch loaded onto the transporter's vehicle (it
  leaves the producer), per receiver, its province, its permit number and the method (the
  receiver's final method when known by the end of the period, else the manifest's planned
  method); a batch wholly rejected at receipt comes back and is taken off again;
- *stock* (剩余贮存量): what the producer holds at the end of the previous period and of this
  one (registered and not yet handed over, utilized, disposed or voided).

Quantities are in tonnes (§5.5.5 d), to six decimals (grams).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hwtrace.domain.errors import BadValue


class ManagementClass(StrEnum):
    """An enterprise's HJ 1259 management class (管理类别)."""

    KEY = "key"  # 危险废物环境重点监管单位
    SIMPLIFIED = "simplified"  # 危险废物简化管理单位
    REGISTERED = "registered"  # 危险废物登记管理单位


CLASS_ZH = {
    ManagementClass.KEY: "危险废物环境重点监管单位",
    ManagementClass.SIMPLIFIED: "危险废物简化管理单位",
    ManagementClass.REGISTERED: "危险废物登记管理单位",
}
CLASS_EN = {
    ManagementClass.KEY: "key supervision",
    ManagementClass.SIMPLIFIED: "simplified management",
    ManagementClass.REGISTERED: "registration management",
}


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


# Which reports each class declares (HJ 1259-2022 §7.2).
DECLARES = {
    ManagementClass.KEY: (PeriodKind.MONTH, PeriodKind.YEAR),
    ManagementClass.SIMPLIFIED: (PeriodKind.QUARTER, PeriodKind.YEAR),
    ManagementClass.REGISTERED: (PeriodKind.YEAR,),
}
TABLE = {PeriodKind.MONTH: "C.1", PeriodKind.QUARTER: "C.2", PeriodKind.YEAR: "C.3"}
REMIND_DAYS = 7  # the to-do list reminds this many days before a deadline


@dataclass(frozen=True, order=True)
class Period:
    """A declaration period: a month (n = 1..12), a quarter (n = 1..4) or a year (n = 0)."""

    year: int
    kind: PeriodKind
    n: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2026-03`` (month), ``2026-Q1`` (quarter) or ``2026`` (year)."""
        t = text.strip().upper()
        try:
            if len(t) == 4:
                p = cls(int(t), PeriodKind.YEAR)
            elif len(t) == 7 and t[4:6] == "-Q":
                p = cls(int(t[:4]), PeriodKind.QUARTER, int(t[6]))
            elif len(t) == 7 and t[4] == "-":
                p = cls(int(t[:4]), PeriodKind.MONTH, int(t[5:]))
            else:
                raise ValueError(t)
        except ValueError:
            raise BadValue(
                zh="申报期应为 2026-03（月）、2026-Q1（季）或 2026（年）",
                en="a period is 2026-03 (month), 2026-Q1 (quarter) or 2026 (year)",
                code="declaration.invalid_period",
            ) from None
        limit = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 0}[p.kind]
        if not 2000 <= p.year <= 2999 or not (1 <= p.n <= limit or limit == p.n == 0):
            raise BadValue(
                zh="申报期超出范围",
                en="the period is out of range",
                code="declaration.invalid_period",
            )
        return p

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}-{self.n:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.n}"
        return f"{self.year}"

    @property
    def label_zh(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}年{self.n}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}年第{self.n}季度"
        return f"{self.year}年度"

    @property
    def first_day(self) -> dt.date:
        if self.kind is PeriodKind.MONTH:
            return dt.date(self.year, self.n, 1)
        if self.kind is PeriodKind.QUARTER:
            return dt.date(self.year, 3 * self.n - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def next_day(self) -> dt.date:
        """The first day after the period."""
        if self.kind is PeriodKind.YEAR or (self.kind is PeriodKind.MONTH and self.n == 12):
            return dt.date(self.year + 1, 1, 1)
        if self.kind is PeriodKind.QUARTER:
            return (
                dt.date(self.year + 1, 1, 1)
                if self.n == 4
                else dt.date(self.year, 3 * self.n + 1, 1)
            )
        return dt.date(self.year, self.n + 1, 1)

    @property
    def deadline(self) -> dt.date:
        """The last day to declare (HJ 1259-2022 §7.2): the 15th of the month after a month or
        a quarter, 31 March after a year."""
        if self.kind is PeriodKind.YEAR:
            return dt.date(self.year + 1, 3, 31)
        nxt = self.next_day
        return dt.date(nxt.year, nxt.month, 15)

    def previous(self) -> Period:
        if self.kind is PeriodKind.YEAR:
            return Period(self.year - 1, self.kind)
        if self.n > 1:
            return Period(self.year, self.kind, self.n - 1)
        return Period(self.year - 1, self.kind, 12 if self.kind is PeriodKind.MONTH else 4)


def periods_of(kind: PeriodKind, year: int) -> list[Period]:
    """Return the periods of ``kind`` in ``year``."""
    count = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 0}[kind]
    if count == 0:
        return [Period(year, kind)]
    return [Period(year, kind, n) for n in range(1, count + 1)]


def due(cls: ManagementClass, today: dt.date, *, since: dt.date) -> list[Period]:
    """Return the periods ``cls`` must declare that have ended by ``today`` and began on or
    after ``since`` (the day the enterprise's class was set), oldest first."""
    out: list[Period] = []
    for kind in DECLARES[cls]:
        for year in range(since.year - 1, today.year + 1):
            for p in periods_of(kind, year):
                if p.next_day <= today and p.first_day >= _start_of(kind, since):
                    out.append(p)
    return sorted(out, key=lambda p: (p.deadline, p.kind.value))


def _start_of(kind: PeriodKind, day: dt.date) -> dt.date:
    if kind is PeriodKind.YEAR:
        return dt.date(day.year, 1, 1)
    if kind is PeriodKind.QUARTER:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, day.month, 1)


def late(period: Period, submitted_on: dt.date | None, today: dt.date) -> bool:
    """A declaration is late when it was not submitted by its deadline."""
    if submitted_on is not None:
        return submitted_on > period.deadline
    return today > period.deadline


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One change of what a producer holds, in grams, at a time: ``kind`` is ``generated``,
    ``self`` (in-house utilized/disposed, with the method) or ``out`` (handed to a receiver,
    with the receiver's key, i.e. its USCC and the method)."""

    at: dt.datetime
    waste_code: str
    kind: str
    grams: int
    method: str = ""
    receiver: str = ""


@dataclass
class WasteRow:
    """One waste code of a report (appendix C), in grams."""

    waste_code: str
    opening_g: int = 0
    generated_g: int = 0
    self_g: dict[str, int] = field(default_factory=dict)  # method -> grams
    out_g: dict[tuple[str, str], int] = field(default_factory=dict)  # (receiver, method)
    closing_g: int = 0

    def balanced(self) -> bool:
        return self.closing_g == (
            self.opening_g + self.generated_g - sum(self.self_g.values()) - sum(self.out_g.values())
        )


def report_rows(moves: list[Move], start: dt.datetime, stop: dt.datetime) -> list[WasteRow]:
    """Return one row per waste code for the period [start, stop): stock before it, what was
    generated, utilized/disposed in-house and handed to others in it, and the stock after."""
    rows: dict[str, WasteRow] = {}
    for m in moves:
        if m.at >= stop:
            continue
        row = rows.setdefault(m.waste_code, WasteRow(m.waste_code))
        sign = 1 if m.kind == "generated" else -1
        if m.at < start:
            row.opening_g += sign * m.grams
        elif m.kind == "generated":
            row.generated_g += m.grams
        elif m.kind == "self":
            row.self_g[m.method] = row.self_g.get(m.method, 0) + m.grams
        else:
            key = (m.receiver, m.method)
            row.out_g[key] = row.out_g.get(key, 0) + m.grams
    for row in rows.values():
        row.closing_g = (
            row.opening_g + row.generated_g - sum(row.self_g.values()) - sum(row.out_g.values())
        )
    return [
        r
        for _, r in sorted(rows.items())
        if r.opening_g or r.generated_g or r.self_g or r.out_g or r.closing_g
    ]


def tonnes(grams: int) -> str:
    """Grams as tonnes with six decimals."""
    return str((Decimal(grams) / 1_000_000).quantize(Decimal("0.000001")))


# Provinces by the first two digits of the administrative division code (GB/T 2260), which a
# USCC carries in its characters 3–8 (GB 32100-2015).
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip
PROVINCES_EN = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
    "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi",
    "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan",
    "54": "Tibet", "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia",
    "65": "Xinjiang", "71": "Taiwan", "81": "Hong Kong", "82": "Macao",
}  # fmt: skip


def province_of(uscc: str) -> str:
    """Return the province of an enterprise from its USCC ('' when unknown)."""
    return PROVINCES.get(uscc[2:4], "") if len(uscc) == 18 else ""


C_HEADERS = [
    "序号",
    "危险废物名称（行业俗称/单位内部名称）",
    "危险废物名称（国家危险废物名录名称）",
    "危险废物类别",
    "危险废物代码",
    "有害成分名称",
    "形态",
    "危险特性",
    "产生量",
    "计量单位",
    "自行利用/处置方式",
    "自行利用/处置量",
    "计量单位",
    "委托外单位利用/处置：省（区、市）",
    "单位名称",
    "危险废物经营许可证编号/利用处置环节豁免管理单位编号/出口核准通知单编号",
    "利用/处置方式",
    "利用/处置量",
    "计量单位",
    "{prev}剩余贮存量",
    "计量单位",
    "{this}剩余贮存量",
    "计量单位",
]
STOCK_WORDS = {
    PeriodKind.MONTH: ("上月底", "本月底"),
    PeriodKind.QUARTER: ("上季度底", "本季度底"),
    PeriodKind.YEAR: ("上年底", "本年底"),
}


def c_headers(kind: PeriodKind) -> list[str]:
    """The headers of table C.1/C.2/C.3 (appendix C), in the standard's order."""
    prev, this = STOCK_WORDS[kind]
    return [h.format(prev=prev, this=this) for h in C_HEADERS]


def c_rows(
    rows: list[WasteRow],
    waste: dict[str, dict[str, Any]],
    receivers: dict[str, tuple[str, str]],
) -> list[list[str]]:
    """Return the table rows: one per waste code, with one extra row per further method or
    receiver (their waste columns repeated, their quantities only once).

    ``waste`` maps a code to its names and properties; ``receivers`` a USCC to (name, permit).
    """
    out: list[list[str]] = []
    for r in rows:
        w = waste.get(r.waste_code, {})
        base = [
            w.get("name", ""),
            w.get("catalogue_name", ""),
            w.get("category", ""),
            r.waste_code,
            w.get("harmful", ""),
            w.get("form", ""),
            w.get("hazards", ""),
        ]
        selfs = sorted(r.self_g.items())
        outs = sorted(r.out_g.items())
        for i in range(max(1, len(selfs), len(outs))):
            first = i == 0
            s_m, s_g = selfs[i] if i < len(selfs) else ("", None)
            (rcv, o_m), o_g = outs[i] if i < len(outs) else (("", ""), None)
            name, permit = receivers.get(rcv, (rcv, "")) if rcv else ("", "")
            out.append(
                [
                    str(len(out) + 1),
                    *base,
                    tonnes(r.generated_g) if first else "",
                    "t" if first else "",
                    s_m,
                    tonnes(s_g) if s_g is not None else "",
                    "t" if s_g is not None else "",
                    province_of(rcv) if rcv else "",
                    name,
                    permit,
                    o_m,
                    tonnes(o_g) if o_g is not None else "",
                    "t" if o_g is not None else "",
                    tonnes(r.opening_g) if first else "",
                    "t" if first else "",
                    tonnes(r.closing_g) if first else "",
                    "t" if first else "",
                ]
            )
    return out


def _g(kg: Any) -> int:
    return int(Decimal(str(kg)) * 1000) if kg not in (None, "") else 0


@dataclass
class _Held:
    waste_code: str
    grams: int
    out: tuple[str, str] | None = None  # (receiver, method) while handed over


class _Walk:
    """The producer's batches as its entries move them."""

    def __init__(self, uscc: str) -> None:
        self.uscc = uscc
        self.held: dict[str, _Held] = {}
        self.planned: dict[str, tuple[str, str]] = {}  # manifest -> (receiver, method)
        self.moves: list[Move] = []

    def entry(self, f: dict[str, Any]) -> None:
        kind, p = f["type"], f["payload"]
        if kind == "manifest.create" and p.get("producer") == self.uscc:
            self.planned[f["subject"]] = (p.get("receiver") or "", p.get("planned_method") or "")
        elif kind == "batch.register" and f["enterprise"] == self.uscc:
            lot = self.held[f["subject"]] = _Held(p.get("waste_code", ""), _g(p.get("weight_kg")))
            self.moves.append(Move(f["time"], lot.waste_code, "generated", lot.grams))
        elif kind.startswith("batch.") and f["subject"] in self.held:
            handler = getattr(self, "_" + kind.removeprefix("batch."), None)
            if handler is not None:
                handler(f, self.held[f["subject"]], p, f["time"])

    def _correct(self, f: dict[str, Any], lot: _Held, p: dict[str, Any], at: dt.datetime) -> None:
        change = (p.get("changes") or {}).get("weight_kg")
        if isinstance(change, dict) and change.get("new"):
            delta = _g(change["new"]) - lot.grams
            lot.grams += delta
            if delta and lot.out is None:
                self.moves.append(Move(at, lot.waste_code, "generated", delta))

    def _void(self, f: dict[str, Any], lot: _Held, p: dict[str, Any], at: dt.datetime) -> None:
        self.moves.append(Move(at, lot.waste_code, "generated", -lot.grams))
        del self.held[f["subject"]]

    def _utilize(self, f: dict[str, Any], lot: _Held, p: dict[str, Any], at: dt.datetime) -> None:
        if f["enterprise"] != self.uscc or lot.out is not None:
            return  # the receiver's final step: declared by the receiver
        method = p.get("method")
        code = method.get("code", "") if isinstance(method, dict) else str(method or "")
        self.moves.append(Move(at, lot.waste_code, "self", lot.grams, method=code))
        del self.held[f["subject"]]

    _dispose = _utilize

    def _load(self, f: dict[str, Any], lot: _Held, p: dict[str, Any], at: dt.datetime) -> None:
        if lot.out is None:
            lot.out = self.planned.get(p.get("manifest", ""), ("", ""))
            receiver, method = lot.out
            self.moves.append(Move(at, lot.waste_code, "out", lot.grams, method, receiver))

    def _decide(self, f: dict[str, Any], lot: _Held, p: dict[str, Any], at: dt.datetime) -> None:
        # 第十八条第二款: a batch refused and returned after receipt comes back like a rejection
        if p.get("to") == "REJECTED":
            self._reject(f, lot, p, at)

    def _reject(self, f: dict[str, Any], lot: _Held, p: dict[str, Any], at: dt.datetime) -> None:
        if lot.out is not None:
            receiver, method = lot.out
            self.moves.append(Move(at, lot.waste_code, "out", -lot.grams, method, receiver))
            lot.out = None


def moves_from_entries(uscc: str, entries: Iterable[dict[str, Any]]) -> list[Move]:
    """Return the moves of the producer ``uscc``'s waste from ledger entries in ledger order
    (each a dict with ``type``, ``subject``, ``enterprise``, ``payload`` and ``time``: the
    device time when there is one, else the server's)."""
    walk = _Walk(uscc)
    for f in entries:
        walk.entry(f)
    return walk.moves
