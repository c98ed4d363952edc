"""Vehicle trips (车次, 部令第23号 第十六条): a producer's pickup booked as one manifest or one
per kind of waste, and the trips a transporter's vehicles make — each vehicle on each day with
the manifests it carries, one or more per 移出人, never one mixing two."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from hwtrace.domain import codes
from hwtrace.domain import trips as T
from hwtrace.domain.access import Actor
from hwtrace.domain.transport import ManifestStatus
from hwtrace.services import bookings, parties
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch, Booking, Enterprise, Manifest, TransferLine
from hwtrace.store.unit_of_work import shared_transaction


def request_booking(
    ctx: Context, *, actor: Actor, req: bookings.BookingRequest, per_kind: bool
) -> list[Booking]:
    """Book a pickup as one manifest, or (``per_kind``) as one booking — so one manifest — per
    kind of waste among the ticked batches (第十六条: the 移出人 chooses). All or nothing."""
    if not per_kind:
        return [bookings.request_booking(ctx, actor=actor, req=req)]
    wanted = [codes.normalize(c) for c in req.codes if c.strip()]
    with ctx.db.read_session() as s:
        kind = {
            code: waste
            for code, waste in s.execute(
                sa.select(Batch.code, Batch.waste_code).where(
                    Batch.code.in_(wanted), Batch.producer_id == actor.enterprise_id
                )
            )
        }
    groups = T.split_by_kind(wanted, {c: kind.get(c, "") for c in wanted})
    with shared_transaction(ctx.db):
        return [
            bookings.request_booking(ctx, actor=actor, req=dataclasses.replace(req, codes=g))
            for g in groups
        ]


@dataclass
class TripManifest:
    """One manifest on a trip, as the trip page lists it."""

    number: str
    status: ManifestStatus
    producer: str
    receiver: str
    kinds: list[str]
    kg: float


@dataclass
class TripView:
    """A vehicle on a day and its manifests."""

    plate: str
    day: dt.date
    manifests: list[TripManifest]

    @property
    def shippers(self) -> int:
        return len({m.producer for m in self.manifests})


def list_trips(ctx: Context, *, actor: Actor, day: dt.date | None = None) -> list[TripView]:
    """The trips of the manifests the caller is a party to (the park's for park roles), newest
    day first; only ``day``'s when given. Cancelled manifests are not on any trip."""
    tz = ZoneInfo(ctx.settings.timezone)
    with ctx.db.read_session() as s:
        names = {
            eid: name
            for eid, name in s.execute(
                sa.select(Enterprise.id, Enterprise.name).where(Enterprise.park_id == actor.park_id)
            )
        }
        rows = s.execute(
            sa.select(Manifest, Booking.window_start)
            .join(Booking, Booking.id == Manifest.booking_id)
            .where(
                parties.party_cond(actor, Manifest),
                Manifest.status != ManifestStatus.CANCELLED,
            )
            .order_by(Manifest.id.desc())
            .limit(500)
        ).all()
        booking_ids = [m.booking_id for m, _ in rows]
        lines = s.execute(
            sa.select(TransferLine.booking_id, Batch.waste_code, TransferLine.dispatched_g)
            .join(Batch, Batch.id == TransferLine.batch_id)
            .where(TransferLine.booking_id.in_(booking_ids))
        ).all()
    kinds: dict[int, list[str]] = {}
    grams: dict[int, int] = {}
    for booking_id, waste_code, g in lines:
        if waste_code not in kinds.setdefault(booking_id, []):
            kinds[booking_id].append(waste_code)
        grams[booking_id] = grams.get(booking_id, 0) + g
    trips: dict[tuple[str, dt.date], TripView] = {}
    for m, planned in rows:
        when = T.trip_day(m.departed_at, planned, tz)
        if day is not None and when != day:
            continue
        trip = trips.setdefault((m.vehicle_plate, when), TripView(m.vehicle_plate, when, []))
        trip.manifests.append(
            TripManifest(
                number=m.number,
                status=m.status,
                producer=names.get(m.producer_id, ""),
                receiver=names.get(m.receiver_id, ""),
                kinds=sorted(kinds.get(m.booking_id, [])),
                kg=grams.get(m.booking_id, 0) / 1000,
            )
        )
    return sorted(trips.values(), key=lambda t: (t.day, t.plate), reverse=True)
