"""The enterprises a booking, manifest or discrepancy concerns: the caller's scope over them,
the party an action must come from, and the ledger entry made in the acting enterprise's name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import Conflict, Forbidden, NotFound
from hwtrace.store.tables import (
    Booking,
    Discrepancy,
    Enterprise,
    Manifest,
)
from hwtrace.store.unit_of_work import UnitOfWork


def party_cond(actor: Actor, model: Any) -> sa.ColumnElement[bool]:
    cond = model.park_id == actor.park_id
    if actor.sees_whole_park:
        return cond  # type: ignore[no-any-return]
    e = actor.enterprise_id
    return sa.and_(
        cond,
        sa.or_(model.producer_id == e, model.transporter_id == e, model.receiver_id == e),
    )


def visible_subjects(actor: Actor) -> sa.Select[Any]:
    """Return a SELECT of the booking and manifest subjects the caller is a party to."""
    return (
        sa.union_all(
            sa.select(sa.literal("booking-").concat(sa.cast(Booking.id, sa.String))).where(
                party_cond(actor, Booking)
            ),
            sa.select(Manifest.number).where(party_cond(actor, Manifest)),
        )
        .subquery()
        .select()
    )


def require_member(actor: Actor, enterprise_id: int, what: str) -> None:
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if actor.enterprise_id != enterprise_id:
        raise Forbidden(
            zh=f"只有{what}可以办理此操作",
            en=f"only the {what_en(what)} may do this",
            code="auth.forbidden",
        )


def require_driver(actor: Actor, manifest: Manifest) -> None:
    """Loading and departing are for the driver the transporter assigned to the manifest, and
    for the transporter's administrator; another of its users sees the manifest but may not
    load or depart it."""
    require_member(actor, manifest.transporter_id, "承运人")
    if actor.role is not Role.ADMIN and actor.user_id != manifest.driver_user_id:
        raise Forbidden(
            zh="只有本联单指派的驾驶员或承运单位管理员可以装车、发车",
            en="only the manifest's assigned driver or the transporter's administrator may load "
            "or depart",
            code="manifest.not_driver",
        )


def what_en(what: str) -> str:
    """Return the English word for a party named in Chinese."""
    return {"移出人": "producer", "承运人": "transporter", "接受人": "receiver"}.get(what, what)


def enterprise(s: Session, enterprise_id: int) -> Enterprise:
    ent = s.get(Enterprise, enterprise_id)
    if ent is None:
        raise NotFound(
            zh="单位不存在", en="no such enterprise", detail={"enterprise_id": enterprise_id}
        )
    return ent


def actor_uscc(s: Session, actor: Actor) -> str:
    """Return the caller's enterprise USCC (carried by the actor; loaded if it is not)."""
    return actor.enterprise_uscc or enterprise(s, actor.enterprise_id).uscc


def producer_in_view(
    s: Session, actor: Actor, enterprise_id: int | None, *, zh: str, en: str
) -> Enterprise:
    """The producer a report is about: the caller's own (``enterprise_id`` None), or any
    producer of the park for park roles; 404 for one the caller may not see, and ``zh``/``en``
    (``enterprise.wrong_kind``) when it is not a producer."""
    eid = actor.enterprise_id if enterprise_id is None else enterprise_id
    ent = s.get(Enterprise, eid)
    if (
        ent is None
        or ent.park_id != actor.park_id
        or (not actor.sees_whole_park and ent.id != actor.enterprise_id)
    ):
        raise NotFound(zh="单位不存在", en="no such enterprise", detail={"enterprise_id": eid})
    if ent.kind != EnterpriseKind.PRODUCER.value:
        raise Conflict(zh=zh, en=en, code="enterprise.wrong_kind")
    return ent


def enterprise_of_kind(
    s: Session, actor: Actor, enterprise_id: int, kind: EnterpriseKind
) -> Enterprise:
    ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.park_id != actor.park_id or ent.kind != kind.value:
        raise Conflict(
            zh="指定的单位不存在或类型不符",
            en=f"enterprise {enterprise_id} is not a {kind.value}",
            code="enterprise.wrong_kind",
            detail={"enterprise_id": enterprise_id},
        )
    return ent


def visible(actor: Actor, row: Booking | Manifest | Discrepancy) -> bool:
    if row.park_id != actor.park_id:
        return False
    if actor.sees_whole_park:
        return True
    return actor.enterprise_id in (row.producer_id, row.transporter_id, row.receiver_id)


def record(
    uow: UnitOfWork,
    actor: Actor,
    entry_type: str,
    subject: str,
    payload: dict[str, Any],
    client_ts: dt.datetime | None = None,
) -> int:
    s = uow.session
    entry = uow.record(
        entry_type=entry_type,
        subject=subject,
        actor=actor.username,
        enterprise=actor_uscc(s, actor),
        client_ts=client_ts,
        payload=payload,
    )
    return entry.seq
