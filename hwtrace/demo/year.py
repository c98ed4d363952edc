"""A simulated year of the park: production, storage, fortnightly pickups, receipts and disposal."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import sqlalchemy as sa

from hwtrace.demo.common import (
    CONTAINER_L,
    Producer,
    SimClock,
    actor,
    container_weight,
    register_fleet,
    setup_producer,
    ship,
)
from hwtrace.demo.paperwork import declare, sign
from hwtrace.demo.scenarios import scenarios
from hwtrace.domain.access import Actor
from hwtrace.domain.lifecycle import Action
from hwtrace.services import batches as B
from hwtrace.services import manifests as MF
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch


def simulate(
    ctx: Context,
    per_producer: int,
    rng: random.Random,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    real_now = ctx.now()
    saved = ctx.clock
    sim = SimClock(real_now - dt.timedelta(days=380))
    ctx.clock = sim
    try:
        simulate_year(ctx, sim, real_now, per_producer, rng, progress or (lambda done, total: None))
    finally:
        ctx.clock = saved


def simulate_year(
    ctx: Context,
    sim: SimClock,
    real_now: dt.datetime,
    per_producer: int,
    rng: random.Random,
    progress: Callable[[int, int], None],
) -> None:
    transporter = actor(ctx, "driver")
    register_fleet(ctx, transporter, real_now.date())
    incinerator = actor(ctx, "receiver")
    recycler = actor(ctx, "recycler")
    producers = [setup_producer(ctx, n, rng) for n in range(1, 9)]
    start = sim.t
    days = (real_now - start).days
    first = ctx.today()
    # Production dates: spread over the year, a little busier lately.
    plan: dict[int, list[tuple[Producer, int]]] = {}
    for p in producers:
        for i in range(per_producer):
            day = int(days * rng.random() ** 0.8)
            plan.setdefault(day, []).append((p, i))
    for p in producers[:2]:  # one batch each past, and near, the one-year limit
        plan.setdefault(10, []).append((p, -1))
        plan.setdefault(days - 350, []).append((p, -2))
    for day in range(days + 1):
        progress(day, days + 1)
        sim.t = start + dt.timedelta(days=day, hours=9)
        sign(ctx, day, producers, incinerator, recycler, first, real_now)
        declare(ctx, day, days, producers)
        for p, i in plan.get(day, []):
            profile = p.profiles[(i if i >= 0 else p.n) % len(p.profiles)]
            weight = container_weight(profile.waste_code, rng)
            batch = B.register_batch(
                ctx,
                actor=p.op,
                command=B.RegisterBatch(
                    profile_id=profile.id,
                    weight_kg=weight,
                    container_volume_l=CONTAINER_L.get(profile.packaging, 200),
                    client_ts=sim.t,
                ),
            )
            code = batch.code
            if i >= 0 and i % 29 == 3:
                B.apply_event(
                    ctx,
                    actor=p.op,
                    code=code,
                    event=B.BatchEvent(
                        Action.VOID, reason="标签打印错误，重新登记", client_ts=sim.t
                    ),
                )
                continue
            if day > days - 4 and i % 3 == 0:
                continue  # registered lately, never labelled
            B.apply_event(
                ctx, actor=p.op, code=code, event=B.BatchEvent(Action.LABEL, client_ts=sim.t)
            )
            if day > days - 4 and i % 3 == 1:
                continue  # labelled, not yet stored: a warning after 24 h
            B.apply_event(
                ctx,
                actor=p.op,
                code=code,
                event=B.BatchEvent(Action.STORE, room_id=p.rooms[batch.category], client_ts=sim.t),
            )
            if i >= 0:  # the special ones stay in storage
                p.stored.append((code, profile.waste_code))
        # Pickups: each producer every two weeks (staggered), of what was stored a week ago.
        for p in producers:
            if (day + 2 * p.n) % 14 == 0 and day < days - 2:
                pickup(ctx, sim, p, transporter, incinerator, recycler, rng, days - day)
    progress(days + 1, days + 1)
    sim.t = real_now - dt.timedelta(hours=2)
    scenarios(ctx, sim, producers, transporter, incinerator, rng)


def pickup(
    ctx: Context,
    sim: SimClock,
    p: Producer,
    transporter: Actor,
    incinerator: Actor,
    recycler: Actor,
    rng: random.Random,
    days_left: int,
) -> None:
    if not p.stored:
        return
    oil = [c for c, w in p.stored if w == "900-249-08"]
    rest = [c for c, w in p.stored if c not in oil]
    p.stored.clear()
    saved = sim.t
    for codes, receiver, method, final in (
        (rest, incinerator, "D10", Action.DISPOSE),
        (oil, recycler, "R9", Action.UTILIZE),
    ):
        if not codes:
            continue
        sim.t = saved + dt.timedelta(hours=1)
        number = ship(ctx, sim, p, codes, transporter, receiver, method)
        if days_left < 3:
            continue
        sim.t = saved + dt.timedelta(days=1, hours=2)
        with ctx.db.read_session() as s:
            weights = dict(
                s.execute(sa.select(Batch.code, Batch.weight_g).where(Batch.code.in_(codes))).all()
            )
        for c in codes:
            got = weights[c] * rng.uniform(0.997, 1.003)
            B.apply_event(
                ctx,
                actor=receiver,
                code=c,
                event=B.BatchEvent(
                    Action.RECEIVE, manifest=number, weight_kg=f"{got / 1000:.3f}", client_ts=sim.t
                ),
            )
        MF.confirm_receipt(ctx, actor=receiver, number=number)
        if days_left < 8:
            continue
        sim.t = saved + dt.timedelta(days=rng.randint(3, 7))
        for c in codes:
            B.apply_event(
                ctx,
                actor=receiver,
                code=c,
                event=B.BatchEvent(final, method=method, client_ts=sim.t),
            )
    sim.t = saved
