"""The read model: tables the API queries. The ledger (``ledger.schema``) is the record; every
change here is written in the same transaction as the ledger entry that explains it.

Weights are integer grams (exact on every database); the API shows them as kg decimal strings.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.transport import BookingStatus, LineOutcome, ManifestStatus, read_permits

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


class PermitsJSON(sa.types.TypeDecorator[dict[str, Any]]):
    """An enterprise's permits, read defensively (``domain.transport.read_permits``): a row
    written before permits were checked cannot make a booking or a page fail."""

    impl = sa.JSON
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> dict[str, Any]:
        return read_permits(value)


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


E = TypeVar("E", bound=StrEnum)


class StatusColumn(sa.types.TypeDecorator[E]):
    """A state column typed as its domain enum: stored as the enum's value (a short string,
    the same column as before), read back as the enum member; an unknown value is refused when
    written, so no state outside the domain's list reaches the table."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


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
    permits: Mapped[dict[str, Any]] = mapped_column(PermitsJSON, default=dict)
    # HJ 1259-2022 management class (domain/declarations.py) and the day it was set: the
    # declarations due are counted from then.
    management_class: Mapped[str | None] = mapped_column(sa.String(12), nullable=True)
    class_since: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    # GB/T 2260 province code (2 digits); None: the park's province (cross-province transfers)
    province_code: Mapped[str | None] = mapped_column(sa.String(2), nullable=True)
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
    # The second factor (RFC 6238 TOTP): the base32 secret (set while enrolling, in force once
    # enabled_at is set) and the last time step used (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)


class RecoveryCode(Base):
    """A one-time recovery code of a user's second factor: only its SHA-256 is kept."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    kind: Mapped[str] = mapped_column(sa.String(16))  # session | device | web (a page login)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # a web session's last request, for the idle timeout (written at most once a minute)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # the login token a device token was issued from: logging out revokes it too
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_token.id"), index=True, nullable=True
    )


class LoginAttempt(Base):
    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_remote_addr_at", "remote_addr", "at"),)
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


class CatalogueEdition(Base):
    """An edition of the national waste catalogue imported into this park's database
    (``hwtrace catalogue import``); the shipped editions live in ``schemas/reference/``.
    An edition, once imported, is never changed: batches name the edition they were
    registered under."""

    __tablename__ = "catalogue_edition"
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), primary_key=True)
    edition: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    code_count: Mapped[int] = mapped_column(sa.Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(sa.String(64))
    seq: Mapped[int] = mapped_column(sa.BigInteger)  # its ``catalogue.import`` ledger entry


class CatalogueEntry(Base):
    """One row of an imported edition, in the shipped CSV's columns."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["park_id", "edition"], ["catalogue_edition.park_id", "catalogue_edition.edition"]
        ),
    )
    park_id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer)  # the row's place in the table
    category: Mapped[str] = mapped_column(sa.String(4))
    category_name: Mapped[str] = mapped_column(sa.String(100))
    industry: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    hazards_official: Mapped[str] = mapped_column(sa.String(32))


class StorageRoom(Base):
    __tablename__ = "storage_room"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    capacity_g: Mapped[int] = mapped_column(sa.BigInteger)
    allowed_categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Facility(Base):
    """A facility with a code (设施编码) and a sign: a storage room (kind ``storage``, one per
    room), a zone inside a room (``zone``), a utilization or disposal facility."""

    __tablename__ = "facility"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    code: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(100))
    # storage: the room itself; zone: the room it is in
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("storage_room.id"), nullable=True, index=True
    )
    allowed_categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    methods: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # utilization/disposal
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(Base):
    __tablename__ = "batch"
    __table_args__ = (
        # Covering indexes for the console: counts and weights by state without table reads.
        sa.Index("ix_batch_producer_status", "producer_id", "status", "waste_code", "weight_g"),
        sa.Index("ix_batch_producer_id", "producer_id", "id"),
        sa.Index(
            "ix_batch_park_status",
            "park_id",
            "status",
            "producer_id",
            "produced_on",
            "weight_g",
            "category",
        ),
        sa.Index("ix_batch_room", "room_id", "status", "profile_id", "weight_g"),
        sa.Index("ix_batch_profile", "profile_id", "id"),
        # Partial indexes: the warning queries find the few flagged batches without a scan.
        sa.Index(
            "ix_batch_out_of_order",
            "producer_id",
            sqlite_where=sa.text("out_of_order_seq IS NOT NULL"),
            postgresql_where=sa.text("out_of_order_seq IS NOT NULL"),
        ),
        sa.Index(
            "ix_batch_weight_outlier",
            "producer_id",
            sqlite_where=sa.text("weight_outlier IS NOT NULL"),
            postgresql_where=sa.text("weight_outlier IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(48), unique=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"))
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("waste_profile.id"))
    waste_code: Mapped[str] = mapped_column(sa.String(10), index=True)
    category: Mapped[str] = mapped_column(sa.String(4))
    # The catalogue edition the batch was registered under: its code and wording are that
    # edition's (batches registered before editions were recorded are the 2021 edition's).
    catalogue_edition: Mapped[str] = mapped_column(sa.String(4))
    # The code's wording in that edition (NULL for batches registered before it was kept: the
    # 2021 edition's wording, read from schemas/reference/).
    waste_description: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    weight_g: Mapped[int] = mapped_column(sa.BigInteger)
    packaging: Mapped[str] = mapped_column(sa.String(32))
    package_count: Mapped[int] = mapped_column(sa.Integer, default=1)
    container_volume_l: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    process: Mapped[str] = mapped_column(sa.String(200), default="")
    produced_on: Mapped[dt.date] = mapped_column(sa.Date)
    remarks: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[BatchStatus] = mapped_column(StatusColumn(BatchStatus, 20))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("storage_room.id"), nullable=True)
    stored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    transporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), nullable=True, index=True
    )
    receiver_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), nullable=True, index=True
    )
    received_weight_g: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    # The open pickup booking and the manifest the batch travels under (None when not booked).
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("booking.id"), nullable=True, index=True
    )
    manifest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("manifest.id"), nullable=True, index=True
    )
    # Warnings kept at write time so the pages never scan the ledger: the latest event time
    # (device time when given), the entry whose device time went backwards, and the
    # explanation of a declared weight out of line with the profile's history.
    event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    out_of_order_seq: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    weight_outlier: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(none_as_null=True), nullable=True
    )
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


class ProfileAuthorization(Base):
    """Personnel authorization: an operator may register batches of these waste profiles only."""

    __tablename__ = "profile_authorization"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("waste_profile.id"), primary_key=True)
    granted_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(Base):
    """A pickup booking (转运预约): producer asks, transporter accepts with vehicle and driver."""

    __tablename__ = "booking"
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    transporter_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    status: Mapped[BookingStatus] = mapped_column(StatusColumn(BookingStatus, 16), index=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    planned_method: Mapped[str] = mapped_column(sa.String(10))
    vehicle_plate: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    driver_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"), nullable=True)
    driver_licence: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    approval_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class Manifest(Base):
    """An electronic transfer manifest (转移联单), made from an accepted booking."""

    __tablename__ = "manifest"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"), unique=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    transporter_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    status: Mapped[ManifestStatus] = mapped_column(StatusColumn(ManifestStatus, 16), index=True)
    vehicle_plate: Mapped[str] = mapped_column(sa.String(16))
    driver_user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    driver_licence: Mapped[str] = mapped_column(sa.String(64))
    transport_permit: Mapped[str] = mapped_column(sa.String(64))
    operating_permit: Mapped[str] = mapped_column(sa.String(64))
    planned_method: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    departed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    receipt_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class TransferLine(Base):
    """One batch on a booking and, once made, on its manifest."""

    __tablename__ = "transfer_line"
    __table_args__ = (sa.UniqueConstraint("booking_id", "batch_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(48))
    dispatched_g: Mapped[int] = mapped_column(sa.BigInteger)
    outcome: Mapped[LineOutcome] = mapped_column(StatusColumn(LineOutcome, 16))
    loaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_g: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    rejected_g: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The contract the line is counted against (None: booked before contracts were recorded).
    contract_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contract.id"), nullable=True, index=True
    )


class Discrepancy(Base):
    """A difference to be explained (weight, missing batch, rejection); resolved by an event."""

    __tablename__ = "discrepancy"
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    manifest_id: Mapped[int] = mapped_column(sa.ForeignKey("manifest.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(48))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    transporter_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"))
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    opened_seq: Mapped[int] = mapped_column(sa.BigInteger)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_seq: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution: Mapped[str] = mapped_column(sa.String(500), default="")


class DailyCounter(Base):
    """The last number used for a (kind, park, day) sequence, e.g. manifest numbers."""

    __tablename__ = "daily_counter"
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.Integer)


class RateCounter(Base):
    """Requests of one API caller (a token, or a source address) in one fixed time window; every
    server process counts in the same row (docs/security.md, "Rate limits")."""

    __tablename__ = "rate_counter"
    bucket: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    window: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer)


class WarningAck(Base):
    """A warning acknowledged with a note (the note is a ledger entry; this is its index)."""

    __tablename__ = "warning_ack"
    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str] = mapped_column(sa.String(500))
    actor: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonthlyStat(Base):
    """Grams and batches per producer, waste category and month: generated (``gen``, by the
    production month) and utilized/disposed (``fin``, by the month of the final event).

    Kept in the same transaction as the events that change it, so the charts read a few hundred
    rows instead of scanning every batch.
    """

    __tablename__ = "monthly_stat"
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), primary_key=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    grams: Mapped[int] = mapped_column(sa.BigInteger)
    batches: Mapped[int] = mapped_column(sa.Integer)


class Contract(Base):
    """A producer's disposal contract (委托利用/处置合同) with a receiver and, where named, a
    transporter; it counts once the receiver confirms it (``domain/contracts.py``). The signed
    document is kept here, its SHA-256 in the ledger."""

    __tablename__ = "contract"
    __table_args__ = (sa.UniqueConstraint("producer_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    number: Mapped[str] = mapped_column(sa.String(64))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    transporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    document_name: Mapped[str] = mapped_column(sa.String(200))
    document_type: Mapped[str] = mapped_column(sa.String(100))
    document_sha256: Mapped[str] = mapped_column(sa.String(64))
    document: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class ContractLine(Base):
    """One waste code of a contract and the quantity agreed for its term, in grams."""

    __tablename__ = "contract_line"
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contract.id"), primary_key=True)
    waste_code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    quantity_g: Mapped[int] = mapped_column(sa.BigInteger)


class Declaration(Base):
    """One submitted version of an enterprise's HJ 1259 declaration report (appendix C) for a
    period; a correction is a new version. The content is fixed by its SHA-256, which the
    ledger entry ``declaration.submit`` carries."""

    __tablename__ = "declaration"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "period", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(8), index=True)  # 2026-03, 2026-Q1, 2026
    kind: Mapped[str] = mapped_column(sa.String(8))
    version: Mapped[int] = mapped_column(sa.Integer)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_by: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_on: Mapped[dt.date] = mapped_column(sa.Date)  # the park's local date
    seq: Mapped[int] = mapped_column(sa.BigInteger)
