"""Exports: batch and ledger tables (CSV for Excel, XLSX), the annual HJ 1259-2022 ledger report
(PDF) and the signed ledger bundle an inspector verifies offline (``ledger.bundle``).

Every function is scoped exactly like the API: an enterprise's users see only the batches and
entries their enterprise is party to, park administrators and auditors the whole park. An
``enterprise_id`` narrows that further to what concerns one enterprise (what that enterprise's
own users would see); it never widens it.

Times are shown in the park's time zone (``HWTRACE_TIMEZONE``, Asia/Shanghai: 北京时间) and a
report's year is the calendar year there; the ledger itself keeps UTC.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

import ledger
from hwtrace.domain.access import Actor, EnterpriseKind, Role
from hwtrace.domain.catalogue import disposal_method
from hwtrace.domain.errors import BadValue, HwtraceError, NotFound
from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.services import audit
from hwtrace.services.batches import visible_batches
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Enterprise,
    Manifest,
    Park,
    StorageRoom,
    User,
    WasteProfile,
)
from ledger.bundle import FORMAT as BUNDLE_FORMAT
from ledger.bundle import VERSION as BUNDLE_VERSION
from ledger.canonical import format_ts, parse_ts

E = ledger.schema.ledger_entry
BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})
TableData = tuple[list[str], list[list[Any]]]
MAX_SUBJECTS = 1000
MAX_BUNDLE_ENTRIES = 200_000
MAX_TABLE_ROWS = 500_000  # below Excel's 1,048,576 rows a sheet
FEW_PROOFS = 64  # up to this many, proofs are read from the log's stored tree nodes
KG = "kg"


# --- scope ---------------------------------------------------------------------------------


def park_actor(ctx: Context) -> Actor:
    """Return the park itself as a caller (command-line exports run as the park)."""
    with ctx.db.read_session() as s:
        park = s.scalar(sa.select(Park).where(Park.code == ctx.settings.park_code))
    if park is None:
        raise NotFound("园区尚未建立", "the park does not exist in this database")
    return Actor(
        user_id=0,
        username="hwtrace-cli",
        enterprise_id=0,
        enterprise_kind=EnterpriseKind.PARK,
        role=Role.PARK_ADMIN,
        park_id=park.id,
    )


def enterprise_by_uscc(ctx: Context, *, actor: Actor, uscc: str) -> Enterprise:
    """Return the enterprise with this USCC in the caller's park (for the command line)."""
    with ctx.db.read_session() as s:
        ent = s.scalar(sa.select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if ent is None or ent.park_id != actor.park_id:
        raise NotFound("单位不存在", "no such enterprise", detail={"uscc": uscc})
    return ent


def _enterprise(s: Session, actor: Actor, enterprise_id: int) -> Enterprise:
    ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.park_id != actor.park_id:
        raise NotFound("单位不存在", "no such enterprise", detail={"enterprise_id": enterprise_id})
    return ent


def _as_enterprise(actor: Actor, ent: Enterprise) -> Actor:
    """Return a caller that sees what ``ent``'s own users see (for narrowing, never widening)."""
    return Actor(
        user_id=actor.user_id,
        username=actor.username,
        enterprise_id=ent.id,
        enterprise_kind=EnterpriseKind(ent.kind),
        role=Role.OPERATOR,
        park_id=actor.park_id,
    )


def _own_or_park(s: Session, actor: Actor, enterprise_id: int | None) -> Enterprise:
    """The enterprise a report is about: any in the park for park roles, else the caller's."""
    if enterprise_id is None:
        if actor.sees_whole_park:
            raise BadValue("须指定单位（enterprise_id）", "enterprise_id is required")
        enterprise_id = actor.enterprise_id
    if not actor.sees_whole_park and enterprise_id != actor.enterprise_id:
        # Same answer as for an enterprise that does not exist: nothing is leaked.
        raise NotFound("单位不存在", "no such enterprise", detail={"enterprise_id": enterprise_id})
    return _enterprise(s, actor, enterprise_id)


# --- times ---------------------------------------------------------------------------------


def zone(ctx: Context) -> ZoneInfo:
    """Return the park's time zone."""
    return ZoneInfo(ctx.settings.timezone)


def zone_label(ctx: Context) -> str:
    """Return how headers name the park's time: 北京时间, or the zone's name elsewhere."""
    return "北京时间" if ctx.settings.timezone in BEIJING_ZONES else ctx.settings.timezone


def _headers(ctx: Context, headers: Sequence[str]) -> list[str]:
    return [h.replace("北京时间", zone_label(ctx)) for h in headers]


def local_text(ts: dt.datetime | None, tz: dt.tzinfo) -> str:
    """Return a time as the park reads it ("2026-01-02 11:04:05"), empty for None."""
    return ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _bound(value: dt.date | dt.datetime | None, *, end: bool, tz: dt.tzinfo) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise BadValue("时间须带时区", "timestamps need a time zone")
        return value + dt.timedelta(microseconds=1) if end else value
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def _range(
    since: dt.date | dt.datetime | None, until: dt.date | dt.datetime | None, tz: dt.tzinfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Return [start, stop): ``since`` and ``until`` are inclusive (whole days for dates)."""
    start, stop = _bound(since, end=False, tz=tz), _bound(until, end=True, tz=tz)
    if start is not None and stop is not None and start >= stop:
        raise BadValue("起始日期晚于截止日期", "since is after until")
    return start, stop


def _check_size(count: int | None) -> None:
    if (count or 0) > MAX_TABLE_ROWS:
        raise BadValue(
            f"导出将含 {count} 行，超过上限 {MAX_TABLE_ROWS}；请按日期或单位缩小范围",
            f"the export would have {count} rows (limit {MAX_TABLE_ROWS}); narrow it by dates "
            "or enterprise",
            detail={"rows": count, "limit": MAX_TABLE_ROWS},
        )


# --- batches -------------------------------------------------------------------------------

BATCH_HEADERS = [
    "识别码",
    "废物名称",
    "废物代码",
    "废物类别",
    "形态",
    "危险特性",
    "重量（kg）",
    "包装",
    "件数",
    "产生单位",
    "产生单位统一社会信用代码",
    "产生日期",
    "状态",
    "贮存库房",
    "运输单位",
    "接收单位",
    "联单编号",
    "接收重量（kg）",
    "登记时间（北京时间）",
    "最后更新（北京时间）",
    "台账序号",
]


def _kg(grams: int | None) -> Decimal | None:
    return None if grams is None else Decimal(g_to_kg(grams))


def batches_table(
    ctx: Context,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    status: str | None = None,
    waste_code: str | None = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
) -> TableData:
    """Return the batches the caller may see (registered in [since, until]) as a table."""
    if status is not None and status not in BatchStatus.__members__:
        raise BadValue("status 取值无效", "unknown status")
    tz = zone(ctx)
    start, stop = _range(since, until, tz)
    producer, transporter, receiver = (aliased(Enterprise) for _ in range(3))
    with ctx.db.read_session() as s:
        cond = [visible_batches(actor)]
        if enterprise_id is not None:
            cond.append(
                visible_batches(_as_enterprise(actor, _enterprise(s, actor, enterprise_id)))
            )
        if status:
            cond.append(Batch.status == status)
        if waste_code:
            cond.append(Batch.waste_code == waste_code)
        if start is not None:
            cond.append(Batch.created_at >= start)
        if stop is not None:
            cond.append(Batch.created_at < stop)
        _check_size(s.scalar(sa.select(sa.func.count()).select_from(Batch).where(*cond)))
        rows = s.execute(
            sa.select(
                Batch,
                WasteProfile,
                producer.name,
                producer.uscc,
                transporter.name,
                receiver.name,
                StorageRoom.name,
                Manifest.number,
            )
            .join(WasteProfile, WasteProfile.id == Batch.profile_id)
            .join(producer, producer.id == Batch.producer_id)
            .outerjoin(transporter, transporter.id == Batch.transporter_id)
            .outerjoin(receiver, receiver.id == Batch.receiver_id)
            .outerjoin(StorageRoom, StorageRoom.id == Batch.room_id)
            .outerjoin(Manifest, Manifest.id == Batch.manifest_id)
            .where(*cond)
            .order_by(Batch.id)
        ).all()
    out: list[list[Any]] = []
    for b, p, p_name, p_uscc, t_name, r_name, room, number in rows:
        out.append(
            [
                b.code,
                p.name,
                b.waste_code,
                b.category,
                p.form,
                ",".join(p.hazards),
                _kg(b.weight_g),
                b.packaging,
                b.package_count,
                p_name,
                p_uscc,
                b.produced_on.isoformat(),
                status_zh(BatchStatus(b.status)),
                room or "",
                t_name or "",
                r_name or "",
                number or "",
                _kg(b.received_weight_g),
                local_text(b.created_at, tz),
                local_text(b.updated_at, tz),
                b.last_seq,
            ]
        )
    return _headers(ctx, BATCH_HEADERS), out


# --- ledger --------------------------------------------------------------------------------

LEDGER_HEADERS = [
    "台账序号",
    "记录时间（北京时间）",
    "设备时间（北京时间）",
    "类型",
    "类型说明",
    "对象",
    "操作人",
    "单位",
    "单位统一社会信用代码",
    "内容摘要",
]

ENTRY_TYPE_ZH = {
    "batch.register": "登记（产生）",
    "batch.label": "打印标签",
    "batch.store": "入库",
    "batch.unstore": "出库",
    "batch.load": "装车",
    "batch.receive": "接收",
    "batch.reject": "拒收",
    "batch.utilize": "利用",
    "batch.dispose": "处置",
    "batch.void": "作废",
    "batch.reprint": "补打标签",
    "batch.correct": "更正",
    "booking.request": "转运预约",
    "booking.accept": "预约受理",
    "booking.decline": "预约拒绝",
    "booking.cancel": "预约取消",
    "booking.reschedule": "预约改期",
    "manifest.create": "联单生成（移出人确认）",
    "manifest.depart": "启运（承运人确认）",
    "manifest.confirm": "接收确认（接受人确认）",
    "manifest.complete": "联单办结",
    "manifest.cancel": "联单作废",
    "discrepancy.open": "差异登记",
    "discrepancy.resolve": "差异处理",
    "enterprise.register": "单位登记",
    "personnel.authorize": "人员授权",
    "profile.create": "废物档案建立",
    "codes.reserve": "识别码预留",
    "warning.acknowledge": "预警确认",
}

_PAYLOAD_ZH = {
    "weight_kg": "重量kg",
    "dispatched_kg": "发出kg",
    "rejected_kg": "拒收kg",
    "room": "库房",
    "manifest": "联单",
    "method": "方式",
    "reason": "原因",
    "note": "备注",
    "receiver": "接收单位",
    "transporter": "运输单位",
    "producer": "产生单位",
    "waste_code": "废物代码",
    "name": "名称",
    "package_count": "件数",
    "packaging": "包装",
    "booking": "预约",
    "vehicle_plate": "车牌",
    "planned_method": "拟利用处置方式",
    "changes": "更正",
    "corrects": "更正序号",
    "code": "识别码",
    "category": "类别",
    "form": "形态",
    "produced_on": "产生日期",
    "process": "产生工序",
    "remarks": "备注",
    "container_volume_l": "容器容积L",
    "weight_check": "重量核查",
    "kind": "类型",
    "uscc": "统一社会信用代码",
    "id": "编号",
    "main_components": "主要成分",
    "harmful_components": "有害成分",
    "granted": "授权档案",
    "revoked": "撤销授权",
    "user": "用户",
    "loaded": "已装车",
    "not_loaded": "未装车",
    "missing": "未到",
    "outcomes": "接收结果",
    "late": "逾期",
    "window_start": "预约开始",
    "window_end": "预约结束",
    "driver_licence": "驾驶员证号",
    "transport_permit": "运输许可证",
    "operating_permit": "经营许可证",
    "format": "格式",
}
_SKIP = frozenset({"prev", "from", "to", "scale_frame", "hazards", "lines", "profile_id"})


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        if "old" in value and "new" in value:
            return f"{value['old']}→{value['new']}"
        if "code" in value and "name" in value:
            return f"{value['code']} {value['name']}"
        if "name" in value:
            return str(value["name"])
        return ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_short(v) for v in value[:10]) + ("…" if len(value) > 10 else "")
    return "" if value is None else str(value)


def payload_summary(payload: Mapping[str, Any], limit: int = 300) -> str:
    """Return a one-line, human summary of an entry's payload (Chinese labels where known)."""
    parts: list[str] = []
    if "from" in payload and "to" in payload:
        parts.append(
            f"状态 {_status(payload['from'])}→{_status(payload['to'])}"
            if isinstance(payload["from"], str) and isinstance(payload["to"], str)
            else f"{payload['from']}→{payload['to']}"
        )
    for key, value in payload.items():
        if key in _SKIP or value in (None, "", [], {}):
            continue
        parts.append(f"{_PAYLOAD_ZH.get(key, key)}：{_short(value)}")
    if "lines" in payload and isinstance(payload["lines"], list):
        parts.append(f"批次数：{len(payload['lines'])}")
    text = "；".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(value: str) -> str:
    return status_zh(BatchStatus(value)) if value in BatchStatus.__members__ else value


def _names(s: Session, usccs: Iterable[str | None]) -> dict[str, str]:
    wanted = {u for u in usccs if u}
    if not wanted:
        return {}
    rows = s.execute(
        sa.select(Enterprise.uscc, Enterprise.name).where(Enterprise.uscc.in_(sorted(wanted)))
    ).all()
    return {r.uscc: r.name for r in rows}


def ledger_table(
    ctx: Context,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    entry_type: str | None = None,
    subject: str | None = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
) -> TableData:
    """Return the ledger entries the caller may see (recorded in [since, until]) as a table."""
    park = ctx.settings.park_code
    tz = zone(ctx)
    start, stop = _range(since, until, tz)
    with ctx.db.read_session() as s:
        cond = [audit.visible_entries(actor, park)]
        if enterprise_id is not None:
            ent = _enterprise(s, actor, enterprise_id)
            cond.append(audit.visible_entries(_as_enterprise(actor, ent), park))
        if entry_type:
            cond.append(E.c.entry_type == entry_type)
        if subject:
            cond.append(E.c.subject == subject)
        if start is not None:
            cond.append(E.c.server_ts >= format_ts(start))
        if stop is not None:
            cond.append(E.c.server_ts < format_ts(stop))
        _check_size(s.scalar(sa.select(sa.func.count()).select_from(E).where(*cond)))
        bodies = [bytes(b) for b in s.scalars(sa.select(E.c.body).where(*cond).order_by(E.c.seq))]
        entries = [json.loads(b) for b in bodies]
        names = _names(s, (f["enterprise"] for f in entries))
    rows = [
        [
            f["seq"],
            local_text(parse_ts(f["server_ts"]), tz),
            local_text(parse_ts(f["client_ts"]), tz),
            f["type"],
            ENTRY_TYPE_ZH.get(f["type"], ""),
            f["subject"] or "",
            f["actor"] or "",
            names.get(f["enterprise"] or "", ""),
            f["enterprise"] or "",
            payload_summary(f["payload"]),
        ]
        for f in entries
    ]
    return _headers(ctx, LEDGER_HEADERS), rows


# --- CSV and XLSX --------------------------------------------------------------------------


# --- annual report (HJ 1259-2022 record tables) --------------------------------------------

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
    status: str = BatchStatus.REGISTERED.value
    holder: str | None = None
    room: str = ""
    receiver: str | None = None
    destination: str = ""
    method: str = ""
    received: Decimal | None = None


@dataclass
class AnnualLedger:
    """The record tables of one enterprise for one year, built from its ledger entries."""

    enterprise: Enterprise
    year: int
    tree_size: int
    root_hash: str
    generated_at: dt.datetime
    tz: dt.tzinfo = dt.UTC
    zone_label: str = "UTC"
    tables: dict[str, TableData] = field(default_factory=dict)


def _time(f: Mapping[str, Any]) -> dt.datetime:
    ts = parse_ts(f["client_ts"] or f["server_ts"])
    assert ts is not None
    return ts


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


IN_HAND = frozenset({BatchStatus.STORED.value, BatchStatus.RECEIVED.value})


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


class _Replay:
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
        p, when = f["payload"], _time(f)
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
        p, when = f["payload"], _time(f)
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
        number, when = f["subject"], _time(f)
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


def annual_ledger(
    ctx: Context, *, actor: Actor, enterprise_id: int | None, year: int
) -> AnnualLedger:
    """Return the HJ 1259-2022 record tables of one enterprise for one calendar year.

    Built from the ledger (every entry about the enterprise's batches, manifests and bookings,
    up to the latest signed checkpoint) with names from the read model.
    """
    if not 2000 <= year <= 2999:
        raise BadValue("年份无效", "year must be 2000..2999")
    tz = zone(ctx)
    start = dt.datetime(year, 1, 1, tzinfo=tz)
    stop = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    cp = audit.current_checkpoint(ctx)
    park = ctx.settings.park_code
    with ctx.db.read_session() as s:
        ent = _own_or_park(s, actor, enterprise_id)
        cond = [
            audit.visible_entries(actor, park),
            audit.visible_entries(_as_enterprise(actor, ent), park),
            E.c.seq < cp.size,
            # Everything up to the end of the year; device times may lag the server's a little.
            E.c.server_ts < format_ts(stop + dt.timedelta(days=2)),
        ]
        replay = _Replay(ent.uscc, start, stop)
        bodies = s.scalars(sa.select(E.c.body).where(*cond).order_by(E.c.seq))
        replay.run(json.loads(bytes(b)) for b in bodies)
        usccs = {lot.receiver for lot in replay.lots.values()}
        for created, _ in replay.manifests.values():
            usccs |= {created.get("receiver"), created.get("transporter")}
        names = _names(s, usccs)
        people = {
            u.username: (u.display_name or u.username)
            for u in s.scalars(sa.select(User).where(User.username.in_(sorted(replay.operators()))))
        }
    report = AnnualLedger(
        enterprise=ent,
        year=year,
        tree_size=cp.size,
        root_hash=cp.root.hex(),
        generated_at=ctx.now(),
        tz=tz,
        zone_label=zone_label(ctx),
    )
    report.tables = _tables(replay, names, people, tz)
    return report


def _tables(
    replay: _Replay, names: Mapping[str, str], people: Mapping[str, str], tz: dt.tzinfo
) -> dict[str, TableData]:
    def who(ln: _Line) -> str:
        return people.get(ln.operator, ln.operator)

    def party(uscc: str | None) -> str:
        return names.get(uscc or "", uscc or "")

    def when(ln: _Line) -> str:
        return local_text(ln.when, tz)[:16]

    L = replay.lines
    gen = [
        [
            i,
            x.lot.code,
            when(x),
            x.lot.name,
            x.lot.category,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.packaging,
            x.lot.count,
            who(x),
            x.lot.destination or "暂存（未入库）",
        ]
        for i, x in enumerate(L["generation"], start=1)
    ]
    store_in = [
        [
            i,
            x.lot.code,
            when(x),
            x.lot.name,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.packaging,
            x.lot.count,
            x.place,
            who(x),
        ]
        for i, x in enumerate(L["store_in"], start=1)
    ]
    store_out = [
        [
            i,
            x.lot.code,
            when(x),
            x.lot.name,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.count,
            x.place,
            party(x.lot.receiver),
            replay.booking_manifest.get(x.other, ""),
            who(x),
        ]
        for i, x in enumerate(L["store_out"], start=1)
    ]
    self_rows = [
        [
            i,
            x.lot.code,
            when(x),
            x.lot.name,
            x.lot.waste_code,
            _fmt(x.kg),
            KG,
            x.lot.count,
            x.place,
            who(x),
        ]
        for i, x in enumerate(L["self_disposal"], start=1)
    ]
    transfer = []
    for i, x in enumerate(L["transfer"], start=1):
        m = replay.manifests[x.place][0]
        transfer.append(
            [
                i,
                x.place,
                x.lot.code,
                when(x),
                x.lot.name,
                x.lot.waste_code,
                _fmt(x.kg),
                KG,
                f"{x.lot.packaging}/{x.lot.count}",
                f"{party(m.get('transporter'))}（{m.get('vehicle_plate', '')}）",
                party(m.get("receiver")),
                m.get("operating_permit") or "",
                x.lot.method or f"拟：{_method_text(m.get('planned_method'))}",
                _fmt(x.lot.received) if x.lot.received is not None else "",
                who(x),
            ]
        )
    return {
        "generation": (list(GENERATION_HEADERS), gen),
        "store_in": (list(STORE_IN_HEADERS), store_in),
        "store_out": (list(STORE_OUT_HEADERS), store_out),
        "self_disposal": (list(SELF_HEADERS), self_rows),
        "transfer": (list(TRANSFER_HEADERS), transfer),
        "summary": (list(SUMMARY_HEADERS), _summary(replay)),
    }


def _summary(replay: _Replay) -> list[list[Any]]:
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


# --- the signed ledger bundle --------------------------------------------------------------


def _proofs(
    ctx: Context, conn: Connection, seqs: Sequence[int], cp: audit.SignedCheckpoint
) -> list[list[bytes]]:
    """Return the inclusion proof of each entry ``seqs`` against the checkpoint.

    A few proofs are asked of the log (stored tree nodes, O(log n) reads each). For many, the
    tree is rebuilt once in memory from the stored leaf hashes (one read, O(n) hashing) and
    checked against the signed root before any proof is taken from it.
    """
    size = cp.size
    if len(seqs) <= FEW_PROOFS or len(seqs) * 256 < size:
        return [ctx.log.inclusion_proof(conn, seq, size) for seq in seqs]
    leaves = [
        bytes(h)
        for h in conn.execute(
            sa.select(E.c.leaf_hash)
            .where(E.c.log_id == ctx.log.log_id, E.c.seq < size)
            .order_by(E.c.seq)
        ).scalars()
    ]
    cache: dict[tuple[int, int], bytes] = {}

    def subtree(lo: int, hi: int) -> bytes:
        h = cache.get((lo, hi))
        if h is None:
            if hi - lo == 1:
                h = leaves[lo]
            else:
                k = ledger.merkle.split(hi - lo)
                h = ledger.merkle.node_hash(subtree(lo, lo + k), subtree(lo + k, hi))
            cache[(lo, hi)] = h
        return h

    if len(leaves) != size or subtree(0, size) != cp.root:
        raise ledger.BadProofError(
            "the stored leaves do not match the signed checkpoint: run `hwtrace ledger verify`"
        )
    return [ledger.merkle.inclusion_path(seq, size, subtree) for seq in seqs]


def bundle(
    ctx: Context,
    *,
    actor: Actor,
    enterprise_id: int | None = None,
    subjects: Sequence[str] | None = None,
) -> bytes:
    """Return a signed ledger bundle (``ledger.bundle``) of the entries the caller may see.

    Narrowed to one enterprise's entries (``enterprise_id``) and/or to some subjects (batch
    codes, manifest numbers, ``booking-N``). Every entry comes with its canonical bytes and
    its RFC 6962 inclusion proof against the latest signed checkpoint, so the bundle verifies
    offline with ``hwtrace ledger verify --bundle FILE`` (or ``ledger.bundle.verify_bundle``).
    """
    if subjects is not None:
        subjects = list(dict.fromkeys(subjects))
        if len(subjects) > MAX_SUBJECTS or any(
            not isinstance(x, str) or not 0 < len(x) <= 128 for x in subjects
        ):
            raise BadValue(
                f"对象须为 1 到 {MAX_SUBJECTS} 个不超过 128 字符的编号",
                f"subjects must be 1..{MAX_SUBJECTS} strings of at most 128 characters",
            )
    cp = audit.current_checkpoint(ctx)
    park = ctx.settings.park_code
    scope: dict[str, Any] = {"park": park, "enterprise": None, "subjects": subjects}
    with ctx.db.read_session() as s:
        cond = [audit.visible_entries(actor, park), E.c.seq < cp.size]
        if enterprise_id is not None:
            ent = _enterprise(s, actor, enterprise_id)
            cond.append(audit.visible_entries(_as_enterprise(actor, ent), park))
            scope["enterprise"] = {"uscc": ent.uscc, "name": ent.name}
        if subjects is not None:
            cond.append(E.c.subject.in_(subjects))
        count = s.scalar(sa.select(sa.func.count()).select_from(E).where(*cond)) or 0
        if count > MAX_BUNDLE_ENTRIES:
            raise BadValue(
                f"数据包将含 {count} 条记录，超过上限 {MAX_BUNDLE_ENTRIES}；请按单位或对象缩小范围",
                f"the bundle would hold {count} entries (limit {MAX_BUNDLE_ENTRIES}); narrow it "
                "by enterprise or subject",
                detail={"entries": count, "limit": MAX_BUNDLE_ENTRIES},
            )
        rows = s.execute(sa.select(E.c.seq, E.c.body).where(*cond).order_by(E.c.seq)).all()
        proofs = _proofs(ctx, s.connection(), [int(r.seq) for r in rows], cp)
        entries = [
            {
                "index": int(r.seq),
                "leaf": base64.b64encode(bytes(r.body)).decode("ascii"),
                "proof": [h.hex() for h in proof],
            }
            for r, proof in zip(rows, proofs, strict=True)
        ]
    doc = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "origin": ctx.settings.ledger_origin,
        "log": ctx.log.log_id,
        "created_at": format_ts(ctx.now()),
        "created_by": actor.username,
        "scope": scope,
        "checkpoint": cp.note,
        "vkey": ctx.signer.vkey,
        "tree_size": cp.size,
        "root_hash": cp.root.hex(),
        "entries": entries,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
