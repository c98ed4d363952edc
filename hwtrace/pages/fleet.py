"""A transporter's vehicles and personnel (``/fleet``): the road-transport certificate of each
vehicle and the dangerous-goods qualification of each driver and escort, checked before
loading (《危险废物转移管理办法》第十三条第三款). Its administrator adds and edits them (the
page works on a phone as well); its other users and the park see them."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import Forbidden, HwtraceError, NotFound
from hwtrace.domain.loading import ROLE_ZH
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import directory
from hwtrace.services import fleet as svc


def _viewer() -> Any:
    a = actor()
    if not (a.sees_whole_park or a.enterprise_kind is EnterpriseKind.TRANSPORTER):
        raise Forbidden(
            zh="车辆和人员只对运输单位和园区可见",
            en="vehicles and personnel are for transporters and the park",
        )
    return a


def _can_edit(a: Any) -> bool:
    return bool(a.role is Role.ADMIN and a.enterprise_kind is EnterpriseKind.TRANSPORTER)


def _require_editor() -> Any:
    a = _viewer()
    if not _can_edit(a):
        raise Forbidden(
            zh="只有运输单位管理员可以登记车辆和人员",
            en="only a transporter's administrator keeps vehicles and personnel",
        )
    return a


def _checked(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true")


def _vehicle_form(plate: str = "") -> svc.VehicleForm:
    return svc.VehicleForm(
        plate=F.text("plate", 20) or plate,
        certificate_no=F.text("certificate_no", 80),
        certificate_valid_until=F.text("certificate_valid_until", 10),
        dangerous_goods=_checked("dangerous_goods"),
        active=_checked("active") if "active_shown" in request.form else True,
    )


def _staff_form() -> svc.StaffForm:
    user = F.text("user_id", 12)
    return svc.StaffForm(
        name=F.text("name", 80),
        role=F.text("role", 10),
        qualification_no=F.text("qualification_no", 80),
        qualification_valid_until=F.text("qualification_valid_until", 10),
        user_id=int(user) if user.isdigit() else None,
        active=_checked("active") if "active_shown" in request.form else True,
    )


@bp.route("/fleet", methods=["GET", "POST"])
def fleet() -> Any:
    """The lists, and (for the transporter's administrator) a form to add a vehicle or a
    driver/escort; a refusal is shown in the form it came from, with what was typed."""
    a = _viewer()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        _require_editor()
        which = F.text("form", 10)
        try:
            if which == "vehicle":
                v = svc.create_vehicle(ctx(), actor=a, form=_vehicle_form())
                F.done(f"已登记车辆：{v.plate}", f"Vehicle registered: {v.plate}")
            else:
                which = "staff"
                p = svc.save_staff(ctx(), actor=a, form=_staff_form())
                F.done(f"已登记人员：{p.name}", f"Registered: {p.name}")
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            errors[which], status = F.message(err), err.status
        else:
            return redirect(url_for("pages.fleet"))
    staff = svc.list_staff(ctx(), actor=a)
    return (
        render_template(
            "fleet.html",
            vehicles=svc.list_vehicles(ctx(), actor=a),
            staff=staff,
            usernames=svc.usernames(ctx(), [p.user_id for p in staff if p.user_id]),
            names=directory.enterprise_names(ctx(), actor=a),
            logins=svc.logins(ctx(), actor=a) if _can_edit(a) else [],
            can_edit=_can_edit(a),
            today=ctx().today(),
            role_zh=ROLE_ZH,
            errors=errors,
            form=request.form if errors else {},
        ),
        status,
    )


def _one(rows: list[Any], row_id: int, zh: str, en: str) -> Any:
    found = next((r for r in rows if r.id == row_id), None)
    if found is None:
        raise NotFound(zh=f"{zh}不存在", en=f"no such {en}", detail={"id": row_id})
    return found


@bp.route("/fleet/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
def fleet_vehicle(vehicle_id: int) -> Any:
    """Edit a vehicle: its certificate, its dangerous-goods approval, whether it is in use."""
    a = _require_editor()
    v = _one(svc.list_vehicles(ctx(), actor=a), vehicle_id, "车辆", "vehicle")
    error, status = None, 200
    if request.method == "POST":
        try:
            svc.update_vehicle(ctx(), actor=a, vehicle_id=v.id, form=_vehicle_form(v.plate))
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已保存车辆：{v.plate}", f"Vehicle saved: {v.plate}")
            return redirect(url_for("pages.fleet"))
    return render_template("fleet_edit.html", v=v, p=None, error=error, today=ctx().today()), status


@bp.route("/fleet/staff/<int:staff_id>", methods=["GET", "POST"])
def fleet_staff(staff_id: int) -> Any:
    """Edit a driver or escort: qualification, login, whether still with the transporter."""
    a = _require_editor()
    p = _one(svc.list_staff(ctx(), actor=a), staff_id, "人员", "person")
    error, status = None, 200
    if request.method == "POST":
        try:
            svc.save_staff(ctx(), actor=a, form=_staff_form(), staff_id=p.id)
        except HwtraceError as err:
            if not F.is_form_error(err):
                raise
            error, status = F.message(err), err.status
        else:
            F.done(f"已保存人员：{p.name}", f"Saved: {p.name}")
            return redirect(url_for("pages.fleet"))
    return (
        render_template(
            "fleet_edit.html",
            v=None,
            p=p,
            error=error,
            today=ctx().today(),
            logins=svc.logins(ctx(), actor=a),
            role_zh=ROLE_ZH,
        ),
        status,
    )
