"""Read-model tables of the park's working-day calendar (``hwtrace.domain.workdays``).

A year with a ``calendar_year`` row is the park's own (imported or edited: its listed days are
``calendar_day`` rows); any other year follows the arrangement shipped in
``schemas/reference/workdays-cn.csv``. Every import and edit is a ledger entry."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hwtrace.domain.workdays import DayKind
from hwtrace.store.tables import Base, StatusColumn, UTCDateTime, utcnow


class CalendarYear(Base):
    """A year of the calendar the park holds itself, and where it came from."""

    __tablename__ = "calendar_year"
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seq: Mapped[int] = mapped_column(sa.BigInteger)  # the last ledger entry that changed it


class CalendarDay(Base):
    """A day of a park's own year that differs from the plain week."""

    __tablename__ = "calendar_day"
    park_id: Mapped[int] = mapped_column(sa.ForeignKey("park.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[DayKind] = mapped_column(StatusColumn(DayKind, 16))
    name: Mapped[str] = mapped_column(sa.String(60), default="")
    source: Mapped[str] = mapped_column(sa.String(200), default="")
