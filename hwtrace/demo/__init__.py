"""The demo park: a park administration, eight pharmaceutical producers, a transporter, an
incinerator and an oil recycler, users for each, waste profiles, storage rooms, and a year of
batches in every lifecycle state, with one of each kind of warning; and a disposer in another
province (浙江) with p1's cross-province approval for it.

Idempotent: running it twice leaves one demo park. Everything goes through the use cases, so the
demo ledger is a real one that verifies.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from hwtrace.demo import paperwork
from hwtrace.demo.common import ENTERPRISES, PASSWORD, actor, create_users, permits, uscc
from hwtrace.demo.year import simulate
from hwtrace.services import audit
from hwtrace.services import directory as D
from hwtrace.services.context import Context
from hwtrace.store.tables import Enterprise, User

__all__ = ["PASSWORD", "actor", "seed"]


def seed(
    ctx: Context,
    *,
    batches_per_producer: int = 40,
    rng_seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Create the demo park (once) and return its logins (``progress(day, days)`` as the
    simulated year goes by)."""
    D.ensure_park(ctx)
    logins: list[dict[str, Any]] = []
    with ctx.db.read_session() as s:
        existing = s.scalar(sa.select(sa.func.count()).select_from(Enterprise)) or 0
    ents: dict[str, Enterprise] = {}
    if existing == 0:
        for body, name, kind, x, y, contact in ENTERPRISES:
            ents[kind + str(len(ents))] = D.create_enterprise(
                ctx,
                actor=None,
                new=D.NewEnterprise(
                    uscc=uscc(body),
                    name=name,
                    kind=kind,
                    map_x=x,
                    map_y=y,
                    contact_name=contact,
                    contact_phone="0512-6000" + body[-4:],
                    address="示范化工园区" + name[:2] + "路 8 号",
                    permits=permits(kind, name),
                ),
            )
        create_users(ctx, list(ents.values()))
        simulate(ctx, batches_per_producer, random.Random(rng_seed), progress)
        paperwork.cross_province(ctx)
        audit.sign_checkpoint(ctx)
    with ctx.db.read_session() as s:
        for user, ent in s.execute(sa.select(User, Enterprise).join(Enterprise).order_by(User.id)):
            logins.append(
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "role": user.role,
                    "enterprise": ent.name,
                }
            )
    return logins
