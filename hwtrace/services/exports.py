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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

import ledger
from hwtrace.domain import times
from hwtrace.domain.access import Actor, EnterpriseKind, Role
from hwtrace.domain.annual_records import Replay, TableData, record_tables
from hwtrace.domain.entries import ENTRY_TYPE_ZH, payload_summary
from hwtrace.domain.errors import BadValue, NotFound
from hwtrace.domain.hj1259_tables import b_tables
from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.times import day_range, local_text
from hwtrace.services import audit, checkpoints, directory
from hwtrace.services.batches import visible_batches
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Enterprise,
    Facility,
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
MAX_SUBJECTS = 1000
MAX_BUNDLE_ENTRIES = 200_000
MAX_TABLE_ROWS = 500_000  # below Excel's 1,048,576 rows a sheet
FEW_PROOFS = 64  # up to this many, proofs are read from the log's stored tree nodes


# --- scope ---------------------------------------------------------------------------------


def park_actor(ctx: Context) -> Actor:
    """Return the park itself as a caller (command-line exports run as the park)."""
    with ctx.db.read_session() as s:
        park = s.scalar(sa.select(Park).where(Park.code == ctx.settings.park_code))
    if park is None:
        raise NotFound(zh="园区尚未建立", en="the park does not exist in this database")
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
        raise NotFound(zh="单位不存在", en="no such enterprise", detail={"uscc": uscc})
    return ent


def _enterprise(s: Session, actor: Actor, enterprise_id: int) -> Enterprise:
    ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.park_id != actor.park_id:
        raise NotFound(
            zh="单位不存在", en="no such enterprise", detail={"enterprise_id": enterprise_id}
        )
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
            raise BadValue(zh="须指定单位（enterprise_id）", en="enterprise_id is required")
        enterprise_id = actor.enterprise_id
    if not actor.sees_whole_park and enterprise_id != actor.enterprise_id:
        # Same answer as for an enterprise that does not exist: nothing is leaked.
        raise NotFound(
            zh="单位不存在", en="no such enterprise", detail={"enterprise_id": enterprise_id}
        )
    return _enterprise(s, actor, enterprise_id)


# --- times ---------------------------------------------------------------------------------


def zone(ctx: Context) -> ZoneInfo:
    """Return the park's time zone."""
    return ZoneInfo(ctx.settings.timezone)


def zone_label(ctx: Context) -> str:
    """Return how headers name the park's time: 北京时间, or the zone's name elsewhere."""
    return times.zone_label(ctx.settings.timezone)


def _headers(ctx: Context, headers: Sequence[str]) -> list[str]:
    return [h.replace("北京时间", zone_label(ctx)) for h in headers]


def _check_size(count: int | None) -> None:
    if (count or 0) > MAX_TABLE_ROWS:
        raise BadValue(
            zh=f"导出将含 {count} 行，超过上限 {MAX_TABLE_ROWS}；请按日期或单位缩小范围",
            en=f"the export would have {count} rows (limit {MAX_TABLE_ROWS}); narrow it by dates "
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
        raise BadValue(zh="status 取值无效", en="unknown status")
    tz = zone(ctx)
    start, stop = day_range(since, until, tz)
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
    start, stop = day_range(since, until, tz)
    with ctx.db.read_session() as s:
        cond = [audit.visible_entries(actor, park)]
        if enterprise_id is not None:
            ent = directory.known_enterprise(s, actor, enterprise_id)
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
    # HJ 1259-2022 appendix B tables B.1–B.5 with the standard's columns
    b_tables: dict[str, TableData] = field(default_factory=dict)


def _timed(fields: dict[str, Any]) -> dict[str, Any]:
    """An entry with its ``time``: the device time when it has one, else the server's."""
    ts = parse_ts(fields["client_ts"] or fields["server_ts"])
    assert ts is not None
    return {**fields, "time": ts}


def annual_ledger(
    ctx: Context, *, actor: Actor, enterprise_id: int | None, year: int
) -> AnnualLedger:
    """Return the HJ 1259-2022 record tables of one enterprise for one calendar year.

    Built from the ledger (every entry about the enterprise's batches, manifests and bookings,
    up to the latest signed checkpoint) with names from the read model.
    """
    if not 2000 <= year <= 2999:
        raise BadValue(zh="年份无效", en="year must be 2000..2999")
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
        replay = Replay(ent.uscc, start, stop)
        bodies = s.scalars(sa.select(E.c.body).where(*cond).order_by(E.c.seq))
        replay.run(_timed(json.loads(bytes(b))) for b in bodies)
        usccs = {lot.receiver for lot in replay.lots.values()}
        for created, _ in replay.manifests.values():
            usccs |= {created.get("receiver"), created.get("transporter")}
        names = _names(s, usccs)
        people = {
            u.username: (u.display_name or u.username)
            for u in s.scalars(sa.select(User).where(User.username.in_(sorted(replay.operators()))))
        }
        rooms = s.execute(
            sa.select(StorageRoom.name, Facility.code)
            .join(Facility, Facility.room_id == StorageRoom.id)
            .where(StorageRoom.enterprise_id == ent.id, Facility.kind == "storage")
        )
        facility_codes = {name: code for name, code in rooms}
        permits = {
            e.uscc: str((e.permits.get("operating") or {}).get("number") or "")
            for e in s.scalars(
                sa.select(Enterprise).where(Enterprise.uscc.in_([u for u in usccs if u]))
            )
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
    report.tables = record_tables(replay, names, people, tz)
    report.b_tables = b_tables(
        replay,
        names=names,
        people=people,
        tz=tz,
        facility_codes=facility_codes,
        permits=permits,
    )
    return report


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
                zh=f"对象须为 1 到 {MAX_SUBJECTS} 个不超过 128 字符的编号",
                en=f"subjects must be 1..{MAX_SUBJECTS} strings of at most 128 characters",
            )
    cp = audit.current_checkpoint(ctx)
    park = ctx.settings.park_code
    scope: dict[str, Any] = {"park": park, "enterprise": None, "subjects": subjects}
    with ctx.db.read_session() as s:
        cond = [audit.visible_entries(actor, park), E.c.seq < cp.size]
        if enterprise_id is not None:
            ent = directory.known_enterprise(s, actor, enterprise_id)
            cond.append(audit.visible_entries(_as_enterprise(actor, ent), park))
            scope["enterprise"] = {"uscc": ent.uscc, "name": ent.name}
        if subjects is not None:
            cond.append(E.c.subject.in_(subjects))
        count = s.scalar(sa.select(sa.func.count()).select_from(E).where(*cond)) or 0
        if count > MAX_BUNDLE_ENTRIES:
            raise BadValue(
                zh=f"数据包将含 {count} 条记录，超过上限 {MAX_BUNDLE_ENTRIES}；"
                "请按单位或对象缩小范围",
                en=f"the bundle would hold {count} entries (limit {MAX_BUNDLE_ENTRIES}); narrow it "
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
        "checkpoint": checkpoints.cosign_now(ctx, cp),
        "vkey": ctx.signer.vkey,
        "tree_size": cp.size,
        "root_hash": cp.root.hex(),
        "entries": entries,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
