"""Read-only views for the web console: one file per enterprise, the park map, charts.

Everything is an indexed aggregate over the read model or a bounded, seq-ordered slice of the
ledger, so the pages stay fast on a ledger of millions of entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain.access import Actor
from hwtrace.domain.errors import NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.transport import ManifestStatus
from hwtrace.domain.warnings import Level, map_colour
from hwtrace.services import audit, batches, monitoring, warnings
from hwtrace.services.audit import entry_dict
from hwtrace.services.bookings import booking_subject
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Discrepancy,
    Enterprise,
    Manifest,
    MonthlyStat,
    StorageRoom,
    TransferLine,
    WasteProfile,
)
from ledger.schema import ledger_entry as E

S = BatchStatus
AT_PRODUCER = [s.value for s in (S.REGISTERED, S.LABELLED, S.STORED, S.AWAITING_PICKUP)]
FINAL = [S.UTILIZED, S.DISPOSED]


def visible_enterprise(ctx: Context, actor: Actor, enterprise_id: int) -> Enterprise:
    """Return an enterprise the caller may open (its own; any in the park for park roles)."""
    with ctx.db.read_session() as s:
        ent = s.get(Enterprise, enterprise_id)
    if (
        ent is None
        or ent.park_id != actor.park_id
        or (not actor.sees_whole_park and ent.id != actor.enterprise_id)
    ):
        raise NotFound(
            zh="单位不存在", en="no such enterprise", detail={"enterprise_id": enterprise_id}
        )
    return ent


@dataclass
class RoomFill:
    """A storage room and how full it is."""

    id: int
    name: str
    capacity_g: int
    stored_g: int
    batches: int
    categories: list[str]

    @property
    def pct(self) -> int:
        """Return the fill level in percent."""
        return round(100 * self.stored_g / self.capacity_g) if self.capacity_g else 0


@dataclass
class EnterpriseFile:
    """一企一档: everything the file page shows about one enterprise."""

    enterprise: Enterprise
    profiles: list[WasteProfile]
    rooms: list[RoomFill]
    by_status: dict[str, tuple[int, int]]  # status -> (count, grams)
    batches: list[Batch]
    batch_total: int
    entries: list[dict[str, Any]]
    manifests: list[Manifest] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    """The filters of the file page's batch list and ledger."""

    status: str | None = None
    waste_code: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 0
    per_page: int = 50


def _own(model: Any, ent: Enterprise) -> Any:
    """The rows an enterprise is party to, by the one column its kind fills (index-friendly)."""
    col = {
        "producer": model.producer_id,
        "transporter": model.transporter_id,
        "receiver": model.receiver_id,
    }.get(ent.kind)
    return col == ent.id if col is not None else sa.false()


def _room_fills(s: Session, eid: int) -> list[RoomFill]:
    """Each of the enterprise's rooms with the weight and count stored in it now."""
    own_rooms = sa.select(StorageRoom.id).where(StorageRoom.enterprise_id == eid)
    stored = (
        sa.select(
            Batch.room_id,
            sa.func.coalesce(sa.func.sum(Batch.weight_g), 0).label("g"),
            sa.func.count().label("n"),
        )
        # By room (the rooms are the producer's, and only its batches are stored there):
        # index-only on ix_batch_room, where filtering on the producer visits every stored
        # batch's row (141 ms of a 246 ms page at 10 M entries on PostgreSQL).
        .where(
            Batch.room_id.in_(own_rooms),
            Batch.status == S.STORED,
        )
        .group_by(Batch.room_id)
        .subquery()
    )
    return [
        RoomFill(
            r.id, r.name, r.capacity_g, int(r.g or 0), int(r.n or 0), list(r.allowed_categories)
        )
        for r in s.execute(
            sa.select(
                StorageRoom.id,
                StorageRoom.name,
                StorageRoom.capacity_g,
                StorageRoom.allowed_categories,
                stored.c.g,
                stored.c.n,
            )
            .outerjoin(stored, stored.c.room_id == StorageRoom.id)
            .where(StorageRoom.enterprise_id == eid)
            .order_by(StorageRoom.id)
        )
    ]


def enterprise_file(
    ctx: Context, *, actor: Actor, enterprise_id: int, f: Filters
) -> EnterpriseFile:
    """Return the file of one enterprise as the caller may see it."""
    ent = visible_enterprise(ctx, actor, enterprise_id)
    eid = ent.id
    with ctx.db.read_session() as s:
        profiles = list(
            s.scalars(
                sa.select(WasteProfile)
                .where(WasteProfile.enterprise_id == eid)
                .order_by(WasteProfile.id)
            )
        )
        rooms = _room_fills(s, eid)
        mine = _own(Batch, ent)
        by_status = {
            r.status: (int(r.n), int(r.g or 0))
            for r in s.execute(
                sa.select(
                    Batch.status, sa.func.count().label("n"), sa.func.sum(Batch.weight_g).label("g")
                )
                .where(mine)  # the enterprise is in the caller's park (checked above)
                .group_by(Batch.status)
            )
        }
        cond = [mine]
        if f.status:
            cond.append(Batch.status == f.status)
        if f.waste_code:
            cond.append(Batch.waste_code == f.waste_code)
        if f.since:
            cond.append(Batch.produced_on >= f.since)
        if f.until:
            cond.append(Batch.produced_on <= f.until)
        total = int(s.scalar(sa.select(sa.func.count()).select_from(Batch).where(*cond)) or 0)
        batches = list(
            s.scalars(
                sa.select(Batch)
                .where(*cond)
                .order_by(Batch.id.desc())
                .limit(f.per_page)
                .offset(f.page * f.per_page)
            )
        )
        entries = _entries(s, ctx.settings.park_code, ent, f)
        manifests = list(
            s.scalars(
                sa.select(Manifest)
                .where(_own(Manifest, ent))
                .order_by(Manifest.id.desc())
                .limit(20)
            )
        )
        s.expunge_all()
    return EnterpriseFile(ent, profiles, rooms, by_status, batches, total, entries, manifests)


def _entries(
    s: Any, log_id: str, ent: Enterprise, f: Filters, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest ledger entries about the enterprise's batches or made by it, filtered."""
    q = (
        sa.select(E.c.body)
        .select_from(E.outerjoin(Batch, Batch.code == E.c.subject))
        .where(
            E.c.log_id == log_id,
            sa.or_(_own(Batch, ent), E.c.enterprise == ent.uscc),
        )
    )
    if f.status:
        q = q.where(Batch.status == f.status)
    if f.waste_code:
        q = q.where(Batch.waste_code == f.waste_code)
    if f.since:
        q = q.where(E.c.server_ts >= f.since.isoformat())
    if f.until:
        q = q.where(E.c.server_ts < (f.until + dt.timedelta(days=1)).isoformat())
    rows = s.execute(q.order_by(E.c.seq.desc()).limit(limit)).all()
    return [entry_dict(bytes(r.body)) for r in rows]


@dataclass
class Plot:
    """One enterprise on the park map."""

    id: int
    name: str
    kind: str
    x: int
    y: int
    stored_g: int = 0
    capacity_g: int = 0
    over_limit: int = 0
    near_limit: int = 0
    open_discrepancies: int = 0
    overdue_transfers: int = 0
    fullest_room_pct: int = 0
    open_red: int = 0  # warnings not acknowledged, by level
    open_amber: int = 0
    alarm_rooms: list[tuple[int, str]] = field(default_factory=list)  # rooms in alarm

    @property
    def fill_pct(self) -> int:
        """Return stored weight as a percentage of room capacity."""
        return round(100 * self.stored_g / self.capacity_g) if self.capacity_g else 0

    @property
    def risk(self) -> str:
        """green / amber / red, with the rule on the map legend (a room in alarm is red)."""
        if self.alarm_rooms:
            return Level.RED.value
        return map_colour(
            over_limit=self.over_limit,
            near_limit=self.near_limit,
            open_discrepancies=self.open_discrepancies,
            overdue_transfers=self.overdue_transfers,
            fill_pct=self.fullest_room_pct,
            open_red=self.open_red,
            open_amber=self.open_amber,
        )

    @property
    def reasons(self) -> list[str]:
        """Return why the plot has its colour, in Chinese."""
        out = []
        if self.alarm_rooms:
            out.append("库房报警：" + "、".join(name for _, name in self.alarm_rooms))
        if self.over_limit:
            out.append(f"超期贮存 {self.over_limit} 批")
        if self.near_limit:
            out.append(f"即将到期 {self.near_limit} 批")
        if self.open_discrepancies:
            out.append(f"未处理差异 {self.open_discrepancies} 项")
        if self.overdue_transfers:
            out.append(f"转移超时 {self.overdue_transfers} 单")
        if self.open_red or self.open_amber:
            out.append(f"未处理预警 红 {self.open_red} 项、黄 {self.open_amber} 项")
        if self.capacity_g:
            out.append(f"最满库房占用 {self.fullest_room_pct}%（全部库房 {self.fill_pct}%）")
        return out


@dataclass
class ParkMap:
    """The park map's plots and totals."""

    plots: list[Plot]
    by_category: list[tuple[str, int, int]]  # category, batches, grams at producers
    by_enterprise: list[tuple[str, int, int]]


def _room_fullness(s: Session, plots: dict[int, Plot], ids: list[int]) -> None:
    """Each plot's storage capacity and its fullest room (per cent of capacity)."""
    rooms_of = sa.select(StorageRoom.id).where(StorageRoom.enterprise_id.in_(ids))
    per_room = (
        sa.select(Batch.room_id, sa.func.sum(Batch.weight_g).label("g"))
        .where(Batch.room_id.in_(rooms_of), Batch.status == S.STORED)
        .group_by(Batch.room_id)
        .subquery()
    )
    for r in s.execute(
        sa.select(StorageRoom.enterprise_id, StorageRoom.capacity_g, per_room.c.g)
        .outerjoin(per_room, per_room.c.room_id == StorageRoom.id)
        .where(StorageRoom.enterprise_id.in_(ids))
    ):
        p = plots[r[0]]
        p.capacity_g += int(r[1] or 0)
        if r[1]:
            p.fullest_room_pct = max(p.fullest_room_pct, round(100 * int(r[2] or 0) / int(r[1])))


def _open_problems(
    s: Session, actor: Actor, plots: dict[int, Plot], ids: list[int], now: dt.datetime
) -> None:
    """Each plot's open weight discrepancies (as shipper or receiver) and overdue transfers."""
    for col in (Discrepancy.producer_id, Discrepancy.receiver_id):
        for r in s.execute(
            sa.select(col, sa.func.count())
            .where(
                Discrepancy.park_id == actor.park_id,
                Discrepancy.resolved_seq.is_(None),
                col.in_(ids),
            )
            .group_by(col)
        ):
            plots[r[0]].open_discrepancies += int(r[1])
    for r in s.execute(
        sa.select(Manifest.producer_id, sa.func.count())
        .where(
            Manifest.park_id == actor.park_id,
            Manifest.status == ManifestStatus.IN_TRANSIT,
            Manifest.receipt_due_at < now,
            Manifest.producer_id.in_(ids),
        )
        .group_by(Manifest.producer_id)
    ):
        plots[r[0]].overdue_transfers += int(r[1])


def _colour_by_warnings(ctx: Context, actor: Actor, plots: dict[int, Plot]) -> None:
    """Open warnings colour the plot too (those acknowledged with a note do not)."""
    items, _ = warnings.compute(ctx, actor=actor)
    for w in items:
        plot = plots.get(w.enterprise_id)
        if plot is None or w.acknowledged is not None:
            continue
        if w.level is Level.RED:
            plot.open_red += 1
        else:
            plot.open_amber += 1


def park_map(ctx: Context, *, actor: Actor) -> ParkMap:
    """Return the park map for park roles (enterprises get only their own plot)."""
    today = ctx.today()
    st = ctx.settings
    over_day = today - dt.timedelta(days=st.storage_limit_days)
    near_day = today - dt.timedelta(days=st.storage_limit_days - max(st.storage_warn_days or (0,)))
    with ctx.db.read_session() as s:
        # A receiver in another province (cross-province transfers) is not on the park's map.
        here = sa.or_(
            Enterprise.province_code.is_(None), Enterprise.province_code == st.province_code
        )
        cond = [Enterprise.park_id == actor.park_id, here]
        if not actor.sees_whole_park:
            cond.append(Enterprise.id == actor.enterprise_id)
        plots = {
            e.id: Plot(e.id, e.name, e.kind, e.map_x or 0, e.map_y or 0)
            for e in s.scalars(sa.select(Enterprise).where(*cond).order_by(Enterprise.id))
        }
        ids = list(plots)
        at_prod = [Batch.park_id == actor.park_id, Batch.status.in_(AT_PRODUCER)]
        if not actor.sees_whole_park:  # the park needs no filter: (park_id, status, ...) covers
            at_prod.append(Batch.producer_id.in_(ids))
        # ``producer_id + 0`` groups without inviting the planner to walk an index on
        # producer_id (SQLite would rather scan every batch than sort a few thousand rows).
        pid = (Batch.producer_id + 0).label("pid")
        for r in s.execute(
            sa.select(
                pid,
                sa.func.sum(sa.case((Batch.status == S.STORED, Batch.weight_g), else_=0)),
                sa.func.sum(sa.case((Batch.produced_on <= over_day, 1), else_=0)),
                sa.func.sum(
                    sa.case(
                        (sa.and_(Batch.produced_on <= near_day, Batch.produced_on > over_day), 1),
                        else_=0,
                    )
                ),
            )
            .where(*at_prod)
            .group_by(pid)
        ):
            p = plots[r[0]]
            p.stored_g, p.over_limit, p.near_limit = int(r[1] or 0), int(r[2] or 0), int(r[3] or 0)
        _room_fullness(s, plots, ids)
        _open_problems(s, actor, plots, ids, ctx.now())
        by_category = [
            (r[0], int(r[1]), int(r[2] or 0))
            for r in s.execute(
                sa.select(Batch.category, sa.func.count(), sa.func.sum(Batch.weight_g))
                .where(*at_prod)
                .group_by(Batch.category)
                .order_by(Batch.category)
            )
        ]
        by_enterprise = [
            (plots[r[0]].name, int(r[1]), int(r[2] or 0))
            for r in s.execute(
                sa.select(pid, sa.func.count(), sa.func.sum(Batch.weight_g))
                .where(*at_prod)
                .group_by(pid)
                .order_by(sa.func.sum(Batch.weight_g).desc())
            )
        ]
    _colour_by_warnings(ctx, actor, plots)
    _mark_alarms(ctx, actor, plots)
    return ParkMap(list(plots.values()), by_category, by_enterprise)


def _mark_alarms(ctx: Context, actor: Actor, plots: dict[int, Plot]) -> None:
    """Rooms in alarm mark their enterprise's plot."""
    for eid, rooms in monitoring.alarmed_rooms(ctx, actor=actor).items():
        if eid in plots:
            plots[eid].alarm_rooms = rooms


@dataclass
class Monthly:
    """Monthly generated and disposed kilograms, by a key (category or enterprise)."""

    months: list[str]
    generated: dict[str, list[int]]
    disposed: dict[str, list[int]]


def monthly(
    ctx: Context,
    *,
    actor: Actor,
    by: str = "category",
    months: int = 12,
    enterprise_id: int | None = None,
) -> Monthly:
    """Return grams generated (by production month) and utilized/disposed (by month of the
    final event) over the last ``months`` months, keyed by waste category or producer, from the
    write-time aggregate ``MonthlyStat``."""
    today = ctx.today()
    first = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    labels = []
    d = first
    while d <= today:
        labels.append(f"{d:%Y-%m}")
        d = (d + dt.timedelta(days=32)).replace(day=1)
    cond = [MonthlyStat.park_id == actor.park_id, MonthlyStat.month >= labels[0]]
    target = enterprise_id if actor.sees_whole_park else actor.enterprise_id
    if target is not None:
        cond.append(MonthlyStat.producer_id == target)
    key_col = MonthlyStat.category if by == "category" else MonthlyStat.producer_id
    gen: dict[str, list[int]] = {}
    dis: dict[str, list[int]] = {}
    with ctx.db.read_session() as s:
        names = {
            e.id: e.name
            for e in s.scalars(sa.select(Enterprise).where(Enterprise.park_id == actor.park_id))
        }
        for r in s.execute(
            sa.select(key_col, MonthlyStat.month, MonthlyStat.kind, sa.func.sum(MonthlyStat.grams))
            .where(*cond)
            .group_by(key_col, MonthlyStat.month, MonthlyStat.kind)
        ):
            acc = gen if r[2] == "gen" else dis
            _add(acc, _key(r[0], by, names), labels, str(r[1]), int(r[3] or 0))
    return Monthly(labels, gen, dis)


def _key(value: Any, by: str, names: dict[int, str]) -> str:
    return str(value) if by == "category" else names.get(int(value), str(value))


def _add(acc: dict[str, list[int]], key: str, labels: list[str], month: str, g: int) -> None:
    if month not in labels:
        return
    acc.setdefault(key, [0] * len(labels))[labels.index(month)] += g


@dataclass
class BatchFile:
    """Everything the batch page shows: the batch, its waste profile and producer, where it is,
    the manifests it travelled on, and every ledger entry about it, its bookings and manifests
    that the caller may see, in order."""

    batch: Batch
    profile: WasteProfile
    producer: Enterprise
    room: str
    manifests: list[Manifest]
    names: dict[str, str]
    entries: list[dict[str, Any]]


def batch_file(ctx: Context, *, actor: Actor, code: str) -> BatchFile:
    """Return the batch page of one batch the caller may see (404 otherwise)."""
    batch = batches.get_batch(ctx, actor=actor, code=code)
    with ctx.db.read_session() as s:
        profile = s.get_one(WasteProfile, batch.profile_id)
        producer = s.get_one(Enterprise, batch.producer_id)
        room = s.get(StorageRoom, batch.room_id) if batch.room_id else None
        booking_ids = list(
            s.scalars(sa.select(TransferLine.booking_id).where(TransferLine.batch_id == batch.id))
        )
        manifests = list(
            s.scalars(
                sa.select(Manifest)
                .where(Manifest.booking_id.in_(booking_ids))
                .order_by(Manifest.id)
            )
        )
        names = {
            e.uscc: e.name
            for e in s.scalars(sa.select(Enterprise).where(Enterprise.park_id == actor.park_id))
        }
        room_name = room.name if room else ""
        s.expunge_all()
    subjects = [batch.code, *(booking_subject(i) for i in booking_ids)]
    subjects += [m.number for m in manifests]
    entries: list[dict[str, Any]] = []
    for subject in subjects:
        entries += audit.list_entries(ctx, actor=actor, subject=subject, limit=200)
    entries.sort(key=lambda e: int(e["seq"]))
    return BatchFile(batch, profile, producer, room_name, manifests, names, entries)
