"""Emergency paper manifests (《危险废物转移管理办法》第二十条): the 移出人 enters afterwards a
transfer that ran on a paper manifest — the paper's number, the day, why, the scan, the carrier, the
receiver and the batches carried. One transaction makes what the electronic steps would have
made: a booking and a manifest (its number from the national counter, 第十五条) marked
"paper" in its ``manifest.create`` entry (with the scan's SHA-256), each batch taken out of
storage and loaded (entries dated at the paper's day), and the departure; the receiver then
receives it as any other manifest. Across provinces the transfer is checked against the
approval valid on the paper's day (第二十一–二十八条) and counted against it. An entry later
than 10 working days after the transfer is accepted and recorded as late (the
``paper_manifest_late`` warning). The rules are in ``domain/paper_manifests.py``."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain import paper_manifests as P
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.manifest_numbers import counter_name, national_number
from hwtrace.domain.transport import (
    BookingStatus,
    LineOutcome,
    ManifestStatus,
    check_booking_codes,
    check_driver_licence,
    check_plate,
    check_receiver_permit,
    check_transport_permit,
)
from hwtrace.domain.trips import check_one_shipper
from hwtrace.domain.vocabularies import disposal_method
from hwtrace.domain.warnings import Kind, Warning
from hwtrace.domain.workdays import RECEIPT_WORKING_DAYS
from hwtrace.services import approvals, bookings, contracts, manifests, parties, workdays
from hwtrace.services.context import Context
from hwtrace.store.receipts import PaperManifest
from hwtrace.store.tables import Batch, Booking, Enterprise, Manifest, User
from hwtrace.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PaperTransfer:
    """What the 移出人 enters from its paper manifest."""

    paper_number: str
    transferred_on: dt.date
    reason: str
    codes: list[str]
    transporter_id: int
    driver_user_id: int
    vehicle_plate: str
    driver_licence: str
    receiver_id: int
    planned_method: str
    scan: P.Scan


def _require_producer(actor: Actor) -> None:
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(
            zh="只有产废单位（移出人）可以补录纸质联单",
            en="only producers enter paper manifests",
            code="auth.forbidden",
        )


def _driver(s: Session, transporter_id: int, user_id: int) -> User:
    driver = s.get(User, user_id)
    if driver is None or driver.enterprise_id != transporter_id or not driver.active:
        raise Conflict(
            zh="驾驶员须为该运输单位的在职人员",
            en="the driver must be an active user of the transporter",
            code="transport.driver_invalid",
        )
    return driver


def _checked_parties(
    ctx: Context, s: Session, actor: Actor, t: PaperTransfer
) -> tuple[Enterprise, Enterprise, Enterprise, str]:
    """The producer, the transporter (its permit valid on the paper's day) and the receiver."""
    producer = parties.enterprise(s, actor.enterprise_id)
    transporter = parties.enterprise_of_kind(s, actor, t.transporter_id, EnterpriseKind.TRANSPORTER)
    receiver = parties.enterprise_of_kind(s, actor, t.receiver_id, EnterpriseKind.RECEIVER)
    permit = check_transport_permit(transporter.permits, t.transferred_on, transporter.name)
    return producer, transporter, receiver, permit


# one piece: the entry's steps share the rows they lock, in the order the ledger records them
def record_paper_transfer(ctx: Context, *, actor: Actor, t: PaperTransfer) -> PaperManifest:
    """The 移出人 enters a transfer made on a paper manifest (第二十条)."""
    _require_producer(actor)
    number = P.check_entry(t.paper_number, t.transferred_on, ctx.today(), t.reason)
    P.check_scan(t.scan)
    check_booking_codes(t.codes)
    plate = check_plate(t.vehicle_plate)
    licence = check_driver_licence(t.driver_licence)
    method = disposal_method(t.planned_method)
    for c in t.codes:
        codes.parse_scanned(c)
    tz = ZoneInfo(ctx.settings.timezone)
    at = P.transfer_instant(t.transferred_on, tz)
    sha = hashlib.sha256(t.scan.data).hexdigest()
    with ctx.uow() as uow:
        s = uow.session
        producer, transporter, receiver, permit = _checked_parties(ctx, s, actor, t)
        if s.scalar(
            sa.select(PaperManifest.id).where(
                PaperManifest.producer_id == producer.id, PaperManifest.paper_number == number
            )
        ):
            raise Conflict(
                zh=f"纸质联单 {number} 已补录",
                en=f"paper manifest {number} was entered already",
                code="paper.duplicate",
            )
        driver = _driver(s, transporter.id, t.driver_user_id)
        wanted = [codes.normalize(c) for c in t.codes]
        batches = bookings.lock_bookable(s, producer.id, wanted)
        rows = [batches[c] for c in wanted]
        early = [b.code for b in rows if b.produced_on > t.transferred_on]
        if early:
            raise Conflict(
                zh=f"转移日期早于批次的产生日期：{'、'.join(early)}",
                en="the transfer day is before the batches were produced",
                code="paper.before_production",
                detail={"codes": early},
            )
        check_one_shipper(producer.id, [b.producer_id for b in rows])
        check_receiver_permit(
            receiver.permits,
            waste_codes={b.waste_code for b in rows},
            requested_g=sum(b.weight_g for b in rows),
            used_g=bookings.receiver_used_g(s, receiver.id, ctx.now()),
            receiver_name=receiver.name,
        )
        chosen = contracts.cover(
            s,
            producer_id=producer.id,
            receiver=receiver,
            transporter_id=transporter.id,
            wanted_g=bookings.grams_by_code(rows),
            day=t.transferred_on,
        )
        approval_id = approvals.cover(
            ctx,
            s,
            producer.id,
            receiver,
            method["code"],
            bookings.grams_by_code(rows),
            day=t.transferred_on,
        )
        now = ctx.now()
        deadline, _ = workdays.deadline(s, ctx, at, P.WORKING_DAYS)
        late = P.is_late(deadline, ctx.today())
        booking = Booking(
            park_id=actor.park_id,
            producer_id=producer.id,
            transporter_id=transporter.id,
            receiver_id=receiver.id,
            status=BookingStatus.MANIFESTED,
            window_start=at,
            window_end=at,
            planned_method=method["code"],
            vehicle_plate=plate,
            driver_user_id=driver.id,
            driver_licence=licence,
            note=f"纸质联单 {number}",
            approval_id=approval_id,
            created_by=actor.username,
            created_at=now,
            updated_at=now,
            last_seq=-1,
        )
        s.add(booking)
        s.flush()
        for b in rows:
            bookings.put_on(s, booking, b, chosen[b.waste_code].id)
        province, city = ctx.settings.province_code, ctx.settings.city_code
        year = ctx.today().year
        manifest = Manifest(
            number=national_number(
                year, province, city, manifests.next_serial(s, counter_name(year, province, city))
            ),
            booking_id=booking.id,
            park_id=booking.park_id,
            producer_id=producer.id,
            transporter_id=transporter.id,
            receiver_id=receiver.id,
            status=ManifestStatus.IN_TRANSIT,
            vehicle_plate=plate,
            driver_user_id=driver.id,
            driver_licence=licence,
            transport_permit=permit,
            operating_permit=str((receiver.permits.get("operating") or {}).get("number") or ""),
            planned_method=method["code"],
            created_at=now,
            departed_at=at,
            last_seq=-1,
        )
        s.add(manifest)
        s.flush()
        paper = PaperManifest(
            park_id=actor.park_id,
            manifest_id=manifest.id,
            producer_id=producer.id,
            paper_number=number,
            transferred_on=t.transferred_on,
            reason=t.reason.strip(),
            deadline=deadline,
            late=late,
            scan_name=t.scan.name.strip()[:200] or "scan",
            scan_type=t.scan.mimetype,
            scan_size=len(t.scan.data),
            scan_sha256=sha,
            scan=t.scan.data,
            entered_by=actor.username,
            entered_at=now,
        )
        s.add(paper)
        lines = manifests.manifest_lines(s, booking.id)
        payload = manifests.create_payload(
            booking, manifest, lines, chosen, (producer, transporter, receiver)
        )
        payload["paper"] = paper_facts(paper)
        manifest.last_seq = booking.last_seq = parties.record(
            uow, actor, "manifest.create", manifest.number, payload
        )
        for line, b, _p in lines:
            _carry(uow, actor, b, manifest, booking, at, number)
            line.outcome = LineOutcome.LOADED
            line.loaded_at = at
        _, manifest.receipt_due_at = workdays.deadline(s, ctx, now, RECEIPT_WORKING_DAYS)
        manifest.last_seq = parties.record(
            uow,
            actor,
            "manifest.depart",
            manifest.number,
            {
                "prev": manifest.last_seq,
                "loaded": [ln.code for ln, _, _ in lines],
                "not_loaded": [],
                "reason": "",
                "vehicle_plate": plate,
                "receipt_due": manifest.receipt_due_at.astimezone(tz).date().isoformat(),
                "paper": number,
            },
            client_ts=at,
        )
        uow.commit()
        return paper


def _carry(
    uow: UnitOfWork,
    actor: Actor,
    b: Batch,
    manifest: Manifest,
    booking: Booking,
    at: dt.datetime,
    paper: str,
) -> None:
    """A batch carried on the paper manifest: taken out of storage (if it was in) and loaded,
    each an entry dated at the paper's day, as the electronic steps would have recorded."""
    s = uow.session
    when = max(at, b.event_at) if b.event_at else at
    common = {"manifest": manifest.number, "paper": paper}
    if b.status == BatchStatus.STORED:
        b.last_seq = parties.record(
            uow,
            actor,
            "batch.unstore",
            b.code,
            {
                "from": BatchStatus.STORED.value,
                "to": BatchStatus.AWAITING_PICKUP.value,
                "prev": b.last_seq,
                "room": {"id": b.room_id},
                "booking": bookings.booking_subject(booking.id),
                "transporter": parties.enterprise(s, manifest.transporter_id).uscc,
                "receiver": parties.enterprise(s, manifest.receiver_id).uscc,
                **common,
            },
            client_ts=when,
        )
        b.room_id = None
    b.last_seq = parties.record(
        uow,
        actor,
        "batch.load",
        b.code,
        {
            "from": BatchStatus.AWAITING_PICKUP.value,
            "to": BatchStatus.IN_TRANSIT.value,
            "prev": b.last_seq,
            "vehicle_plate": manifest.vehicle_plate,
            **common,
        },
        client_ts=when,
    )
    b.status = BatchStatus.IN_TRANSIT
    b.manifest_id = manifest.id
    b.event_at = when
    b.updated_at = uow.now()


def paper_facts(p: PaperManifest) -> dict[str, Any]:
    """The paper manifest as its ledger entry and its JSON carry it."""
    return {
        "number": p.paper_number,
        "transferred_on": p.transferred_on.isoformat(),
        "reason": p.reason,
        "deadline": p.deadline.isoformat(),
        "late": p.late,
        "article": P.ARTICLE_ZH,
        "scan": {
            "name": p.scan_name,
            "type": p.scan_type,
            "bytes": p.scan_size,
            "sha256": p.scan_sha256,
        },
    }


def _visible(s: Session, actor: Actor, p: PaperManifest | None) -> tuple[PaperManifest, Manifest]:
    m = s.get(Manifest, p.manifest_id) if p is not None else None
    if p is None or m is None or not parties.visible(actor, m):
        raise NotFound(zh="纸质联单不存在", en="no such paper manifest")
    return p, m


@dataclass(frozen=True)
class PaperRow:
    """A paper manifest with the electronic manifest it was entered as."""

    paper: PaperManifest
    number: str
    status: str
    producer: str
    receiver: str


def list_papers(ctx: Context, *, actor: Actor) -> list[PaperRow]:
    """Return the paper manifests of the manifests the caller is a party to (park: all)."""
    with ctx.db.read_session() as s:
        names = {
            r.id: r.name
            for r in s.execute(
                sa.select(Enterprise.id, Enterprise.name).where(Enterprise.park_id == actor.park_id)
            )
        }
        rows = s.execute(
            sa.select(PaperManifest, Manifest)
            .join(Manifest, Manifest.id == PaperManifest.manifest_id)
            .where(parties.party_cond(actor, Manifest))
            .order_by(PaperManifest.id.desc())
            .limit(200)
        ).all()
        return [
            PaperRow(
                p,
                m.number,
                m.status.value,
                names.get(m.producer_id, ""),
                names.get(m.receiver_id, ""),
            )
            for p, m in rows
        ]


def for_manifest(ctx: Context, *, actor: Actor, number: str) -> PaperManifest | None:
    """Return the paper manifest a manifest was entered from, if it was (its parties)."""
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        if m is None or not parties.visible(actor, m):
            raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
        return s.scalar(sa.select(PaperManifest).where(PaperManifest.manifest_id == m.id))


def facts_for(ctx: Context, *, actor: Actor, number: str) -> dict[str, Any] | None:
    """Return the paper manifest a manifest was entered from as its JSON carries it (with its
    id), or None for a manifest electronic from the start."""
    paper = for_manifest(ctx, actor=actor, number=number)
    return {"id": paper.id, **paper_facts(paper)} if paper else None


def paper_numbers(ctx: Context, *, actor: Actor) -> dict[str, str]:
    """Return manifest number -> paper number for the caller's manifests entered from paper."""
    return {r.number: r.paper.paper_number for r in list_papers(ctx, actor=actor)}


def scan(ctx: Context, *, actor: Actor, paper_id: int) -> tuple[str, str, bytes]:
    """Return a paper manifest's scan (name, type, bytes) to a party of its manifest."""
    with ctx.db.read_session() as s:
        p, _m = _visible(s, actor, s.get(PaperManifest, paper_id))
        return p.scan_name, p.scan_type, bytes(p.scan)


@dataclass(frozen=True)
class Options:
    """What the entry form offers: the producer's batches in storage, transporters with their
    users (the driver named on the paper), receivers, methods."""

    batches: list[Batch]
    transporters: list[tuple[Enterprise, list[User]]]
    receivers: list[Enterprise]


def options(ctx: Context, *, actor: Actor) -> Options:
    """Return the choices of the paper manifest form (producers)."""
    _require_producer(actor)
    with ctx.db.read_session() as s:
        batches = list(
            s.scalars(
                sa.select(Batch)
                .where(
                    Batch.producer_id == actor.enterprise_id,
                    Batch.status.in_([BatchStatus.STORED, BatchStatus.AWAITING_PICKUP]),
                    Batch.booking_id.is_(None),
                )
                .order_by(Batch.id)
                .limit(500)
            )
        )
        ents = list(
            s.scalars(
                sa.select(Enterprise)
                .where(Enterprise.park_id == actor.park_id)
                .order_by(Enterprise.name)
            )
        )
        users = list(
            s.scalars(
                sa.select(User)
                .where(User.enterprise_id.in_([e.id for e in ents]), User.active.is_(True))
                .order_by(User.username)
            )
        )
        s.expunge_all()
    tps = [e for e in ents if e.kind == EnterpriseKind.TRANSPORTER.value]
    return Options(
        batches,
        [(e, [u for u in users if u.enterprise_id == e.id]) for e in tps],
        [e for e in ents if e.kind == EnterpriseKind.RECEIVER.value],
    )


def manifest_number(ctx: Context, *, actor: Actor, paper_id: int) -> str:
    """Return the number of the electronic manifest a paper manifest was entered as."""
    with ctx.db.read_session() as s:
        _p, m = _visible(s, actor, s.get(PaperManifest, paper_id))
        return m.number


def late_warnings(
    s: Session,
    actor: Actor,
    enterprise_id: int | None,
    out: list[Warning],
    counts: Counter[str],
    timezone: str,
) -> None:
    """The ``paper_manifest_late`` warnings: paper manifests entered after the 10 working days
    of 第二十条, each with its deadline's date (for ``services/warnings.py``)."""
    cond = [PaperManifest.park_id == actor.park_id, PaperManifest.late.is_(True)]
    target = enterprise_id if actor.sees_whole_park else actor.enterprise_id
    if target is not None:
        cond.append(PaperManifest.producer_id == target)
    counts[Kind.PAPER_MANIFEST_LATE] = int(
        s.scalar(sa.select(sa.func.count()).select_from(PaperManifest).where(*cond)) or 0
    )
    rows = s.execute(
        sa.select(PaperManifest, Manifest.number)
        .join(Manifest, Manifest.id == PaperManifest.manifest_id)
        .where(*cond)
        .order_by(PaperManifest.id)
        .limit(500)
    ).all()
    for p, number in rows:
        entered = p.entered_at.astimezone(ZoneInfo(timezone)).date()
        out.append(
            Warning(
                kind=Kind.PAPER_MANIFEST_LATE,
                key=f"{Kind.PAPER_MANIFEST_LATE.value}:{p.id}",
                enterprise_id=p.producer_id,
                subject=number,
                message_zh=(
                    f"纸质联单 {p.paper_number}（转移日 {p.transferred_on.isoformat()}）"
                    f"补录为电子联单 {number} 时已过期限 {p.deadline.isoformat()}"
                    f"（{P.ARTICLE_ZH}：转移后 {P.WORKING_DAYS} 个工作日内补录）"
                ),
                message_en=(
                    f"paper manifest {p.paper_number} (transfer {p.transferred_on.isoformat()})"
                    f" was entered as manifest {number} after its deadline"
                    f" {p.deadline.isoformat()} (art. 20: within {P.WORKING_DAYS} working days)"
                ),
                facts={
                    "paper_number": p.paper_number,
                    "transferred_on": p.transferred_on.isoformat(),
                    "deadline": p.deadline.isoformat(),
                    "entered_on": entered.isoformat(),
                    "article": P.ARTICLE_ZH,
                },
            )
        )
