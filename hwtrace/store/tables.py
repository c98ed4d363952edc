"""The read model: tables the API queries. The ledger (``ledger.schema``) is the record; every
change here is written in the same transaction as the ledger entry that explains it.

Weights are integer grams (exact on every database); the API shows them as kg decimal strings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Park(Base):
    __tablename__ = "park"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    log_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enterprise(Base):
    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), index=True)
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    map_x: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    map_y: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    # Permits as data: {"operating": {"number":..., "codes": [...], "annual_capacity_t": ...},
    # "transport": {"number": ...}}; issue-level rules read them.
    permits: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    kind: Mapped[str] = mapped_column(sa.String(16))  # session | device
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginAttempt(Base):
    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")
    ok: Mapped[bool] = mapped_column(sa.Boolean)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WasteProfile(Base):
    __tablename__ = "waste_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    waste_code: Mapped[str] = mapped_column(sa.String(10))
    category: Mapped[str] = mapped_column(sa.String(4))
    name: Mapped[str] = mapped_column(sa.String(200))
    form: Mapped[str] = mapped_column(sa.String(16))
    hazards: Mapped[list[str]] = mapped_column(sa.JSON)
    main_components: Mapped[str] = mapped_column(sa.String(500), default="")
    harmful_components: Mapped[str] = mapped_column(sa.String(500), default="")
    packaging: Mapped[str] = mapped_column(sa.String(32))
    precautions: Mapped[str] = mapped_column(sa.String(500), default="")
    process: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StorageRoom(Base):
    __tablename__ = "storage_room"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    capacity_g: Mapped[int] = mapped_column(sa.BigInteger)
    allowed_categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(Base):
    __tablename__ = "batch"
    __table_args__ = (
        sa.Index("ix_batch_producer_status", "producer_id", "status"),
        sa.Index("ix_batch_park_status", "park_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(48), unique=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"))
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("waste_profile.id"))
    waste_code: Mapped[str] = mapped_column(sa.String(10), index=True)
    category: Mapped[str] = mapped_column(sa.String(4))
    weight_g: Mapped[int] = mapped_column(sa.BigInteger)
    packaging: Mapped[str] = mapped_column(sa.String(32))
    package_count: Mapped[int] = mapped_column(sa.Integer, default=1)
    container_volume_l: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    process: Mapped[str] = mapped_column(sa.String(200), default="")
    produced_on: Mapped[dt.date] = mapped_column(sa.Date)
    remarks: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(20))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("storage_room.id"), nullable=True)
    stored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    transporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), nullable=True, index=True
    )
    receiver_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), nullable=True, index=True
    )
    received_weight_g: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The ledger sequence number of the last entry about this batch (a cheap chain check).
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class CodeCounter(Base):
    """The last sequence number used for one (unit, waste code, date) code prefix."""

    __tablename__ = "code_counter"
    prefix: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.Integer)


class IdempotencyKey(Base):
    """A mutating request already applied: the same key returns the stored response."""

    __tablename__ = "idempotency_key"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.Integer)
    response: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CodeReservation(Base):
    """A block of identification codes reserved for a device that may print offline."""

    __tablename__ = "code_reservation"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_token.id"), nullable=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("waste_profile.id"))
    prefix: Mapped[str] = mapped_column(sa.String(40), index=True)
    produced_on: Mapped[dt.date] = mapped_column(sa.Date)
    first_seq: Mapped[int] = mapped_column(sa.Integer)
    last_seq: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
