"""Read-model tables of what follows a mismatch at receipt (第十八条第二款) and of emergency paper
manifests (第二十条): the receiver's decision about each batch (the ledger entry
``batch.decide``; this row is its index), and a paper manifest entered afterwards with its
scan (kept here, its SHA-256 in the ledger entry ``manifest.create``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.store.tables import Base, UTCDateTime, utcnow


class ReceiptDecision(Base):
    """The receiver's decision about one batch that did not match its manifest line."""

    __tablename__ = "receipt_decision"
    __table_args__ = (sa.UniqueConstraint("manifest_id", "batch_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    manifest_id: Mapped[int] = mapped_column(sa.ForeignKey("manifest.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(48))
    decision: Mapped[str] = mapped_column(sa.String(16))
    accepted_g: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(500))
    decided_by: Mapped[str] = mapped_column(sa.String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(sa.BigInteger)


class PaperManifest(Base):
    """An emergency paper manifest (纸质转移联单) entered afterwards by the 移出人: the paper's
    number, the day of the transfer, the scan, and whether it was entered later than the 10
    working days of 第二十条 (``deadline`` the last day)."""

    __tablename__ = "paper_manifest"
    __table_args__ = (sa.UniqueConstraint("producer_id", "paper_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    manifest_id: Mapped[int] = mapped_column(sa.ForeignKey("manifest.id"), unique=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    paper_number: Mapped[str] = mapped_column(sa.String(40))
    transferred_on: Mapped[dt.date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(500))  # why the transfer ran on paper
    deadline: Mapped[dt.date] = mapped_column(sa.Date)
    late: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    scan_name: Mapped[str] = mapped_column(sa.String(200))
    scan_type: Mapped[str] = mapped_column(sa.String(100))
    scan_size: Mapped[int] = mapped_column(sa.Integer)
    scan_sha256: Mapped[str] = mapped_column(sa.String(64))
    scan: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    entered_by: Mapped[str] = mapped_column(sa.String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
