"""Read-model tables of room monitoring and cases (``domain/monitoring.py``,
``domain/cases.py``). Readings are not ledger entries (there are too many); alarms raised and
cleared, and every step of a case, are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.domain.cases import CaseStatus
from hwtrace.store.tables import Base, StatusColumn, UTCDateTime, utcnow


class RoomMonitor(Base):
    """A storage room's monitoring code (the topic's room part, unique in the park) and rules
    (``RoomRules.to_json``)."""

    __tablename__ = "room_monitor"
    __table_args__ = (sa.UniqueConstraint("park_id", "code"),)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("storage_room.id"), primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    rules: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SensorStateRow(Base):
    """The monitor's memory of one sensor (``domain.monitoring.SensorState``)."""

    __tablename__ = "sensor_state"
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("storage_room.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_value: Mapped[str] = mapped_column(sa.String(64), default="")
    beyond: Mapped[str | None] = mapped_column(sa.String(24), nullable=True)
    beyond_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReadingBucket(Base):
    """Numeric readings downsampled: count, sum, min and max per sensor and bucket (5-minute
    and hourly, ``domain.monitoring.BUCKET_SECONDS``), pruned after ``RETENTION`` days."""

    __tablename__ = "reading_bucket"
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("storage_room.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    res: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)
    total: Mapped[float] = mapped_column(sa.Float)
    lo: Mapped[float] = mapped_column(sa.Float)
    hi: Mapped[float] = mapped_column(sa.Float)


class RoomEvent(Base):
    """A change of a power, door or access sensor (the room's door log, 门禁记录)."""

    __tablename__ = "room_event"
    __table_args__ = (sa.Index("ix_room_event_room_at", "room_id", "at"),)
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("storage_room.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RoomAlarm(Base):
    """An alarm of a room, raised and (later) cleared, each a ledger entry."""

    __tablename__ = "room_alarm"
    __table_args__ = (sa.Index("ix_room_alarm_room_open", "room_id", "cleared_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("storage_room.id"))
    key: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[str] = mapped_column(sa.String(8))
    message_zh: Mapped[str] = mapped_column(sa.String(300))
    message_en: Mapped[str] = mapped_column(sa.String(300))
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    raised_seq: Mapped[int] = mapped_column(sa.BigInteger)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cleared_seq: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_file.id"), nullable=True)


class CaseFile(Base):
    """A case (``domain/cases.py``): one per alarm or warning, walked to closure."""

    __tablename__ = "case_file"
    __table_args__ = (
        sa.UniqueConstraint("park_id", "source_key"),
        sa.Index("ix_case_file_park_status", "park_id", "status"),
        sa.Index("ix_case_file_warning_key", "park_id", "warning_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), nullable=True, index=True
    )
    source: Mapped[str] = mapped_column(sa.String(12))  # alarm / warning
    source_key: Mapped[str] = mapped_column(sa.String(160))  # unique: one case per key
    # A warning's stable key (its cases: ``warning:<key>``, then ``warning:<key>#2`` ... when
    # it comes back after its case was closed with the condition gone); None for alarms.
    warning_key: Mapped[str | None] = mapped_column(sa.String(160), nullable=True)
    subject: Mapped[str] = mapped_column(sa.String(120))
    severity: Mapped[str] = mapped_column(sa.String(8))
    title_zh: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[CaseStatus] = mapped_column(StatusColumn(CaseStatus, 12))
    escalation: Mapped[int] = mapped_column(sa.Integer, default=0)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the condition ended (the alarm cleared, the warning gone); None while it lasts.
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    evidence_name: Mapped[str] = mapped_column(sa.String(200), default="")
    evidence_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)
