"""Identification codes handed out: per (unit, waste code, production date) a counter that only
goes up, so a code is never reused, even for a voided label or an unused reservation (how a code
is made is ``domain/codes.py``). Online registration takes the next number; a reservation takes
a block for a handheld; a registration naming a reserved code is checked against its block.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain.access import Actor
from hwtrace.domain.errors import Conflict
from hwtrace.store.tables import Batch, CodeCounter, CodeReservation


def lock_counter(session: Session, *, uscc: str, waste_code: str, day: dt.date) -> CodeCounter:
    """Return the code counter of (unit, waste code, day), locked for this transaction."""
    prefix = codes.code_prefix(uscc=uscc, waste_code=waste_code, day=day)
    # Create the counter if it is missing without racing another writer (ON CONFLICT DO
    # NOTHING), then lock it: concurrent registrations queue here and get distinct numbers.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CodeCounter).values(prefix=prefix, last_seq=0).on_conflict_do_nothing())
    return session.execute(
        sa.select(CodeCounter).where(CodeCounter.prefix == prefix).with_for_update()
    ).scalar_one()


def allocate_code(session: Session, *, uscc: str, waste_code: str, day: dt.date) -> str:
    """Allocate the next identification code for (unit, waste code, day)."""
    _, _, block = allocate_block(session, uscc=uscc, waste_code=waste_code, day=day, count=1)
    return block[0]


def allocate_block(
    session: Session, *, uscc: str, waste_code: str, day: dt.date, count: int
) -> tuple[CodeCounter, int, list[str]]:
    """Take ``count`` consecutive codes; return the counter, the first sequence number and
    the codes."""
    counter = lock_counter(session, uscc=uscc, waste_code=waste_code, day=day)
    first = counter.last_seq + 1
    last = counter.last_seq + count
    codes.check_sequence(last)
    counter.last_seq = last
    block = [
        codes.make_code(uscc=uscc, waste_code=waste_code, day=day, seq=q)
        for q in range(first, last + 1)
    ]
    return counter, first, block


def reserved_for(session: Session, *, actor: Actor, code: str) -> CodeReservation:
    """Return the caller's reservation that holds ``code``, or refuse the code."""
    parsed = codes.parse_scanned(code)
    prefix = codes.code_prefix(uscc=parsed.uscc, waste_code=parsed.waste_code, day=parsed.day)
    res = session.scalar(
        sa.select(CodeReservation).where(
            CodeReservation.prefix == prefix,
            CodeReservation.enterprise_id == actor.enterprise_id,
            CodeReservation.first_seq <= parsed.seq,
            CodeReservation.last_seq >= parsed.seq,
        )
    )
    if res is None:
        raise Conflict(
            zh="该识别码不是本单位预留的识别码",
            en="this code was not reserved by your enterprise",
            code="code.not_reserved",
            detail={"code": code},
        )
    if session.scalar(sa.select(Batch.id).where(Batch.code == codes.normalize(code))):
        raise Conflict(
            zh="该识别码已被使用，识别码不可重复使用",
            en="this code is already used; codes are never reused",
            code="code.used",
            detail={"code": code},
        )
    return res


def take_reserved(s: Session, *, actor: Actor, code: str, profile_id: int, day: dt.date) -> str:
    """Return the stored form of a reserved ``code`` registered for ``profile_id`` and
    production date ``day``; refuse a code the caller's enterprise did not reserve for them, or
    one already used."""
    res = reserved_for(s, actor=actor, code=code)
    parsed = codes.parse_scanned(code)
    if res.profile_id != profile_id or parsed.day != day:
        raise Conflict(
            zh="预留识别码与所选废物档案或产生日期不符",
            en="the reserved code was made for another waste profile or production date",
            code="code.not_reserved",
            detail={"reserved_profile_id": res.profile_id, "code_date": parsed.day.isoformat()},
        )
    return codes.normalize(code)
