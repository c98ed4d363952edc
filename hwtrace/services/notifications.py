"""Notifications: webhooks and group robots registered by enterprise administrators, users'
e-mail choices, and the outbox. ``emit`` queues the deliveries of an event inside the unit of
work that records the event, so they commit (or not) with it; ``hwtrace notify``
(``hwtrace/notifier.py``) takes the due ones and reports back with ``delivered`` or
``failed``. The rules (events, signatures, back-off) are in ``domain/notifications.py``."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import notifications as N
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import BadValue, NotFound
from hwtrace.services.context import Context
from hwtrace.store.outbox import Delivery, NotificationPref, Webhook
from hwtrace.store.tables import Enterprise, Park, User
from hwtrace.store.unit_of_work import UnitOfWork

S = N.DeliveryStatus


def emit(
    uow: UnitOfWork,
    *,
    park_id: int,
    enterprise_ids: list[int],
    event: N.Event,
    data: dict[str, Any],
) -> int:
    """Queue ``event`` for the webhooks and robots of the enterprises concerned and of the
    park administration, and for their users who chose it by e-mail; return how many."""
    s = uow.session
    now = uow.now()
    park_ents = s.scalars(
        sa.select(Enterprise.id).where(
            Enterprise.park_id == park_id, Enterprise.kind == EnterpriseKind.PARK.value
        )
    ).all()
    targets = sorted({*enterprise_ids, *park_ents})
    doc = {
        "event": event.value,
        "id": str(uuid.uuid4()),
        "occurred_at": now.isoformat(),
        "data": data,
    }
    n = 0
    for hook in s.scalars(
        sa.select(Webhook).where(Webhook.enterprise_id.in_(targets), Webhook.active.is_(True))
    ):
        if event.value in hook.events or "*" in hook.events:
            s.add(_delivery(park_id, hook.enterprise_id, hook.channel, event, doc, now, hook.id))
            n += 1
    rows = s.execute(
        sa.select(User.enterprise_id, NotificationPref)
        .join(NotificationPref, NotificationPref.user_id == User.id)
        .where(User.enterprise_id.in_(targets), User.active.is_(True), NotificationPref.email != "")
    )
    for ent_id, pref in rows:
        if event.value in pref.email_events:
            d = _delivery(park_id, ent_id, N.Channel.EMAIL.value, event, doc, now, None)
            d.recipient = pref.email
            s.add(d)
            n += 1
    return n


def _delivery(
    park_id: int,
    enterprise_id: int,
    channel: str,
    event: N.Event,
    doc: dict[str, Any],
    now: dt.datetime,
    webhook_id: int | None,
) -> Delivery:
    return Delivery(
        delivery_id=str(uuid.uuid4()),
        park_id=park_id,
        enterprise_id=enterprise_id,
        channel=channel,
        webhook_id=webhook_id,
        recipient="",
        event=event.value,
        body=doc,
        status=S.PENDING,
        attempts=0,
        next_at=now,
        last_error="",
    )


# -- webhooks ------------------------------------------------------------------------------


def register_webhook(
    ctx: Context, *, actor: Actor, url: str, events: list[str], secret: str, channel: str
) -> Webhook:
    """An enterprise administrator (or the park's) registers a webhook or a robot."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    try:
        N.check_url(url)
        kind = N.Channel(channel)
        wanted = sorted({e if e == "*" else N.Event(e).value for e in events})
    except ValueError as err:
        raise BadValue(
            zh=f"网络钩子无效：{err}", en=f"invalid webhook: {err}", code="webhook.invalid"
        ) from None
    if kind is N.Channel.EMAIL or not wanted:
        raise BadValue(
            zh="须选择事件与投递方式",
            en="events and a channel are required",
            code="webhook.invalid",
        )
    with ctx.uow() as uow:
        hook = Webhook(
            park_id=actor.park_id,
            enterprise_id=actor.enterprise_id,
            channel=kind.value,
            url=url,
            events=wanted,
            secret=secret,
            active=True,
            failures=0,
            created_by=actor.username,
            created_at=uow.now(),
        )
        uow.session.add(hook)
        uow.commit()
        return hook


def _own_hook(s: Session, actor: Actor, hook_id: int) -> Webhook:
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    hook = s.get(Webhook, hook_id)
    if hook is None or hook.park_id != actor.park_id or hook.enterprise_id != actor.enterprise_id:
        raise NotFound(zh="网络钩子不存在", en="no such webhook", detail={"webhook": hook_id})
    return hook


def authorize_hook(ctx: Context, *, actor: Actor, hook_id: int) -> None:
    """Raise unless the webhook is the caller's enterprise's and the caller its admin."""
    with ctx.db.read_session() as s:
        _own_hook(s, actor, hook_id)


def authorize_delivery(ctx: Context, *, actor: Actor, delivery_id: str) -> None:
    """Raise unless the delivery is of a webhook of the caller's enterprise (its admin)."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    with ctx.db.read_session() as s:
        d = s.scalar(sa.select(Delivery).where(Delivery.delivery_id == delivery_id[:36]))
        if d is None or d.webhook_id is None:
            raise NotFound(zh="投递记录不存在", en="no such delivery")
        _own_hook(s, actor, d.webhook_id)


def list_webhooks(ctx: Context, *, actor: Actor) -> list[Webhook]:
    """Return the caller's enterprise's webhooks (administrators only)."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    with ctx.db.read_session() as s:
        q = sa.select(Webhook).where(Webhook.enterprise_id == actor.enterprise_id)
        return list(s.scalars(q.order_by(Webhook.id)))


def set_active(ctx: Context, *, actor: Actor, hook_id: int, active: bool) -> Webhook:
    """Enable (its failure count reset) or disable a webhook."""
    with ctx.uow() as uow:
        hook = _own_hook(uow.session, actor, hook_id)
        hook.active, hook.failures = active, 0
        uow.commit()
        return hook


def deliveries(ctx: Context, *, actor: Actor, hook_id: int, limit: int = 100) -> list[Delivery]:
    """Return a webhook's delivery log, newest first."""
    with ctx.db.read_session() as s:
        _own_hook(s, actor, hook_id)
        q = sa.select(Delivery).where(Delivery.webhook_id == hook_id)
        return list(s.scalars(q.order_by(Delivery.id.desc()).limit(limit)))


def replay(ctx: Context, *, actor: Actor, delivery_id: str) -> Delivery:
    """Queue a delivery again, under a new delivery id (``replay_of`` names the first)."""
    with ctx.uow() as uow:
        s = uow.session
        old = s.scalar(sa.select(Delivery).where(Delivery.delivery_id == delivery_id))
        if old is None or old.webhook_id is None:
            raise NotFound(zh="投递记录不存在", en="no such delivery")
        _own_hook(s, actor, old.webhook_id)
        new = _delivery(
            old.park_id,
            old.enterprise_id,
            old.channel,
            N.Event(old.event),
            old.body,
            uow.now(),
            old.webhook_id,
        )
        new.replay_of = old.delivery_id
        s.add(new)
        uow.commit()
        return new


# -- a user's choices ----------------------------------------------------------------------


def get_prefs(ctx: Context, *, actor: Actor) -> dict[str, Any]:
    """Return what reaches the caller by e-mail."""
    with ctx.db.read_session() as s:
        p = s.get(NotificationPref, actor.user_id)
    return {"email": p.email if p else "", "email_events": p.email_events if p else []}


def set_prefs(ctx: Context, *, actor: Actor, email: str, email_events: list[str]) -> dict[str, Any]:
    """Choose the e-mail address and the events sent to it (none: no e-mail)."""
    try:
        events = sorted({N.Event(e).value for e in email_events})
    except ValueError as err:
        raise BadValue(zh=f"事件无效：{err}", en=f"unknown event: {err}") from None
    with ctx.uow() as uow:
        p = uow.session.get(NotificationPref, actor.user_id) or NotificationPref(
            user_id=actor.user_id
        )
        p.email, p.email_events, p.updated_at = email.strip(), events, uow.now()
        uow.session.add(p)
        uow.commit()
    return {"email": email.strip(), "email_events": events}


# -- the sender's use cases ----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One delivery to make now."""

    id: int
    delivery_id: str
    channel: str
    event: str
    body: dict[str, Any]
    url: str
    secret: str
    recipient: str
    attempts: int


def due(ctx: Context, limit: int = 50) -> list[Job]:
    """Return the park's deliveries due now and not leased to a sender, oldest first (to be
    ``claim``ed one by one before they are sent)."""
    now = ctx.now()
    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(Delivery, Webhook)
            .join(Park, Park.id == Delivery.park_id)
            .outerjoin(Webhook, Webhook.id == Delivery.webhook_id)
            .where(
                Park.code == ctx.settings.park_code,
                Delivery.status == S.PENDING.value,
                Delivery.next_at <= now,
                _free(now),
            )
            .order_by(Delivery.next_at, Delivery.id)
            .limit(limit)
        ).all()
    return [
        Job(
            d.id,
            d.delivery_id,
            d.channel,
            d.event,
            d.body,
            h.url if h else "",
            h.secret if h else "",
            d.recipient,
            d.attempts,
        )
        for d, h in rows
    ]


def _free(now: dt.datetime) -> Any:
    return sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now)


def claim(ctx: Context, job_id: int, sender: str, lease: dt.timedelta) -> bool:
    """Take a due delivery for ``sender`` until ``now + lease``; return False if another
    sender holds it or it is no longer pending. One conditional UPDATE: on PostgreSQL the
    second of two concurrent claims waits for the first's row lock and then finds the row
    leased; on SQLite writers are serialized. A crashed sender's lease runs out and another
    takes the delivery over (at least once; the delivery id stays the same)."""
    with ctx.uow() as uow:
        now = uow.now()
        taken = uow.session.execute(
            sa.update(Delivery)
            .where(
                Delivery.id == job_id,
                Delivery.status == S.PENDING.value,
                Delivery.next_at <= now,
                _free(now),
            )
            .values(claimed_by=sender[:80], lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    return getattr(taken, "rowcount", 0) == 1


def delivered(ctx: Context, job_id: int) -> None:
    """Record a delivery made (its webhook's failure count reset)."""
    with ctx.uow() as uow:
        d = uow.session.get_one(Delivery, job_id)
        d.status, d.delivered_at, d.attempts = S.DELIVERED, uow.now(), d.attempts + 1
        d.lease_until = None
        if d.webhook_id is not None:
            uow.session.get_one(Webhook, d.webhook_id).failures = 0
        uow.commit()


def failed(ctx: Context, job_id: int, error: str) -> None:
    """Record a failed try: retry after the back-off, give up after ``MAX_ATTEMPTS``; a
    webhook failing ``DISABLE_AFTER`` deliveries in a row is disabled."""
    with ctx.uow() as uow:
        s = uow.session
        d = s.get_one(Delivery, job_id)
        d.attempts += 1
        d.last_error = error[:500]
        d.next_at = uow.now() + N.backoff(d.attempts)
        d.lease_until = None
        hook = s.get(Webhook, d.webhook_id) if d.webhook_id is not None else None
        if hook is not None:
            hook.failures += 1
            if hook.failures >= N.DISABLE_AFTER:
                hook.active = False
        if d.attempts >= N.MAX_ATTEMPTS or (hook is not None and not hook.active):
            d.status = S.FAILED
        uow.commit()


def delivery_json(d: Delivery) -> dict[str, Any]:
    """Return the JSON form of a delivery (the log)."""
    return {
        "delivery_id": d.delivery_id,
        "event": d.event,
        "channel": d.channel,
        "status": d.status.value,
        "attempts": d.attempts,
        "next_at": d.next_at.isoformat(),
        "last_error": d.last_error,
        "replay_of": d.replay_of,
        "claimed_by": d.claimed_by,
        "created_at": d.created_at.isoformat(),
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        "body": d.body,
    }


def webhook_json(h: Webhook) -> dict[str, Any]:
    """Return the JSON form of a webhook (never its secret)."""
    return {
        "id": h.id,
        "channel": h.channel,
        "url": h.url,
        "events": h.events,
        "active": h.active,
        "failures": h.failures,
        "created_by": h.created_by,
        "created_at": h.created_at.isoformat(),
    }
