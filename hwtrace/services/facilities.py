"""Facilities (设施): storage rooms, zones in them, utilization and disposal facilities, each with
a facility code (``domain/facilities.py``), a page (what it holds now, its limits, its alarms)
and a printable sign (HJ 1276-2022, with the amended GB 15562.2 warning symbol) whose QR code
opens that page. A storage room is a facility from its creation (``add_storage``); zones and
utilization/disposal facilities are made here. Facilities are configuration, not ledger facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import printer
from hwtrace.domain import facilities as F
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.catalogue import shipped
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.vocabularies import disposal_method
from hwtrace.domain.warnings import Warning
from hwtrace.services import catalogue, warnings
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch, Enterprise, Facility, StorageRoom, WasteProfile

SIGN_MIMETYPES = {"pdf": "application/pdf", "png": "image/png"}


def add_storage(s: Session, room: StorageRoom) -> Facility:
    """The storage facility of a new room (in the room's transaction): the next code."""
    existing = list(
        s.scalars(sa.select(Facility.code).where(Facility.enterprise_id == room.enterprise_id))
    )
    facility = Facility(
        enterprise_id=room.enterprise_id,
        kind=F.FacilityKind.STORAGE.value,
        code=F.next_code(existing),
        name=room.name,
        room_id=room.id,
        allowed_categories=list(room.allowed_categories or []),
        methods=[],
        created_at=room.created_at,
    )
    s.add(facility)
    return facility


def create_facility(
    ctx: Context,
    *,
    actor: Actor,
    kind: str,
    name: str,
    room_id: int | None = None,
    allowed_categories: list[str] | None = None,
    methods: list[str] | None = None,
) -> Facility:
    """A zone in one of the caller's rooms, or a utilization/disposal facility of the caller's
    enterprise (storage facilities come with their rooms)."""
    require_role(actor, Role.ADMIN)
    try:
        what = F.FacilityKind(kind)
    except ValueError:
        raise BadValue(zh="设施类型无效", en=f"unknown facility kind {kind!r}") from None
    name = name.strip()
    if not name:
        raise BadValue(zh="请填写设施名称", en="the facility needs a name")
    if allowed_categories:
        allowed_categories = [shipped().check_category(c).code for c in allowed_categories]
    with ctx.db.write_session() as s, s.begin():
        existing = list(
            s.scalars(sa.select(Facility.code).where(Facility.enterprise_id == actor.enterprise_id))
        )
        if what is F.FacilityKind.STORAGE:
            raise BadValue(
                zh="贮存设施随库房一同建立",
                en="storage facilities are made with their storage rooms",
            )
        if what is F.FacilityKind.ZONE:
            room = s.get(StorageRoom, room_id) if room_id else None
            if room is None or room.enterprise_id != actor.enterprise_id:
                raise NotFound(zh="库房不存在", en="no such storage room")
            parent = s.scalar(
                sa.select(Facility.code).where(
                    Facility.room_id == room.id, Facility.kind == F.FacilityKind.STORAGE.value
                )
            )
            assert parent is not None  # every room has its storage facility
            allowed = catalogue.check_categories(
                s, ctx, allowed_categories or room.allowed_categories or []
            )
            outside = set(allowed) - set(room.allowed_categories or allowed)
            if outside:
                raise Conflict(
                    zh="分区的废物类别须在库房允许的类别之内",
                    en="a zone may only hold categories its room may hold",
                    code="storage.category_not_allowed",
                    detail={"categories": sorted(outside)},
                )
            code = F.next_zone_code(parent, existing)
            methods = []
        else:
            if actor.enterprise_kind not in (EnterpriseKind.RECEIVER, EnterpriseKind.PRODUCER):
                raise Forbidden(
                    zh="只有利用处置单位或自行利用处置的产废单位设置利用处置设施",
                    en="only receivers and self-disposing producers have such facilities",
                )
            methods = [disposal_method(m)["code"] for m in (methods or [])]
            allowed = catalogue.check_categories(s, ctx, allowed_categories or [])
            room = None
            code = F.next_code(existing)
        facility = Facility(
            enterprise_id=actor.enterprise_id,
            kind=what.value,
            code=code,
            name=name,
            room_id=room.id if room is not None else None,
            allowed_categories=allowed,
            methods=methods,
            created_at=ctx.now(),
        )
        s.add(facility)
        s.flush()
        return facility


def _visible(s: Session, actor: Actor, facility: Facility | None) -> Facility:
    ent = s.get(Enterprise, facility.enterprise_id) if facility is not None else None
    if (
        facility is None
        or ent is None
        or ent.park_id != actor.park_id
        or (not actor.sees_whole_park and facility.enterprise_id != actor.enterprise_id)
    ):
        raise NotFound(zh="设施不存在", en="no such facility")
    return facility


def list_facilities(
    ctx: Context, *, actor: Actor, enterprise_id: int | None = None
) -> list[Facility]:
    """The facilities the caller may see (one enterprise's when given), by code."""
    with ctx.db.read_session() as s:
        q = (
            sa.select(Facility)
            .join(Enterprise, Enterprise.id == Facility.enterprise_id)
            .where(Enterprise.park_id == actor.park_id)
        )
        if not actor.sees_whole_park:
            q = q.where(Facility.enterprise_id == actor.enterprise_id)
        if enterprise_id is not None:
            q = q.where(Facility.enterprise_id == enterprise_id)
        return list(s.scalars(q.order_by(Facility.enterprise_id, Facility.code)))


def get_facility(ctx: Context, *, actor: Actor, facility_id: int) -> Facility:
    """One facility the caller may see."""
    with ctx.db.read_session() as s:
        return _visible(s, actor, s.get(Facility, facility_id))


def by_reference(ctx: Context, *, actor: Actor, uscc: str, code: str) -> Facility:
    """The facility a sign names (its enterprise's USCC and its code)."""
    with ctx.db.read_session() as s:
        found = s.scalar(
            sa.select(Facility)
            .join(Enterprise, Enterprise.id == Facility.enterprise_id)
            .where(Enterprise.uscc == uscc, Facility.code == code)
        )
        return _visible(s, actor, found)


@dataclass
class FacilityView:
    """A facility's page: what it is, what it holds now, its limits and its alarms."""

    facility: Facility
    enterprise: Enterprise
    room: StorageRoom | None
    stored: list[dict[str, Any]] = field(default_factory=list)
    stored_g: int = 0
    hazards: list[str] = field(default_factory=list)
    limits: dict[str, Any] = field(default_factory=dict)
    alarms: list[Warning] = field(default_factory=list)

    @property
    def kind_zh(self) -> str:
        """The facility's kind in Chinese."""
        return F.KIND_ZH[F.FacilityKind(self.facility.kind)]


STORED_LIMIT = 200  # batches listed on a facility's page


def view(ctx: Context, *, actor: Actor, facility: Facility) -> FacilityView:
    """What a facility holds now (stored batches of its room, for a zone those of its
    categories), its limits (capacity, categories, the one-year storage limit) and its open
    alarms (warnings about those batches or the room)."""
    with ctx.db.read_session() as s:
        facility = _visible(s, actor, s.get(Facility, facility.id))
        ent = s.get_one(Enterprise, facility.enterprise_id)
        room = s.get(StorageRoom, facility.room_id) if facility.room_id else None
        out = FacilityView(facility, ent, room)
        if room is not None:
            cond = [Batch.room_id == room.id, Batch.status == BatchStatus.STORED]
            if facility.kind == F.FacilityKind.ZONE.value and facility.allowed_categories:
                cond.append(Batch.category.in_(facility.allowed_categories))
            rows = s.execute(
                sa.select(Batch, WasteProfile.name, WasteProfile.hazards)
                .join(WasteProfile, WasteProfile.id == Batch.profile_id)
                .where(*cond)
                .order_by(Batch.produced_on, Batch.id)
                .limit(STORED_LIMIT)
            ).all()
            today = ctx.today()
            limit_days = ctx.settings.storage_limit_days
            hazards: set[str] = set()
            for b, name, hz in rows:
                hazards |= set(hz or [])
                deadline = b.produced_on + dt.timedelta(days=limit_days)
                out.stored.append(
                    {
                        "code": b.code,
                        "name": name,
                        "waste_code": b.waste_code,
                        "weight_kg": g_to_kg(b.weight_g),
                        "produced_on": b.produced_on.isoformat(),
                        "stored_at": b.stored_at.isoformat() if b.stored_at else None,
                        "deadline": deadline.isoformat(),
                        "days_left": (deadline - today).days,
                    }
                )
            out.stored_g = int(
                s.scalar(sa.select(sa.func.coalesce(sa.func.sum(Batch.weight_g), 0)).where(*cond))
                or 0
            )
            out.hazards = [h for h in ("T", "C", "I", "R", "In") if h in hazards]
            out.limits = {
                "capacity_kg": g_to_kg(room.capacity_g),
                "stored_kg": g_to_kg(out.stored_g),
                "allowed_categories": list(
                    facility.allowed_categories or room.allowed_categories or []
                ),
                "storage_limit_days": limit_days,
            }
        else:
            out.limits = {
                "allowed_categories": list(facility.allowed_categories or []),
                "methods": [disposal_method(m) for m in facility.methods or []],
            }
    if room is not None:
        codes = {b["code"] for b in out.stored}
        found, _ = warnings.compute(ctx, actor=actor, enterprise_id=facility.enterprise_id)
        out.alarms = [w for w in found if w.subject in codes or w.subject == f"room-{room.id}"]
    return out


def sign_data(v: FacilityView, base_url: str) -> printer.SignData:
    """The sign of a facility (rows by kind), its QR code opening the facility's page."""
    f, ent = v.facility, v.enterprise
    kind = F.FacilityKind(f.kind)
    rows: list[tuple[str, str]] = [("单位名称", ent.name)]
    cats = "、".join(v.limits.get("allowed_categories") or []) or "—"
    if kind is F.FacilityKind.STORAGE:
        rows += [
            ("可贮存类别", cats),
            ("贮存能力", f"{v.limits['capacity_kg']} kg"),
            ("贮存期限", f"不超过 {v.limits['storage_limit_days']} 天"),
        ]
    elif kind is F.FacilityKind.ZONE:
        rows += [("所在库房", v.room.name if v.room else "—"), ("贮存废物类别", cats)]
    else:
        methods = "、".join(f"{m['code']} {m['name']}" for m in v.limits["methods"]) or "—"
        rows += [("利用处置方式", methods), ("接收废物类别", cats)]
    rows += [("负责人", ent.contact_name or "—"), ("联系方式", ent.contact_phone or "—")]
    url = (
        F.reference_url(base_url, ent.uscc, f.code)
        if base_url
        else F.reference_text(ent.uscc, f.code)
    )
    return printer.SignData(
        kind=kind.value,
        code=f.code,
        name=f.name,
        rows=tuple(rows),
        qr_payload=url,
        hazards=tuple(v.hazards),
    )


def render_sign(
    ctx: Context, *, actor: Actor, facility_id: int, fmt: str, page: str, base_url: str
) -> tuple[bytes, str]:
    """A facility's sign as PDF or PNG (A4 or A3); the QR opens ``<base>/f/<USCC>/<code>``
    (``HWTRACE_PUBLIC_URL`` when set, else the address the request came to)."""
    if fmt not in SIGN_MIMETYPES:
        raise BadValue(zh="标志只能输出 pdf 或 png", en="signs are pdf or png")
    if page not in ("A4", "A3"):
        raise BadValue(zh="纸张须为 A4 或 A3", en="the page is A4 or A3")
    facility = get_facility(ctx, actor=actor, facility_id=facility_id)
    v = view(ctx, actor=actor, facility=facility)
    base = ctx.settings.public_url or base_url
    return printer.render_sign(sign_data(v, base), fmt, page=page), SIGN_MIMETYPES[fmt]


def room_for_scan(ctx: Context, *, actor: Actor, text: str) -> StorageRoom | None:
    """The storage room a scanned facility sign stands for (a storage facility or a zone of
    the caller's enterprise); None when the text is not a facility sign.

    :raises NotFound: a facility sign, but not of a room of the caller's enterprise.
    """
    ref = F.parse_reference(text)
    if ref is None:
        return None
    with ctx.db.read_session() as s:
        found = s.execute(
            sa.select(Facility, StorageRoom)
            .join(Enterprise, Enterprise.id == Facility.enterprise_id)
            .join(StorageRoom, StorageRoom.id == Facility.room_id)
            .where(
                Enterprise.uscc == ref[0],
                Facility.code == ref[1],
                Facility.enterprise_id == actor.enterprise_id,
            )
        ).first()
    if found is None:
        raise NotFound(
            zh="该设施标志不属于本单位的库房",
            en="the sign is not of a storage room of this enterprise",
        )
    return found[1]
