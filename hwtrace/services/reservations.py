"""Blocks of identification codes reserved in advance, so a PDA without signal can still
register and print: the server later accepts a registration that names a reserved code.

A reservation is a ledger entry; its codes come from the same counter as online allocation,
so no code is ever handed out twice, and an unused reserved code is simply never used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from hwtrace.domain import codes
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import Forbidden, NotFound
from hwtrace.services.allocation import allocate_block
from hwtrace.services.context import Context
from hwtrace.services.directory import require_authorized
from hwtrace.store.tables import Batch, CodeReservation, Enterprise, WasteProfile


def reserve_codes(
    ctx: Context, *, actor: Actor, profile_id: int, produced_on: dt.date | None, count: int
) -> tuple[CodeReservation, list[str]]:
    """Reserve ``count`` codes for one waste profile and production date."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以预留识别码", en="only producers reserve codes")
    today = ctx.today()
    day = produced_on or today
    codes.check_reservation(count=count, day=day, today=today)
    with ctx.uow() as uow:
        s = uow.session
        ent = s.get_one(Enterprise, actor.enterprise_id)
        profile = s.get(WasteProfile, profile_id)
        if profile is None or profile.enterprise_id != ent.id:
            raise NotFound(zh="废物档案不存在", en="no such waste profile")
        require_authorized(s, actor, profile)
        counter, first, block = allocate_block(
            s, uscc=ent.uscc, waste_code=profile.waste_code, day=day, count=count
        )
        last = counter.last_seq
        res = CodeReservation(
            enterprise_id=ent.id,
            user_id=actor.user_id,
            token_id=actor.token_id,
            profile_id=profile.id,
            prefix=counter.prefix,
            produced_on=day,
            first_seq=first,
            last_seq=last,
            created_at=ctx.now(),
        )
        s.add(res)
        s.flush()
        uow.record(
            entry_type="codes.reserve",
            subject=f"reservation:{res.id}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={
                "reservation": res.id,
                "profile_id": profile.id,
                "waste_code": profile.waste_code,
                "produced_on": day.isoformat(),
                "first": block[0],
                "last": block[-1],
                "count": count,
                "device_token": actor.token_id,
            },
        )
        uow.commit()
        return res, block


def list_reservations(ctx: Context, *, actor: Actor) -> list[dict[str, Any]]:
    """Return the caller's enterprise's reservations with how many codes were used."""
    with ctx.db.read_session() as s:
        rows = list(
            s.scalars(
                sa.select(CodeReservation)
                .where(CodeReservation.enterprise_id == actor.enterprise_id)
                .order_by(CodeReservation.id)
            )
        )
        out = []
        for r in rows:
            seqs = [
                codes.parse_scanned(c).seq
                for c in s.scalars(sa.select(Batch.code).where(Batch.code.like(r.prefix + "%")))
            ]
            used = sum(1 for q in seqs if r.first_seq <= q <= r.last_seq)
            out.append(
                {
                    "id": r.id,
                    "profile_id": r.profile_id,
                    "produced_on": r.produced_on.isoformat(),
                    "first_seq": r.first_seq,
                    "last_seq": r.last_seq,
                    "count": r.last_seq - r.first_seq + 1,
                    "used": used,
                }
            )
        return out
