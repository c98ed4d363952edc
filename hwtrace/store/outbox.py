"""Read-model tables of notifications (``domain/notifications.py``): webhooks and robots, the
outbox of deliveries (written in the same transaction as the event that causes them), and
each user's choices."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.domain.notifications import DeliveryStatus
from hwtrace.store.tables import Base, StatusColumn, UTCDateTime, utcnow


class Webhook(Base):
    """An enterprise's webhook, WeCom or DingTalk robot, with the events it wants."""

    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(12))
    url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    secret: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)  # in a row
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One queued notification to one destination; delivered at least once."""

    __tablename__ = "delivery"
    __table_args__ = (sa.Index("ix_delivery_due", "status", "next_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(12))
    webhook_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook.id"), nullable=True, index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254), default="")  # an e-mail address
    event: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[DeliveryStatus] = mapped_column(StatusColumn(DeliveryStatus, 12))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    # The notifier sending it now and until when (a crashed one's lease runs out).
    claimed_by: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replay_of: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationPref(Base):
    """What reaches a user by e-mail (the to-do inbox shows everything)."""

    __tablename__ = "notification_pref"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    email_events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
