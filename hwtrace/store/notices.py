"""Read-model tables of the park's notices (园区通知): a notice, its attachments (kept here, their
SHA-256 in the ledger entry ``notice.publish``) and each enterprise's acknowledgement (the
ledger entry ``notice.acknowledge``; this row is its index)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.store.tables import Base, UTCDateTime, utcnow


class Notice(Base):
    """A notice the park administration publishes to the enterprises of the park, or to one
    kind of them (``audience``: producer, transporter, receiver; empty for all)."""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(16), default="")
    body_sha256: Mapped[str] = mapped_column(sa.String(64))
    published_by: Mapped[str] = mapped_column(sa.String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(sa.BigInteger)


class NoticeAttachment(Base):
    """A file attached to a notice; its SHA-256 is in the notice's ledger entry."""

    __tablename__ = "notice_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class NoticeAck(Base):
    """An enterprise's acknowledgement of a notice, by one of its users."""

    __tablename__ = "notice_ack"
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id"), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprise.id"), primary_key=True, index=True
    )
    username: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
