"""Read-model tables of a transporter's fleet (部令第23号 第十三条第三款: the shipper checks the
carrier's vehicle and personnel before loading): its vehicles with their road-transport
certificate (道路运输证), and its drivers and escorts with their dangerous-goods qualification
certificate (从业资格证). Master data, not in the ledger; a loading entry records the
certificate numbers it was checked against."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.domain.loading import StaffRole
from hwtrace.store.tables import Base, StatusColumn, UTCDateTime, utcnow


class Vehicle(Base):
    """A vehicle of a transporter."""

    __tablename__ = "transport_vehicle"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "plate"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    plate: Mapped[str] = mapped_column(sa.String(16))
    certificate_no: Mapped[str] = mapped_column(sa.String(64))
    certificate_valid_until: Mapped[dt.date] = mapped_column(sa.Date)
    dangerous_goods: Mapped[bool] = mapped_column(sa.Boolean)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TransportStaff(Base):
    """A driver or escort of a transporter, linked to its login when it uses hwtrace."""

    __tablename__ = "transport_staff"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "qualification_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("app_user.id"), nullable=True, unique=True
    )
    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[StaffRole] = mapped_column(StatusColumn(StaffRole, 16))
    qualification_no: Mapped[str] = mapped_column(sa.String(64))
    qualification_valid_until: Mapped[dt.date] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
