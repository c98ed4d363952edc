"""A transporter's fleet: its vehicles (road-transport certificate) and its drivers and escorts
(dangerous-goods qualification), kept by its administrator, and what loading checks against
them (《危险废物转移管理办法》第十三条第三款; rules in ``domain/loading.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import loading as L
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import Conflict, Forbidden, NotFound
from hwtrace.services.context import Context
from hwtrace.store.fleet import TransportStaff, Vehicle
from hwtrace.store.tables import Enterprise, Manifest, User


def _require_transporter_admin(actor: Actor) -> None:
    require_role(actor, Role.ADMIN)
    if actor.enterprise_kind is not EnterpriseKind.TRANSPORTER:
        raise Forbidden(
            zh="只有运输单位管理员可以登记车辆和人员",
            en="only a transporter's administrator keeps vehicles and personnel",
        )


def _scope(actor: Actor, enterprise_id: int | None) -> int | None:
    """The enterprise a list is about (None = every transporter of the park, for park roles)."""
    if actor.sees_whole_park:
        return enterprise_id
    if actor.enterprise_kind is not EnterpriseKind.TRANSPORTER:
        raise Forbidden(
            zh="车辆和人员只对运输单位和园区可见",
            en="vehicles and personnel are for transporters and the park",
        )
    return actor.enterprise_id


def _in_park(actor: Actor) -> sa.ColumnElement[bool]:
    return Vehicle.park_id == actor.park_id


# -- vehicles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleForm:
    """What the administrator gives for a vehicle."""

    plate: str
    certificate_no: str
    certificate_valid_until: str | dt.date
    dangerous_goods: bool
    active: bool = True


def list_vehicles(ctx: Context, *, actor: Actor, enterprise_id: int | None = None) -> list[Vehicle]:
    """The caller's vehicles (a park role's: every transporter's, or one's), by plate."""
    target = _scope(actor, enterprise_id)
    with ctx.db.read_session() as s:
        q = sa.select(Vehicle).where(_in_park(actor))
        if target is not None:
            q = q.where(Vehicle.enterprise_id == target)
        return list(s.scalars(q.order_by(Vehicle.enterprise_id, Vehicle.plate)))


def create_vehicle(ctx: Context, *, actor: Actor, form: VehicleForm) -> Vehicle:
    """Register a vehicle of the caller's transporter; a plate is registered once."""
    _require_transporter_admin(actor)
    plate, number, until = L.check_vehicle_record(
        form.plate, form.certificate_no, form.certificate_valid_until
    )
    with ctx.db.write_session() as s, s.begin():
        taken = s.scalar(
            sa.select(Vehicle.id).where(
                Vehicle.enterprise_id == actor.enterprise_id, Vehicle.plate == plate
            )
        )
        if taken is not None:
            raise Conflict(
                zh=f"车辆 {plate} 已登记",
                en=f"vehicle {plate} is registered already",
                code="fleet.duplicate",
                detail={"plate": plate, "id": taken},
            )
        now = ctx.now()
        v = Vehicle(
            park_id=actor.park_id,
            enterprise_id=actor.enterprise_id,
            plate=plate,
            certificate_no=number,
            certificate_valid_until=until,
            dangerous_goods=form.dangerous_goods,
            active=form.active,
            updated_by=actor.username,
            created_at=now,
            updated_at=now,
        )
        s.add(v)
        s.flush()
        return v


def update_vehicle(ctx: Context, *, actor: Actor, vehicle_id: int, form: VehicleForm) -> Vehicle:
    """Change a vehicle's certificate, its dangerous-goods approval, or retire it (the plate
    stays: another plate is another vehicle)."""
    _require_transporter_admin(actor)
    with ctx.db.write_session() as s, s.begin():
        v = s.get(Vehicle, vehicle_id)
        if v is None or v.enterprise_id != actor.enterprise_id:
            raise NotFound(zh="车辆不存在", en="no such vehicle", detail={"id": vehicle_id})
        _, number, until = L.check_vehicle_record(
            v.plate, form.certificate_no, form.certificate_valid_until
        )
        v.certificate_no = number
        v.certificate_valid_until = until
        v.dangerous_goods = form.dangerous_goods
        v.active = form.active
        v.updated_by = actor.username
        v.updated_at = ctx.now()
        s.flush()
        return v


# -- drivers and escorts ---------------------------------------------------------------------


@dataclass(frozen=True)
class StaffForm:
    """What the administrator gives for a driver or escort."""

    name: str
    role: str
    qualification_no: str
    qualification_valid_until: str | dt.date
    user_id: int | None = None
    active: bool = True


def list_staff(
    ctx: Context, *, actor: Actor, enterprise_id: int | None = None
) -> list[TransportStaff]:
    """The caller's drivers and escorts (a park role's: every transporter's, or one's)."""
    target = _scope(actor, enterprise_id)
    with ctx.db.read_session() as s:
        q = sa.select(TransportStaff).where(TransportStaff.park_id == actor.park_id)
        if target is not None:
            q = q.where(TransportStaff.enterprise_id == target)
        return list(s.scalars(q.order_by(TransportStaff.enterprise_id, TransportStaff.name)))


def _check_login(s: Session, actor: Actor, user_id: int | None, staff_id: int | None) -> None:
    if user_id is None:
        return
    user = s.get(User, user_id)
    if user is None or user.enterprise_id != actor.enterprise_id:
        raise Conflict(
            zh="关联的登录账号须是本单位的用户",
            en="the linked login must be a user of the transporter",
            code="transport.driver_invalid",
            detail={"user_id": user_id},
        )
    other = s.scalar(sa.select(TransportStaff.id).where(TransportStaff.user_id == user_id))
    if other is not None and other != staff_id:
        raise Conflict(
            zh=f"账号 {user.username} 已关联其他人员",
            en=f"login {user.username} is linked to another person already",
            code="fleet.duplicate",
            detail={"user_id": user_id, "id": other},
        )


def _check_number(s: Session, actor: Actor, number: str, staff_id: int | None) -> None:
    other = s.scalar(
        sa.select(TransportStaff.id).where(
            TransportStaff.enterprise_id == actor.enterprise_id,
            TransportStaff.qualification_no == number,
        )
    )
    if other is not None and other != staff_id:
        raise Conflict(
            zh=f"从业资格证号 {number} 已登记",
            en=f"qualification number {number} is registered already",
            code="fleet.duplicate",
            detail={"qualification_no": number, "id": other},
        )


def save_staff(
    ctx: Context, *, actor: Actor, form: StaffForm, staff_id: int | None = None
) -> TransportStaff:
    """Register a driver or escort of the caller's transporter (``staff_id`` None), or change
    one: its qualification, its login, or retire it."""
    _require_transporter_admin(actor)
    name, role, number, until = L.check_staff_record(
        form.name, form.role, form.qualification_no, form.qualification_valid_until
    )
    with ctx.db.write_session() as s, s.begin():
        now = ctx.now()
        if staff_id is None:
            p = TransportStaff(
                park_id=actor.park_id, enterprise_id=actor.enterprise_id, created_at=now
            )
        else:
            found = s.get(TransportStaff, staff_id)
            if found is None or found.enterprise_id != actor.enterprise_id:
                raise NotFound(zh="人员不存在", en="no such person", detail={"id": staff_id})
            p = found
        _check_login(s, actor, form.user_id, staff_id)
        _check_number(s, actor, number, staff_id)
        p.name, p.role, p.qualification_no = name, role, number
        p.qualification_valid_until = until
        p.user_id = form.user_id
        p.active = form.active
        p.updated_by = actor.username
        p.updated_at = now
        s.add(p)
        s.flush()
        return p


def logins(ctx: Context, *, actor: Actor) -> list[User]:
    """The caller's enterprise's active users (a driver's login is one of them)."""
    with ctx.db.read_session() as s:
        return list(
            s.scalars(
                sa.select(User)
                .where(User.enterprise_id == actor.enterprise_id, User.active.is_(True))
                .order_by(User.username)
            )
        )


def vehicle_json(v: Vehicle) -> dict[str, Any]:
    """The JSON form of a vehicle."""
    return {
        "id": v.id,
        "enterprise_id": v.enterprise_id,
        "plate": v.plate,
        "certificate_no": v.certificate_no,
        "certificate_valid_until": v.certificate_valid_until.isoformat(),
        "dangerous_goods": v.dangerous_goods,
        "active": v.active,
    }


def staff_json(p: TransportStaff) -> dict[str, Any]:
    """The JSON form of a driver or escort."""
    return {
        "id": p.id,
        "enterprise_id": p.enterprise_id,
        "name": p.name,
        "role": p.role.value,
        "role_zh": L.ROLE_ZH[p.role],
        "qualification_no": p.qualification_no,
        "qualification_valid_until": p.qualification_valid_until.isoformat(),
        "user_id": p.user_id,
        "active": p.active,
    }


def usernames(ctx: Context, ids: list[int]) -> dict[int, str]:
    """The usernames of these logins (the drivers' on a fleet list), by id."""
    if not ids:
        return {}
    with ctx.db.read_session() as s:
        rows = s.execute(sa.select(User.id, User.username).where(User.id.in_(ids)))
        return {uid: name for uid, name in rows}


# -- at loading ------------------------------------------------------------------------------


def check_at_loading(s: Session, manifest: Manifest, today: dt.date) -> dict[str, Any]:
    """Refuse loading onto ``manifest`` unless its carrier's permit, its vehicle and its driver
    qualify today (第十三条第三款); return what was checked, for the loading entry."""
    carrier = s.get_one(Enterprise, manifest.transporter_id)
    permit = L.check_carrier_permit(carrier.permits, today, carrier.name)
    v = s.scalar(
        sa.select(Vehicle).where(
            Vehicle.enterprise_id == carrier.id, Vehicle.plate == manifest.vehicle_plate
        )
    )
    L.check_vehicle(
        None
        if v is None
        else L.VehicleFacts(
            v.plate, v.certificate_no, v.certificate_valid_until, v.dangerous_goods, v.active
        ),
        manifest.vehicle_plate,
        today,
    )
    assert v is not None
    p = s.scalar(
        sa.select(TransportStaff).where(
            TransportStaff.enterprise_id == carrier.id,
            TransportStaff.user_id == manifest.driver_user_id,
        )
    )
    driver = s.get(User, manifest.driver_user_id)
    L.check_driver(
        None
        if p is None
        else L.StaffFacts(
            p.name, p.role, p.qualification_no, p.qualification_valid_until, p.active
        ),
        driver.username if driver is not None else str(manifest.driver_user_id),
        today,
    )
    assert p is not None
    return {
        "article": L.ARTICLE,
        "transport_permit": permit,
        "vehicle_certificate": v.certificate_no,
        "driver_qualification": p.qualification_no,
    }
