"""The park's enterprises (park roles; an enterprise user goes to its own file), an
enterprise's waste profiles, storage rooms, users and their authorizations, and the park
administrator's enterprise form with its permits."""

from __future__ import annotations

import re
from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain import vocabularies
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import BadValue, Forbidden, HwtraceError, NotFound
from hwtrace.pages import forms as F
from hwtrace.pages.filters import KIND_ZH_ENT, province_names
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import catalogue, console, directory
from hwtrace.services import enterprise_changes as changes


@bp.get("/enterprises")
def enterprises() -> Any:
    a = actor()
    if not a.sees_whole_park:
        return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))
    rows = [e for e, _ in directory.list_enterprises(ctx(), actor=a)]
    plots = {p.id: p for p in console.park_map(ctx(), actor=a).plots}
    return render_template("enterprises.html", rows=rows, plots=plots, kinds=KIND_ZH_ENT)


HAZARD_NAMES = (
    ("T", "毒性", "toxic"),
    ("C", "腐蚀性", "corrosive"),
    ("I", "易燃性", "ignitable"),
    ("R", "反应性", "reactive"),
    ("In", "感染性", "infectious"),
)


@bp.route("/profiles", methods=["GET", "POST"])
def profiles() -> Any:
    """The caller's waste profiles (废物档案) and, for a producer's admin, the form that adds
    one; the waste code is chosen with the catalogue picker."""
    a = actor()
    can_add = a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER
    error: HwtraceError | None = None
    created = None
    if request.method == "POST":
        if not can_add:
            raise Forbidden(
                zh="只有产废单位管理员可以建立废物档案", en="only a producer's admin adds profiles"
            )
        f = request.form
        try:
            code = f.get("waste_code", "").strip()
            entry = catalogue.current(ctx()).entry(code)
            hazards = f.getlist("hazards") or entry.hazards.canonical
            created = directory.create_profile(
                ctx(),
                actor=a,
                new=directory.NewProfile(
                    waste_code=entry.code,
                    name=f.get("name", "").strip()[:200],
                    form=f.get("form", ""),
                    hazards=[h for h in hazards if h in {k for k, _, _ in HAZARD_NAMES}],
                    packaging=f.get("packaging", ""),
                    main_components=f.get("main_components", "").strip()[:500],
                    harmful_components=f.get("harmful_components", "").strip()[:500],
                    precautions=f.get("precautions", "").strip()[:500],
                    process=f.get("process", "").strip()[:200],
                ),
            )
        except HwtraceError as err:
            error = err
    rows = directory.list_profiles(ctx(), actor=a)
    return render_template(
        "profiles.html",
        rows=rows,
        can_add=can_add,
        error=error,
        created=created,
        form=request.form if error else {},
        forms=vocabularies.waste_forms(),
        packagings=vocabularies.packaging_types(),
        hazard_names=HAZARD_NAMES,
        form_hazards=request.form.getlist("hazards") if error else [],
    ), (error.status if error else 200)


# -- the enterprise administrator's and the park administrator's forms -------------------------

ROLE_ZH = {
    Role.ADMIN: "管理员",
    Role.OPERATOR: "操作员",
    Role.PARK_ADMIN: "园区管理员",
    Role.AUDITOR: "审计员",
}


def _require_admin() -> Actor:
    a = actor()
    require_role(a, Role.ADMIN, Role.PARK_ADMIN)
    return a


def _require_producer_admin() -> Actor:
    a = actor()
    require_role(a, Role.ADMIN)
    if a.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位管理员可以办理", en="only a producer's admin may do this")
    return a


@bp.route("/rooms", methods=["GET", "POST"])
def rooms() -> Any:
    """The producer's storage rooms with their fill; its admin adds one (categories from the
    catalogue)."""
    a = actor()
    can_add = a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER
    error, status = None, 200
    if request.method == "POST":
        _require_producer_admin()
        try:
            room = directory.create_room(
                ctx(),
                actor=a,
                name=F.text("name", 100),
                capacity_kg=F.text("capacity_kg", 20),
                allowed_categories=_categories(request.form.getlist("categories")),
            )
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已添加库房：{room.name}", f"Room added: {room.name}")
            return redirect(url_for("pages.rooms"))
    return (
        render_template(
            "rooms.html",
            rows=directory.list_rooms(ctx(), actor=a),
            names=directory.enterprise_names(ctx(), actor=a),
            can_add=can_add,
            categories=catalogue.categories(ctx()),
            error=error,
            form=request.form if error else {},
            ticked=set(request.form.getlist("categories")) if error else set(),
        ),
        status,
    )


def _categories(values: list[str]) -> list[str]:
    known = {c.code for c in catalogue.categories(ctx())}
    chosen = [v for v in values if v]
    if not chosen:
        raise BadValue(
            zh="请至少选择一个允许贮存的废物类别", en="choose at least one waste category"
        )
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise BadValue(
            zh=f"名录中没有废物类别 {'、'.join(unknown[:5])}",
            en=f"no such waste category: {', '.join(unknown[:5])}",
        )
    return chosen


@bp.route("/users", methods=["GET", "POST"])
def users() -> Any:
    """Users: an enterprise admin's own, the park administrator's across the park; each adds
    users (and the park administrator chooses the enterprise)."""
    a = _require_admin()
    error, status = None, 200
    if request.method == "POST":
        try:
            eid = F.text("enterprise_id", 20)
            user = directory.create_user(
                ctx(),
                actor=a,
                new=directory.NewUser(
                    username=_username(),
                    password=_password(),
                    role=_role(),
                    display_name=F.text("display_name", 100),
                    enterprise_id=int(eid) if eid.isdigit() else None,
                ),
            )
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已添加用户：{user.username}", f"User added: {user.username}")
            return redirect(url_for("pages.users"))
    wanted = request.args.get("enterprise_id", type=int)
    rows = directory.list_users(ctx(), actor=a, enterprise_id=wanted)
    roles = list(Role) if a.sees_whole_park else [Role.ADMIN, Role.OPERATOR]
    return (
        render_template(
            "users.html",
            rows=rows,
            names=directory.enterprise_names(ctx(), actor=a),
            roles=[(r.value, ROLE_ZH[r]) for r in roles],
            role_zh={r.value: ROLE_ZH[r] for r in Role},
            enterprises=[e for e, _ in directory.list_enterprises(ctx(), actor=a)]
            if a.sees_whole_park
            else [],
            can_authorize=a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.PRODUCER,
            error=error,
            form=request.form if error else {},
        ),
        status,
    )


def _username() -> str:
    name = F.text("username", 80)
    if not re.fullmatch(r"[A-Za-z0-9_.-]{3,64}", name):
        raise BadValue(
            zh="用户名为 3–64 个字母、数字或 _ . -",
            en="a username is 3–64 letters, digits or _ . -",
        )
    return name


def _password() -> str:
    pw = request.form.get("password") or ""
    if len(pw) < 10 or len(pw) > 200:
        raise BadValue(zh="密码至少 10 位", en="a password has at least 10 characters")
    return pw


def _role() -> str:
    role = F.text("role", 20)
    if role not in {r.value for r in Role}:
        raise BadValue(zh="请选择角色", en="choose the role")
    return role


@bp.route("/users/<int:user_id>/authorizations", methods=["GET", "POST"])
def user_authorizations(user_id: int) -> Any:
    """The waste profiles an operator may register (personnel authorization), ticked by the
    producer's admin; one ledger entry names what was granted and revoked."""
    a = _require_producer_admin()
    user = next((u for u in directory.list_users(ctx(), actor=a) if u.id == user_id), None)
    if user is None:
        raise NotFound(zh="用户不存在", en="no such user")
    if request.method == "POST":
        ids = [int(v) for v in request.form.getlist("profile_ids") if v.isdigit()]
        directory.set_authorizations(ctx(), actor=a, user_id=user_id, profile_ids=ids)
        F.done(f"已更新 {user.username} 的授权", f"Authorizations of {user.username} saved")
        return redirect(url_for("pages.user_authorizations", user_id=user_id))
    return render_template(
        "user_authorizations.html",
        user=user,
        profiles=directory.list_profiles(ctx(), actor=a),
        granted=set(directory.get_authorizations(ctx(), actor=a, user_id=user_id)),
    )


def _permits_from_form(kind: str) -> dict[str, Any]:
    """The permits the enterprise form gives for an enterprise of ``kind``."""
    if kind == EnterpriseKind.RECEIVER.value:
        return {
            "operating": {
                "number": F.text("operating_number", 64),
                "codes": re.split(r"[\s,，、;；]+", F.text("operating_codes", 5000)),
                "annual_capacity_t": F.text("annual_capacity_t", 20),
                "valid_until": F.text("operating_valid_until", 10),
            }
        }
    if kind == EnterpriseKind.TRANSPORTER.value:
        return {
            "transport": {
                "number": F.text("transport_number", 64),
                "valid_until": F.text("transport_valid_until", 10),
            }
        }
    return {}


def _form_of(ent: Any) -> dict[str, str]:
    """The change form prefilled from the record."""
    op = (ent.permits or {}).get("operating") or {}
    tr = (ent.permits or {}).get("transport") or {}
    return {
        "province_code": ent.province_code or "",
        "operating_number": str(op.get("number", "")),
        "operating_codes": " ".join(op.get("codes") or []),
        "annual_capacity_t": str(op.get("annual_capacity_t", "")),
        "operating_valid_until": str(op.get("valid_until", "")),
        "transport_number": str(tr.get("number", "")),
        "transport_valid_until": str(tr.get("valid_until", "")),
    }


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
def enterprise_edit(enterprise_id: int) -> Any:
    """The park administrator records a renewed or extended permit, or the province, of an
    enterprise (an ``enterprise.update`` entry with the reason and the previous values)."""
    a = actor()
    require_role(a, Role.PARK_ADMIN)
    ent = directory.get_enterprise(ctx(), actor=a, enterprise_id=enterprise_id)
    error, status = None, 200
    if request.method == "POST":
        has_permits = ent.kind in (EnterpriseKind.RECEIVER.value, EnterpriseKind.TRANSPORTER.value)
        try:
            changes.update_enterprise(
                ctx(),
                actor=a,
                enterprise_id=enterprise_id,
                change=changes.EnterpriseChange(
                    reason=F.text("reason", 500),
                    permits=_permits_from_form(ent.kind) if has_permits else None,
                    province_code=F.text("province_code", 2),
                ),
            )
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已变更：{ent.name}", f"Changed: {ent.name}")
            return redirect(url_for("pages.enterprise", enterprise_id=ent.id))
    return (
        render_template(
            "enterprise_edit.html",
            e=ent,
            provinces=province_names(),
            error=error,
            form=request.form if error else _form_of(ent),
        ),
        status,
    )


@bp.route("/enterprises/new", methods=["GET", "POST"])
def enterprise_new() -> Any:
    """The park administrator registers an enterprise with its permits (a validated form: the
    USCC's check character, the permit numbers, catalogue codes, a yearly quantity)."""
    a = actor()
    require_role(a, Role.PARK_ADMIN)
    error, status = None, 200
    if request.method == "POST":
        kind = F.text("kind", 20)
        permits = _permits_from_form(kind)
        try:
            ent = directory.create_enterprise(
                ctx(),
                actor=a,
                new=directory.NewEnterprise(
                    uscc=F.text("uscc", 18),
                    name=F.text("name", 200),
                    kind=kind,
                    address=F.text("address", 300),
                    contact_name=F.text("contact_name", 100),
                    contact_phone=F.text("contact_phone", 50),
                    permits=permits,
                    province_code=F.text("province_code", 2) or None,
                ),
            )
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已登记：{ent.name}", f"Registered: {ent.name}")
            return redirect(url_for("pages.enterprise", enterprise_id=ent.id))
    return (
        render_template(
            "enterprise_new.html",
            kinds=KIND_ZH_ENT,
            provinces=province_names(),
            error=error,
            form=request.form if error else {},
        ),
        status,
    )
