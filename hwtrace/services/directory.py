"""Master data use cases: enterprises, users, waste profiles and storage rooms. Enterprise and
waste-profile creation are ledger entries too (the labels and the audit refer to them); users
and rooms are configuration and are not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import schemas
from hwtrace.domain.access import Actor, EnterpriseKind, Role, check_username, require_role
from hwtrace.domain.catalogue import shipped
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.manifest_numbers import check_province
from hwtrace.domain.quantities import kg_to_g
from hwtrace.domain.transport import check_permits
from hwtrace.domain.vocabularies import check_form, check_packaging
from hwtrace.services import catalogue, facilities
from hwtrace.services.auth import hash_password
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Booking,
    Contract,
    Enterprise,
    Park,
    ProfileAuthorization,
    StorageRoom,
    User,
    WasteProfile,
)
from schemas import formats


def get_park(ctx: Context) -> Park:
    """Return this server's park row."""
    with ctx.db.read_session() as s:
        park = s.scalar(sa.select(Park).where(Park.code == ctx.settings.park_code))
    if park is None:
        raise NotFound(zh="园区尚未初始化", en="the park is not set up; run hwtrace demo or init")
    return park


def ensure_park(ctx: Context) -> Park:
    """Create this server's park row and its ledger log head if they do not exist."""
    with ctx.uow() as uow:
        s = uow.session
        park = s.scalar(sa.select(Park).where(Park.code == ctx.settings.park_code))
        if park is None:
            park = Park(
                code=ctx.settings.park_code,
                name=ctx.settings.park_name,
                log_id=ctx.settings.park_code,
            )
            s.add(park)
            s.flush()
        uow.log.ensure(s.connection())
        uow.commit()
        return park


def get_enterprise(ctx: Context, *, actor: Actor, enterprise_id: int) -> Enterprise:
    """Return an enterprise's full record: the caller's own, or any for park roles."""
    with ctx.db.read_session() as s:
        ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.park_id != actor.park_id:
        raise NotFound(zh="单位不存在", en="no such enterprise")
    if not actor.sees_whole_park and ent.id != actor.enterprise_id:
        raise NotFound(zh="单位不存在", en="no such enterprise")
    return ent


def list_enterprises(
    ctx: Context, *, actor: Actor, kind: str | None = None
) -> list[tuple[Enterprise, bool]]:
    """Return (enterprise, full) pairs: park roles see every record in full; an enterprise sees
    its own in full and the directory entry (name, kind, USCC) of the others it hands over to."""
    cond = [Enterprise.park_id == actor.park_id]
    if kind:
        cond.append(Enterprise.kind == kind)
    with ctx.db.read_session() as s:
        rows = list(s.scalars(sa.select(Enterprise).where(*cond).order_by(Enterprise.id)))
    out = []
    for e in rows:
        full = actor.sees_whole_park or e.id == actor.enterprise_id
        if full or e.kind in (EnterpriseKind.TRANSPORTER.value, EnterpriseKind.RECEIVER.value):
            out.append((e, full))
    return out


def visible_enterprises(actor: Actor) -> sa.ColumnElement[bool]:
    """Return the condition on ``Enterprise`` rows the caller may know of (name and USCC).

    Park roles know every enterprise of the park. An enterprise knows itself, the park's
    transporters and receivers (the directory it books and contracts from), and the
    enterprises it has a booking or a contract with (a transporter knows the producers it
    carries for). Any other producer is not revealed, not even its name."""
    cond = Enterprise.park_id == actor.park_id
    if actor.sees_whole_park:
        return cond
    e = actor.enterprise_id
    related = sa.union(
        *(
            sa.select(col).where(
                sa.or_(model.producer_id == e, model.transporter_id == e, model.receiver_id == e)
            )
            for model in (Booking, Contract)
            for col in (model.producer_id, model.transporter_id, model.receiver_id)
        )
    )
    return sa.and_(
        cond,
        sa.or_(
            Enterprise.id == e,
            Enterprise.kind.in_([EnterpriseKind.TRANSPORTER.value, EnterpriseKind.RECEIVER.value]),
            Enterprise.id.in_(sa.select(related.subquery().c[0])),
        ),
    )


def enterprise_names(ctx: Context, *, actor: Actor) -> dict[int, str]:
    """Return the names of the enterprises the caller may know of, by id (to label lists)."""
    with ctx.db.read_session() as s:
        return {
            e.id: e.name for e in s.scalars(sa.select(Enterprise).where(visible_enterprises(actor)))
        }


def known_enterprise(s: Session, actor: Actor, enterprise_id: int) -> Enterprise:
    """Return an enterprise the caller may know of, else 404 (the same answer as for one that
    does not exist)."""
    ent = s.scalar(
        sa.select(Enterprise).where(Enterprise.id == enterprise_id, visible_enterprises(actor))
    )
    if ent is None:
        raise NotFound(
            zh="单位不存在", en="no such enterprise", detail={"enterprise_id": enterprise_id}
        )
    return ent


def reportable_enterprises(ctx: Context, *, actor: Actor) -> list[Enterprise]:
    """Return the enterprises whose reports the caller may export: every enterprise of the
    park (not the park administration itself) for park roles, else the caller's own."""
    with ctx.db.read_session() as s:
        q = sa.select(Enterprise).where(
            Enterprise.park_id == actor.park_id, Enterprise.kind != "park"
        )
        if not actor.sees_whole_park:
            q = q.where(Enterprise.id == actor.enterprise_id)
        return list(s.scalars(q.order_by(Enterprise.id)))


@dataclass(frozen=True)
class NewEnterprise:
    uscc: str
    name: str
    kind: str
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    map_x: int | None = None
    map_y: int | None = None
    permits: dict[str, Any] | None = None
    province_code: str | None = None  # GB/T 2260, 2 digits; None: the park's province


def create_enterprise(ctx: Context, *, actor: Actor | None, new: NewEnterprise) -> Enterprise:
    """Register an enterprise in the park (park administrators; ``actor=None`` for the CLI)."""
    if actor is not None:
        require_role(actor, Role.PARK_ADMIN)
    uscc = new.uscc.strip().upper()
    if not formats.is_valid_uscc(uscc):
        raise BadValue(
            zh="统一社会信用代码校验位错误",
            en="the USCC fails its GB 32100 check character",
            code="enterprise.invalid_uscc",
            detail={"uscc": uscc},
        )
    if new.kind not in {k.value for k in EnterpriseKind}:
        raise BadValue(
            zh="请选择单位类型", en="choose the kind of enterprise", detail={"kind": new.kind}
        )
    kind = EnterpriseKind(new.kind)
    name = new.name.strip()
    if not name or len(name) > 200:
        raise BadValue(
            zh="请填写单位名称（最多 200 字）", en="give the name (up to 200 characters)"
        )
    check_permits_schema(new.permits or {})
    edition = catalogue.current(ctx)
    permits = check_permits(
        kind.value, new.permits or {}, lambda c: edition.get(c) is not None, ctx.today()
    )
    with ctx.uow() as uow:
        s = uow.session
        park = s.scalar(sa.select(Park).where(Park.code == ctx.settings.park_code))
        if park is None:
            raise NotFound(zh="园区尚未初始化", en="the park is not set up")
        if s.scalar(sa.select(Enterprise.id).where(Enterprise.uscc == uscc)) is not None:
            raise Conflict(
                zh="该统一社会信用代码已登记",
                en="an enterprise with this USCC exists",
                code="enterprise.duplicate",
            )
        ent = Enterprise(
            park_id=park.id,
            uscc=uscc,
            name=name,
            kind=kind.value,
            address=new.address,
            contact_name=new.contact_name,
            contact_phone=new.contact_phone,
            map_x=new.map_x,
            map_y=new.map_y,
            permits=permits,
            province_code=check_province(new.province_code),
            created_at=ctx.now(),
        )
        s.add(ent)
        uow.record(
            entry_type="enterprise.register",
            subject=uscc,
            actor=actor.username if actor else "system",
            enterprise=uscc,
            payload={
                "uscc": uscc,
                "name": ent.name,
                "kind": kind.value,
                "permits": permits,
                "province_code": ent.province_code,
            },
        )
        uow.commit()
        return ent


def check_permits_schema(permits: dict[str, Any]) -> None:
    """Refuse permits that do not match ``schemas/api/permits.schema.json``."""
    check = schemas.validator("api/permits")
    errors = sorted(check.iter_errors(permits), key=lambda e: list(e.path))
    if errors:
        where = "; ".join(
            f"permits/{'/'.join(str(p) for p in e.path)}: {e.message}"[:200] for e in errors[:5]
        )
        raise BadValue(
            zh="许可证信息格式不正确：" + where,
            en="the permits do not match their schema: " + where,
            code="enterprise.invalid_permits",
            detail={"errors": [{"path": "/".join(str(p) for p in e.path)} for e in errors[:20]]},
        )


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    role: str
    display_name: str = ""
    enterprise_id: int | None = None


def create_user(ctx: Context, *, actor: Actor | None, new: NewUser) -> User:
    """Create a user: an enterprise admin in its own enterprise, a park admin anywhere."""
    role = Role(new.role)
    check_username(new.username)
    enterprise_id = new.enterprise_id
    if actor is not None:
        require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
        if actor.role is Role.ADMIN:
            if enterprise_id not in (None, actor.enterprise_id) or role not in (
                Role.ADMIN,
                Role.OPERATOR,
            ):
                raise Forbidden(
                    zh="企业管理员只能为本单位创建操作员或管理员",
                    en="an enterprise admin creates admins/operators of its own enterprise",
                )
            enterprise_id = actor.enterprise_id
        enterprise_id = enterprise_id or actor.enterprise_id
    if enterprise_id is None:
        raise BadValue(zh="须指定单位", en="enterprise_id is required")
    pw_hash = hash_password(ctx, new.password)  # slow: outside the write transaction
    with ctx.db.write_session() as s, s.begin():
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or (actor is not None and ent.park_id != actor.park_id):
            raise NotFound(zh="单位不存在", en="no such enterprise")
        park_roles = role in (Role.PARK_ADMIN, Role.AUDITOR)
        if park_roles != (ent.kind == EnterpriseKind.PARK.value):
            raise Conflict(
                zh="角色与单位类型不符",
                en="this role does not fit the enterprise kind",
                code="enterprise.wrong_kind",
            )
        if s.scalar(sa.select(User.id).where(User.username == new.username)) is not None:
            raise Conflict(zh="用户名已被占用", en="the username is taken", code="user.duplicate")
        user = User(
            enterprise_id=ent.id,
            username=new.username,
            display_name=new.display_name,
            password_hash=pw_hash,
            role=role.value,
            active=True,
            created_at=ctx.now(),
        )
        s.add(user)
        try:
            s.flush()
        except sa.exc.IntegrityError:
            # another request took the username between the check and the insert
            raise Conflict(
                zh="用户名已被占用", en="the username is taken", code="user.duplicate"
            ) from None
        return user


def list_users(ctx: Context, *, actor: Actor, enterprise_id: int | None = None) -> list[User]:
    """Return users: the caller's enterprise (admins), or any enterprise (park roles)."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN, Role.AUDITOR)
    target = enterprise_id if actor.sees_whole_park and enterprise_id else actor.enterprise_id
    with ctx.db.read_session() as s:
        q = sa.select(User).join(Enterprise).where(Enterprise.park_id == actor.park_id)
        if not (actor.sees_whole_park and enterprise_id is None):
            q = q.where(User.enterprise_id == target)
        return list(s.scalars(q.order_by(User.id)))


def authorize_authorizations(ctx: Context, *, actor: Actor, user_id: int) -> None:
    """Check, before the request is read, that the caller administers the user's enterprise."""
    require_role(actor, Role.ADMIN)
    with ctx.db.read_session() as s:
        user = s.get(User, user_id)
    if user is None or user.enterprise_id != actor.enterprise_id:
        raise NotFound(zh="用户不存在", en="no such user", detail={"user_id": user_id})


def set_authorizations(
    ctx: Context, *, actor: Actor, user_id: int, profile_ids: list[int]
) -> list[int]:
    """Set the waste profiles an operator may register (personnel authorization).

    The enterprise admin grants and revokes; the change is one ledger entry naming what was
    granted and revoked, so the authorization in force at any moment can be audited.
    """
    require_role(actor, Role.ADMIN)
    with ctx.uow() as uow:
        s = uow.session
        user = s.get(User, user_id)
        if user is None or user.enterprise_id != actor.enterprise_id:
            raise NotFound(zh="用户不存在", en="no such user", detail={"user_id": user_id})
        wanted = set(profile_ids)
        if wanted:
            owned = set(
                s.scalars(
                    sa.select(WasteProfile.id).where(
                        WasteProfile.id.in_(wanted),
                        WasteProfile.enterprise_id == actor.enterprise_id,
                    )
                )
            )
            if owned != wanted:
                raise NotFound(
                    zh="废物档案不存在",
                    en="no such waste profile",
                    detail={"ids": sorted(wanted - owned)},
                )
        current = set(
            s.scalars(
                sa.select(ProfileAuthorization.profile_id).where(
                    ProfileAuthorization.user_id == user.id
                )
            )
        )
        granted, revoked = sorted(wanted - current), sorted(current - wanted)
        if not granted and not revoked:
            return sorted(current)
        if revoked:
            s.execute(
                sa.delete(ProfileAuthorization).where(
                    ProfileAuthorization.user_id == user.id,
                    ProfileAuthorization.profile_id.in_(revoked),
                )
            )
        for pid in granted:
            s.add(
                ProfileAuthorization(
                    user_id=user.id, profile_id=pid, granted_by=actor.username, created_at=ctx.now()
                )
            )
        ent = s.get_one(Enterprise, actor.enterprise_id)
        uow.record(
            entry_type="personnel.authorize",
            subject=f"user-{user.username}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={"user": user.username, "granted": granted, "revoked": revoked},
        )
        uow.commit()
        return sorted(wanted)


def require_authorized(s: Session, actor: Actor, profile: WasteProfile) -> None:
    """Operators register only the waste profiles they are authorized for (admins any)."""
    if actor.role is not Role.OPERATOR:
        return
    granted = s.get(ProfileAuthorization, (actor.user_id, profile.id))
    if granted is None:
        raise Forbidden(
            zh=f"您未获授权登记「{profile.name}」（{profile.waste_code}），请联系本单位管理员",
            en=f"you are not authorized to register waste profile {profile.id}",
            code="personnel.not_authorized",
            detail={"profile_id": profile.id},
        )


def get_authorizations(ctx: Context, *, actor: Actor, user_id: int) -> list[int]:
    """Return the waste profile ids a user may register (admins of its enterprise, park roles)."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN, Role.AUDITOR, Role.OPERATOR)
    with ctx.db.read_session() as s:
        user = s.get(User, user_id)
        ent = s.get(Enterprise, user.enterprise_id) if user else None
        visible = (
            user is not None
            and ent is not None
            and ent.park_id == actor.park_id
            and (
                actor.sees_whole_park
                or (actor.role is Role.ADMIN and user.enterprise_id == actor.enterprise_id)
                or user.id == actor.user_id
            )
        )
        if not visible:
            raise NotFound(zh="用户不存在", en="no such user", detail={"user_id": user_id})
        return sorted(
            s.scalars(
                sa.select(ProfileAuthorization.profile_id).where(
                    ProfileAuthorization.user_id == user_id
                )
            )
        )


@dataclass(frozen=True)
class NewProfile:
    waste_code: str
    name: str
    form: str
    hazards: list[str]
    packaging: str
    main_components: str = ""
    harmful_components: str = ""
    precautions: str = ""
    process: str = ""


def create_profile(ctx: Context, *, actor: Actor, new: NewProfile) -> WasteProfile:
    """Create a waste profile for the caller's (producer) enterprise."""
    require_role(actor, Role.ADMIN)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以建立废物档案", en="only producers have waste profiles")
    listed = catalogue.current(ctx)
    entry = listed.entry(new.waste_code)
    check_form(new.form)
    check_packaging(new.packaging)
    with ctx.uow() as uow:
        s = uow.session
        ent = s.get_one(Enterprise, actor.enterprise_id)
        p = WasteProfile(
            enterprise_id=ent.id,
            waste_code=entry.code,
            category=entry.category,
            name=new.name.strip(),
            form=new.form,
            hazards=sorted(set(new.hazards)),
            main_components=new.main_components,
            harmful_components=new.harmful_components,
            packaging=new.packaging,
            precautions=new.precautions,
            process=new.process,
            active=True,
            created_at=ctx.now(),
        )
        s.add(p)
        s.flush()
        uow.record(
            entry_type="profile.create",
            subject=f"profile:{p.id}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={
                "id": p.id,
                "waste_code": p.waste_code,
                "category": p.category,
                "catalogue_edition": listed.edition,
                "name": p.name,
                "form": p.form,
                "hazards": p.hazards,
                "main_components": p.main_components,
                "harmful_components": p.harmful_components,
                "packaging": p.packaging,
            },
        )
        uow.commit()
        return p


def _scope_enterprise(actor: Actor, enterprise_id: int | None) -> int | None:
    """Return the enterprise filter for per-enterprise lists (None = whole park)."""
    if actor.sees_whole_park:
        return enterprise_id
    return actor.enterprise_id


def list_profiles(
    ctx: Context, *, actor: Actor, enterprise_id: int | None = None
) -> list[WasteProfile]:
    """Return waste profiles of the caller's enterprise (or the park, for park roles)."""
    target = _scope_enterprise(actor, enterprise_id)
    with ctx.db.read_session() as s:
        q = sa.select(WasteProfile).join(Enterprise).where(Enterprise.park_id == actor.park_id)
        if target is not None:
            q = q.where(WasteProfile.enterprise_id == target)
        return list(s.scalars(q.order_by(WasteProfile.id)))


def get_profile(ctx: Context, *, actor: Actor, profile_id: int) -> WasteProfile:
    """Return one waste profile the caller may see."""
    with ctx.db.read_session() as s:
        p = s.get(WasteProfile, profile_id)
        ent = s.get(Enterprise, p.enterprise_id) if p else None
    if (
        p is None
        or ent is None
        or ent.park_id != actor.park_id
        or (not actor.sees_whole_park and p.enterprise_id != actor.enterprise_id)
    ):
        raise NotFound(zh="废物档案不存在", en="no such waste profile")
    return p


def create_room(
    ctx: Context, *, actor: Actor, name: str, capacity_kg: str, allowed_categories: list[str]
) -> StorageRoom:
    """Create a storage room for the caller's (producer) enterprise."""
    require_role(actor, Role.ADMIN)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位设置贮存库房", en="only producers have storage rooms")
    cap = kg_to_g(capacity_kg, field="capacity_kg")
    allowed_categories = [shipped().check_category(c).code for c in allowed_categories]
    with ctx.db.write_session() as s, s.begin():
        allowed = catalogue.check_categories(s, ctx, allowed_categories)
        if (
            s.scalar(
                sa.select(StorageRoom.id).where(
                    StorageRoom.enterprise_id == actor.enterprise_id, StorageRoom.name == name
                )
            )
            is not None
        ):
            raise Conflict(
                zh="库房名称已存在", en="a room with this name exists", code="storage.duplicate"
            )
        room = StorageRoom(
            enterprise_id=actor.enterprise_id,
            name=name,
            capacity_g=cap,
            allowed_categories=allowed,
            created_at=ctx.now(),
        )
        s.add(room)
        s.flush()
        facilities.add_storage(s, room)  # the room is a storage facility with a code
        s.flush()
        return room


def list_rooms(
    ctx: Context, *, actor: Actor, enterprise_id: int | None = None
) -> list[tuple[StorageRoom, int]]:
    """Return storage rooms with the grams currently stored in each."""
    target = _scope_enterprise(actor, enterprise_id)
    stored = (
        sa.select(sa.func.coalesce(sa.func.sum(Batch.weight_g), 0))
        .where(Batch.room_id == StorageRoom.id, Batch.status == BatchStatus.STORED)
        .scalar_subquery()
    )
    with ctx.db.read_session() as s:
        q = (
            sa.select(StorageRoom, stored)
            .join(Enterprise, Enterprise.id == StorageRoom.enterprise_id)
            .where(Enterprise.park_id == actor.park_id)
        )
        if target is not None:
            q = q.where(StorageRoom.enterprise_id == target)
        return [(r, int(g)) for r, g in s.execute(q.order_by(StorageRoom.id)).all()]
