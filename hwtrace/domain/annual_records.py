"""The HJ 1259-2022 ledger record tables of one enterprise for one calendar year, rebuilt from its
ledger entries: generation (产生), storage in (入库) and out (出库), self utilization/disposal
(自行利用/处置), outsourced transfer (委外利用/处置) and the yearly summary per waste code.

``Replay`` walks the entries in ledger order; each entry carries its ``time`` (the device time
when it has one, else the server's). The tables' texts are in Chinese, times in the park's zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hwtrace.domain.errors import HwtraceError
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.times import local_text
from hwtrace.domain.vocabularies import disposal_method

TableData = tuple[list[str], list[list[Any]]]


KG = "kg"


GENERATION_HEADERS = [
    "序号",
    "产生批次编码（识别码）",
    "产生时间",
    "危险废物名称",
    "类别",
    "危险废物代码",
    "产生量",
    "计量单位",
    "容器/包装类型",
    "容器/包装数量",
    "产生部门经办人",
    "去向",
]


STORE_IN_HEADERS = [
    "序号",
    "入库批次编码（识别码）",
    "入库时间",
    "危险废物名称",
    "危险废物代码",
    "入库量",
    "计量单位",
    "容器/包装类型",
    "容器/包装数量",
    "贮存设施（库房）",
    "贮存部门经办人",
]


STORE_OUT_HEADERS = [
    "序号",
    "出库批次编码（识别码）",
    "出库时间",
    "危险废物名称",
    "危险废物代码",
    "出库量",
    "计量单位",
    "容器/包装数量",
    "贮存设施（库房）",
    "去向（接收单位）",
    "转移联单编号",
    "出库经办人",
]


SELF_HEADERS = [
    "序号",
    "批次编码（识别码）",
    "利用/处置时间",
    "危险废物名称",
    "危险废物代码",
    "利用/处置量",
    "计量单位",
    "容器/包装数量",
    "利用/处置方式",
    "经办人",
]


TRANSFER_HEADERS = [
    "序号",
    "转移联单编号",
    "批次编码（识别码）",
    "转移（启运）时间",
    "危险废物名称",
    "危险废物代码",
    "转移量",
    "计量单位",
    "容器/包装",
    "运输单位（车牌）",
    "接收单位",
    "经营许可证编号",
    "利用/处置方式",
    "接收量",
    "经办人",
]


SUMMARY_HEADERS = [
    "危险废物代码",
    "危险废物名称",
    "上年末贮存量（kg）",
    "本年产生量（kg）",
    "本年自行利用/处置量（kg）",
    "本年委外转移量（kg）",
    "年末贮存量（kg）",
]


SECTIONS = (
    ("generation", "一、危险废物产生环节记录表"),
    ("store_in", "二、危险废物入库环节记录表"),
    ("store_out", "三、危险废物出库环节记录表"),
    ("self_disposal", "四、危险废物自行利用/处置环节记录表"),
    ("transfer", "五、危险废物委外利用/处置（转移）环节记录表"),
    ("summary", "六、年度汇总表（按危险废物代码）"),
)


@dataclass
class _Lot:
    """One batch as the ledger says it was at some moment."""

    code: str
    producer: str
    waste_code: str
    category: str
    name: str
    packaging: str
    count: int
    declared: Decimal
    weight: Decimal
    status: str = BatchStatus.REGISTERED
    holder: str | None = None
    room: str = ""
    receiver: str | None = None
    destination: str = ""
    method: str = ""
    received: Decimal | None = None


def _method_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"{value.get('code', '')} {value.get('name', '')}".strip()
    if isinstance(value, str) and value:
        try:
            m = disposal_method(value)
        except HwtraceError:
            return value
        return f"{m['code']} {m['name']}"
    return ""


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


IN_HAND = frozenset({BatchStatus.STORED, BatchStatus.RECEIVED})


@dataclass(frozen=True)
class _Line:
    """One record line: a batch, when, by whom, how much, and the section's own facts."""

    lot: _Lot
    when: dt.datetime
    operator: str
    kg: Decimal
    place: str = ""  # room, method or manifest number, by section
    other: str = ""  # receiver (USCC) or booking subject


_Snapshot = tuple[_Lot, Decimal, str, "str | None"]


class Replay:
    """Walks an enterprise's entries in ledger order and collects the year's record lines.

    Each batch's state (status, weight, holder, room) is rebuilt from its entries; a snapshot
    after each entry dated before the year (or before its end) gives the opening (closing)
    stock. The time of an entry is its device time when it has one, else the server's.
    """

    def __init__(self, uscc: str, start: dt.datetime, stop: dt.datetime) -> None:
        self.uscc = uscc
        self.start, self.stop = start, stop
        self.lots: dict[str, _Lot] = {}
        self.opening: dict[str, _Snapshot] = {}
        self.closing: dict[str, _Snapshot] = {}
        self.manifests: dict[str, tuple[dict[str, Any], str]] = {}
        self.booking_manifest: dict[str, str] = {}
        self.lines: dict[str, list[_Line]] = {
            k: [] for k in ("generation", "store_in", "store_out", "self_disposal", "transfer")
        }

    def run(self, entries: Iterable[dict[str, Any]]) -> None:
        for f in entries:
            kind = f["type"]
            if kind == "batch.register":
                self._register(f)
            elif kind.startswith("batch."):
                self._event(f)
            elif kind == "manifest.create":
                self.manifests[f["subject"]] = (f["payload"], f["actor"] or "")
                if f["payload"].get("booking"):
                    self.booking_manifest[f["payload"]["booking"]] = f["subject"]
            elif kind == "manifest.depart":
                self._depart(f)

    def operators(self) -> set[str]:
        return {ln.operator for lines in self.lines.values() for ln in lines}

    def _counts(self, f: Mapping[str, Any], when: dt.datetime) -> bool:
        return bool(f["enterprise"] == self.uscc) and self.start <= when < self.stop

    def _add(
        self, section: str, lot: _Lot, when: dt.datetime, f: Mapping[str, Any], **kw: str
    ) -> None:
        self.lines[section].append(_Line(lot, when, f["actor"] or "", lot.weight, **kw))

    def _register(self, f: dict[str, Any]) -> None:
        p, when = f["payload"], f["time"]
        w = _dec(p.get("weight_kg"))
        lot = _Lot(
            code=f["subject"],
            producer=p.get("producer") or f["enterprise"] or "",
            waste_code=p.get("waste_code", ""),
            category=p.get("category", ""),
            name=p.get("name", ""),
            packaging=p.get("packaging") or "",
            count=int(p.get("package_count") or 1),
            declared=w,
            weight=w,
        )
        self.lots[lot.code] = lot
        if self._counts(f, when):
            self._add("generation", lot, when, f)
        self._snapshot(lot, when)

    def _event(self, f: dict[str, Any]) -> None:
        lot = self.lots.get(f["subject"])
        if lot is None:  # a batch whose registration this enterprise cannot see
            return
        p, when = f["payload"], f["time"]
        if "to" in p:
            lot.status = p["to"]
        kind = f["type"].removeprefix("batch.")
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(lot, f, p, when, self._counts(f, when))
        self._snapshot(lot, when)

    def _on_correct(self, lot: _Lot, f: Any, p: Any, when: dt.datetime, counts: bool) -> None:
        change = (p.get("changes") or {}).get("weight_kg")
        if isinstance(change, Mapping) and change.get("new"):
            lot.declared = lot.weight = _dec(change["new"])

    def _on_store(self, lot: _Lot, f: Any, p: Any, when: dt.datetime, counts: bool) -> None:
        lot.holder = lot.producer
        lot.room = str((p.get("room") or {}).get("name") or "")
        lot.destination = lot.destination or f"贮存：{lot.room}"
        if counts:
            self._add("store_in", lot, when, f, place=lot.room)

    def _on_unstore(self, lot: _Lot, f: Any, p: Any, when: dt.datetime, counts: bool) -> None:
        lot.receiver = p.get("receiver")
        lot.destination = lot.destination or "委外利用/处置"
        if counts:
            self._add("store_out", lot, when, f, place=lot.room, other=p.get("booking") or "")

    def _on_receive(self, lot: _Lot, f: Any, p: Any, when: dt.datetime, counts: bool) -> None:
        lot.received = lot.weight = _dec(p.get("weight_kg")) - _dec(p.get("rejected_kg"))
        lot.holder = f["enterprise"]

    def _on_utilize(self, lot: _Lot, f: Any, p: Any, when: dt.datetime, counts: bool) -> None:
        lot.method = _method_text(p.get("method"))
        if f["enterprise"] == lot.producer:
            lot.destination = lot.destination or "自行利用/处置"
        if counts:
            self._add("self_disposal", lot, when, f, place=lot.method)

    _on_dispose = _on_utilize

    def _on_void(self, lot: _Lot, f: Any, p: Any, when: dt.datetime, counts: bool) -> None:
        lot.destination = lot.destination or "作废"

    def _depart(self, f: dict[str, Any]) -> None:
        number, when = f["subject"], f["time"]
        created = self.manifests.get(number)
        if created is None or created[0].get("producer") != self.uscc:
            return
        if not self.start <= when < self.stop:
            return
        for code in f["payload"].get("loaded") or []:
            lot = self.lots.get(code)
            if lot is not None:
                self.lines["transfer"].append(_Line(lot, when, created[1], lot.weight, number))

    def _snapshot(self, lot: _Lot, when: dt.datetime) -> None:
        snap = (lot, lot.weight, lot.status, lot.holder)
        if when < self.start:
            self.opening[lot.code] = snap
        if when < self.stop:
            self.closing[lot.code] = snap

    def stock(self, which: Mapping[str, _Snapshot]) -> dict[str, Decimal]:
        """Return kg in this enterprise's hands (stored, or received and not yet disposed of)."""
        out: dict[str, Decimal] = {}
        for lot, weight, status, holder in which.values():
            if status in IN_HAND and holder == self.uscc:
                out[lot.waste_code] = out.get(lot.waste_code, Decimal(0)) + weight
        return out

    def totals(self, section: str) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for ln in self.lines[section]:
            out[ln.lot.waste_code] = out.get(ln.lot.waste_code, Decimal(0)) + ln.kg
        return out


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.001'))}"


@dataclass(frozen=True)
class _Naming:
    """How a record line names its operator, the enterprises and its time."""

    names: Mapping[str, str]
    people: Mapping[str, str]
    tz: dt.tzinfo

    def who(self, ln: _Line) -> str:
        return self.people.get(ln.operator, ln.operator)

    def party(self, uscc: str | None) -> str:
        return self.names.get(uscc or "", uscc or "")

    def when(self, ln: _Line) -> str:
        return local_text(ln.when, self.tz)[:16]


def record_tables(
    replay: Replay, names: Mapping[str, str], people: Mapping[str, str], tz: dt.tzinfo
) -> dict[str, TableData]:
    """Return the record tables (headers, rows) of the replayed year, by section key."""
    n = _Naming(names, people, tz)
    lines = replay.lines
    return {
        "generation": (list(GENERATION_HEADERS), _generation(lines["generation"], n)),
        "store_in": (list(STORE_IN_HEADERS), _store_in(lines["store_in"], n)),
        "store_out": (
            list(STORE_OUT_HEADERS),
            _store_out(lines["store_out"], n, replay.booking_manifest),
        ),
        "self_disposal": (list(SELF_HEADERS), _self_disposal(lines["self_disposal"], n)),
        "transfer": (list(TRANSFER_HEADERS), _transfer(lines["transfer"], n, replay.manifests)),
        "summary": (list(SUMMARY_HEADERS), _summary(replay)),
    }


def _generation(lines: list[_Line], n: _Naming) -> list[list[Any]]:
    return [
        [
            i,
            x.lot.code,
            n.when(x),
            x.lot.name,
            x.lot.category,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.packaging,
            x.lot.count,
            n.who(x),
            x.lot.destination or "暂存（未入库）",
        ]
        for i, x in enumerate(lines, start=1)
    ]


def _store_in(lines: list[_Line], n: _Naming) -> list[list[Any]]:
    return [
        [
            i,
            x.lot.code,
            n.when(x),
            x.lot.name,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.packaging,
            x.lot.count,
            x.place,
            n.who(x),
        ]
        for i, x in enumerate(lines, start=1)
    ]


def _store_out(
    lines: list[_Line], n: _Naming, booking_manifest: Mapping[str, str]
) -> list[list[Any]]:
    return [
        [
            i,
            x.lot.code,
            n.when(x),
            x.lot.name,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.count,
            x.place,
            n.party(x.lot.receiver),
            booking_manifest.get(x.other, ""),
            n.who(x),
        ]
        for i, x in enumerate(lines, start=1)
    ]


def _self_disposal(lines: list[_Line], n: _Naming) -> list[list[Any]]:
    return [
        [
            i,
            x.lot.code,
            n.when(x),
            x.lot.name,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.count,
            x.place,
            n.who(x),
        ]
        for i, x in enumerate(lines, start=1)
    ]


def _transfer(
    lines: list[_Line], n: _Naming, manifests: Mapping[str, tuple[dict[str, Any], str]]
) -> list[list[Any]]:
    rows = []
    for i, x in enumerate(lines, start=1):
        m = manifests[x.place][0]
        rows.append(
            [
                i,
                x.place,
                x.lot.code,
                n.when(x),
                x.lot.name,
                x.lot.waste_code,
                _fmt(x.kg),
                KG,
                f"{x.lot.packaging}/{x.lot.count}",
                f"{n.party(m.get('transporter'))}（{m.get('vehicle_plate', '')}）",
                n.party(m.get("receiver")),
                m.get("operating_permit") or "",
                x.lot.method or f"拟：{_method_text(m.get('planned_method'))}",
                _fmt(x.lot.received) if x.lot.received is not None else "",
                n.who(x),
            ]
        )
    return rows


def _summary(replay: Replay) -> list[list[Any]]:
    opening, closing = replay.stock(replay.opening), replay.stock(replay.closing)
    generated = replay.totals("generation")
    disposed = replay.totals("self_disposal")
    transferred = replay.totals("transfer")
    names: dict[str, str] = {}
    for lot in replay.lots.values():
        names.setdefault(lot.waste_code, lot.name)
    codes = sorted(set(opening) | set(closing) | set(generated) | set(disposed) | set(transferred))
    zero = Decimal(0)
    return [
        [
            code,
            names.get(code, ""),
            _fmt(opening.get(code, zero)),
            _fmt(generated.get(code, zero)),
            _fmt(disposed.get(code, zero)),
            _fmt(transferred.get(code, zero)),
            _fmt(closing.get(code, zero)),
        ]
        for code in codes
    ]
