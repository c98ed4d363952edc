"""Read-model tables of cross-province transfer approvals (危险废物跨省转移审批,
``domain/approvals.py``). An approval is entered once (ledger entry ``approval.enter``, with the
scan's SHA-256) and never changed in place: a wrong entry is withdrawn with a reason (entry
``approval.withdraw``) and entered again."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.store.tables import Base, UTCDateTime, utcnow


class TransferApproval(Base):
    """A cross-province transfer approval of the dispatching province's authority."""

    __tablename__ = "transfer_approval"
    __table_args__ = (sa.UniqueConstraint("producer_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    number: Mapped[str] = mapped_column(sa.String(64))  # the approval document's number
    authority: Mapped[str] = mapped_column(sa.String(100))  # the issuing authority
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(10))  # utilization/disposal method code
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    document_name: Mapped[str] = mapped_column(sa.String(200), default="")
    document_type: Mapped[str] = mapped_column(sa.String(100), default="")
    document_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    document: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True, deferred=True)
    withdrawn: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class TransferApprovalLine(Base):
    """One approved kind (waste code) of an approval and its approved weight, in grams."""

    __tablename__ = "transfer_approval_line"
    approval_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transfer_approval.id"), primary_key=True
    )
    waste_code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    approved_g: Mapped[int] = mapped_column(sa.BigInteger)
