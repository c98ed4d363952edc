"""Read-model tables of the yearly management plan (HJ 1259-2022 appendix A): the enterprise's
working draft of a year (not in the ledger: it is work in progress) and each confirmed version
(its content's SHA-256 is in the ledger entry ``plan.confirm``; a correction is a new version)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.store.tables import Base, UTCDateTime, utcnow


class PlanDraft(Base):
    """An enterprise's draft of its management plan for a year, as last saved."""

    __tablename__ = "plan_draft"
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    tables: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanVersion(Base):
    """One confirmed version of an enterprise's management plan for a year."""

    __tablename__ = "plan_version"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "year", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    year: Mapped[int] = mapped_column(sa.Integer, index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    confirmed_by: Mapped[str] = mapped_column(sa.String(64))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
