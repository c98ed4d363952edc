"""The things a park administrator must see at the end of the demo year: one of each kind of
warning."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hwtrace.demo.common import (
    Producer,
    SimClock,
    book,
    container_weight,
    ship,
)
from hwtrace.demo.paperwork import contract
from hwtrace.domain.access import Actor
from hwtrace.domain.lifecycle import Action, BatchStatus
from hwtrace.domain.paper_manifests import Scan
from hwtrace.services import batches as B
from hwtrace.services import bookings as BK
from hwtrace.services import corrections
from hwtrace.services import discrepancies as DS
from hwtrace.services import manifests as MF
from hwtrace.services import paper_manifests as PM
from hwtrace.services import receipts as RC
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch, Discrepancy


@dataclass
class Cast:
    """Who and what the scenarios work with."""

    ctx: Context
    sim: SimClock
    producers: list[Producer]
    transporter: Actor
    incinerator: Actor
    rng: random.Random

    def fresh(self, p: Producer, weight: str | None = None, profile: int = 0) -> str:
        """A new batch of ``p``'s, labelled and stored now."""
        ctx, t = self.ctx, self.sim.t
        prof = p.profiles[profile]
        b = B.register_batch(
            ctx,
            actor=p.op,
            command=B.RegisterBatch(
                profile_id=prof.id,
                weight_kg=weight or container_weight(prof.waste_code, self.rng),
                client_ts=t,
            ),
        )
        B.apply_event(ctx, actor=p.op, code=b.code, event=B.BatchEvent(Action.LABEL, client_ts=t))
        B.apply_event(
            ctx,
            actor=p.op,
            code=b.code,
            event=B.BatchEvent(Action.STORE, room_id=p.rooms[b.category], client_ts=t),
        )
        return b.code


def scenarios(
    ctx: Context,
    sim: SimClock,
    producers: list[Producer],
    transporter: Actor,
    incinerator: Actor,
    rng: random.Random,
) -> None:
    """The things a park administrator must see: one of each kind of warning, staged one after
    the other at their times before now (a stage may go on from the clock the last one left)."""
    cast = Cast(ctx, sim, producers, transporter, incinerator, rng)
    base = sim.t
    for stage in STAGES:
        stage(cast, base)


def overdue_transfer(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    sim = c.sim
    fresh = c.fresh
    transporter = c.transporter
    incinerator = c.incinerator
    p3 = c.producers[2]
    # A transfer that left eight days ago and was never confirmed: overdue.
    sim.t = base - dt.timedelta(days=8)
    ship(ctx, sim, p3, [fresh(p3), fresh(p3)], transporter, incinerator, "D10")


def troubled_receipt(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    sim = c.sim
    fresh = c.fresh
    transporter = c.transporter
    incinerator = c.incinerator
    p4 = c.producers[3]
    # A receipt with a weight discrepancy (+4 %), a partial rejection, a missing batch and a
    # wholly rejected batch that goes back into storage.
    sim.t = base - dt.timedelta(days=3)
    codes = [fresh(p4) for _ in range(4)]
    number = ship(ctx, sim, p4, codes, transporter, incinerator, "D10")
    sim.t += dt.timedelta(hours=5)
    with ctx.db.read_session() as s:
        w = dict(
            s.execute(sa.select(Batch.code, Batch.weight_g).where(Batch.code.in_(codes))).all()
        )
    B.apply_event(
        ctx,
        actor=incinerator,
        code=codes[0],
        event=B.BatchEvent(
            Action.RECEIVE, manifest=number, weight_kg=f"{w[codes[0]] * 1.04 / 1000:.3f}"
        ),
    )
    B.apply_event(
        ctx,
        actor=incinerator,
        code=codes[1],
        event=B.BatchEvent(
            Action.RECEIVE,
            manifest=number,
            weight_kg=f"{w[codes[1]] / 1000:.3f}",
            rejected_kg="20",
            reason="桶内混入不明液体，该部分退回",
        ),
    )
    B.apply_event(
        ctx,
        actor=incinerator,
        code=codes[2],
        event=B.BatchEvent(
            Action.REJECT, manifest=number, weight_kg=f"{w[codes[2]] / 1000:.3f}", reason="包装破损"
        ),
    )
    MF.confirm_receipt(ctx, actor=incinerator, number=number)  # codes[3] never scanned: missing
    # 第十八条第二款: the receiver decides about the heavy batch; the partly rejected one waits
    RC.decide(
        ctx,
        actor=incinerator,
        number=number,
        code=codes[0],
        decision="accept_measured",
        reason="磅差经复核，以接受人地磅计量为准",
    )
    sim.t += dt.timedelta(days=1)
    B.apply_event(
        ctx,
        actor=p4.op,
        code=codes[2],
        event=B.BatchEvent(Action.STORE, room_id=p4.rooms["HW02"], client_ts=sim.t),
    )


def resolved_discrepancy(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    sim = c.sim
    fresh = c.fresh
    transporter = c.transporter
    incinerator = c.incinerator
    p5 = c.producers[4]
    # A resolved weight discrepancy from p5 (explained by the producer).
    sim.t = base - dt.timedelta(days=2)
    c5 = fresh(p5)
    n5 = ship(ctx, sim, p5, [c5], transporter, incinerator, "D10")
    with ctx.db.read_session() as s:
        g5 = s.scalar(sa.select(Batch.weight_g).where(Batch.code == c5)) or 0
    B.apply_event(
        ctx,
        actor=incinerator,
        code=c5,
        event=B.BatchEvent(Action.RECEIVE, manifest=n5, weight_kg=f"{g5 * 0.97 / 1000:.3f}"),
    )
    MF.confirm_receipt(ctx, actor=incinerator, number=n5)
    with ctx.db.read_session() as s:
        did = s.scalar(sa.select(Discrepancy.id).where(Discrepancy.code == c5))
    if did:
        DS.resolve_discrepancy(
            ctx, actor=p5.admin, discrepancy_id=did, resolution="液体挥发损耗，已复核，属正常"
        )


def bookings_gone_wrong(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    sim = c.sim
    fresh = c.fresh
    transporter = c.transporter
    incinerator = c.incinerator
    p6 = c.producers[5]
    # An accepted booking whose window passed without a manifest; a declined and a cancelled one.
    sim.t = base - dt.timedelta(days=2)
    c6 = [fresh(p6), fresh(p6)]
    now = ctx.now()
    bk = BK.request_booking(
        ctx,
        actor=p6.op,
        req=BK.BookingRequest(
            codes=c6[:1],
            transporter_id=transporter.enterprise_id,
            receiver_id=incinerator.enterprise_id,
            window_start=now,
            window_end=now + dt.timedelta(hours=6),
            planned_method="D10",
        ),
    )
    BK.accept_booking(
        ctx,
        actor=transporter,
        booking_id=bk.id,
        acc=BK.Acceptance(
            vehicle_plate="苏E5B980",
            driver_user_id=transporter.user_id,
            driver_licence="320500199002",
        ),
    )
    for step in ("decline", "cancel"):
        b = BK.request_booking(
            ctx,
            actor=p6.op,
            req=BK.BookingRequest(
                codes=c6[1:],
                transporter_id=transporter.enterprise_id,
                receiver_id=incinerator.enterprise_id,
                window_start=now,
                window_end=now + dt.timedelta(days=2),
                planned_method="D10",
            ),
        )
        if step == "decline":
            BK.decline_booking(ctx, actor=transporter, booking_id=b.id, reason="车辆年检，改约下周")
        else:
            BK.cancel_booking(ctx, actor=p6.op, booking_id=b.id, reason="改为下次合并转运")


def room_over_capacity(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    sim = c.sim
    fresh = c.fresh
    p8 = c.producers[7]
    # A room over capacity after a weighing correction: p8's packaging room holds 400 kg; a ton
    # bag (吨袋) was registered with a digit missing and re-weighed on the weighbridge. The
    # correction multiplies the weight by ten, so it is flagged too.
    sim.t = base - dt.timedelta(hours=20)
    with ctx.db.read_session() as s:
        stored = int(
            s.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(Batch.weight_g), 0)).where(
                    Batch.room_id == p8.rooms["HW49"], Batch.status == BatchStatus.STORED
                )
            )
            or 0
        )
    weighed_g = max(400_000 - stored + 30_000, 200_000)
    typed = round(weighed_g / 10_000, 1)  # kilograms, a digit missing
    c8 = fresh(p8, f"{typed:.1f}", profile=1)
    with ctx.db.read_session() as s:
        reg_seq = next(iter(ctx.log.entries(s.connection(), subject=c8))).seq
    corrections.correct_batch(
        ctx,
        actor=p8.admin,
        code=c8,
        correction=corrections.Correction(
            corrects_seq=reg_seq,
            reason="吨袋录入时少输一位，地磅复秤",
            weight_kg=f"{typed * 10:.1f}",
        ),
    )


def contract_nearly_used(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    fresh = c.fresh
    transporter = c.transporter
    incinerator = c.incinerator
    p2 = c.producers[1]
    # A supplementary contract for packaging waste of which most is used already (p2).
    today = ctx.today()
    contract(
        ctx,
        p2,
        incinerator,
        "LY-BC-P2-01",
        {"900-041-49": "0.1"},
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=89),
        note="补充协议：包装物临时增量",
    )
    book(
        ctx,
        [fresh(p2, "42", profile=1), fresh(p2, "42", profile=1)],
        p2.op,
        transporter,
        incinerator,
    )


def odd_weight_and_clock(c: Cast, base: dt.datetime) -> None:
    ctx = c.ctx
    sim = c.sim
    fresh = c.fresh
    p2 = c.producers[1]
    p7 = c.producers[6]
    # A declared weight far out of line with the profile's history (p7), and an event whose
    # device clock runs behind (p2's PDA synced a scan-in stamped before the label print).
    for _ in range(10):  # enough recent history for the rule to judge
        fresh(p7)
    fresh(p7, "1850")
    sim.t = base - dt.timedelta(hours=6)
    b2 = B.register_batch(
        ctx,
        actor=p2.op,
        command=B.RegisterBatch(profile_id=p2.profiles[0].id, weight_kg="175", client_ts=sim.t),
    )
    B.apply_event(ctx, actor=p2.op, code=b2.code, event=B.BatchEvent(Action.LABEL, client_ts=sim.t))
    B.apply_event(
        ctx,
        actor=p2.op,
        code=b2.code,
        event=B.BatchEvent(
            Action.STORE, room_id=p2.rooms["HW02"], client_ts=sim.t - dt.timedelta(hours=3)
        ),
    )


def late_paper_manifest(c: Cast, base: dt.datetime) -> None:
    """第二十条: a transfer made on a paper manifest while the provincial platform was down,
    entered 24 days later (after the 10 working days): accepted, marked late, warned about."""
    ctx, sim = c.ctx, c.sim
    p6 = c.producers[5]
    sim.t = base - dt.timedelta(days=25)
    code = c.fresh(p6)
    day = (base - dt.timedelta(days=24)).astimezone(ZoneInfo(ctx.settings.timezone)).date()
    sim.t = base - dt.timedelta(hours=2)
    PM.record_paper_transfer(
        ctx,
        actor=p6.op,
        t=PM.PaperTransfer(
            paper_number=f"ZZ{day:%Y%m%d}01",
            transferred_on=day,
            reason="省固体废物管理信息平台停机，使用纸质转移联单",
            codes=[code],
            transporter_id=c.transporter.enterprise_id,
            driver_user_id=c.transporter.user_id,
            vehicle_plate="苏E5Z903",
            driver_licence="320500198802",
            receiver_id=c.incinerator.enterprise_id,
            planned_method="D10",
            scan=Scan("纸质联单扫描.pdf", "application/pdf", PAPER_SCAN),
        ),
    )


# A one-page PDF standing in for the scanned paper manifest.
PAPER_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


STAGES = (
    overdue_transfer,
    troubled_receipt,
    resolved_discrepancy,
    bookings_gone_wrong,
    room_over_capacity,
    contract_nearly_used,
    odd_weight_and_clock,
    late_paper_manifest,
)
