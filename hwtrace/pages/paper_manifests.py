"""Emergency paper manifests in the console (《危险废物转移管理办法》第二十条): the producer enters
a transfer made on paper — the paper's number and day, why, the batches carried (ticked from its
storage), the carrier, vehicle and driver, the receiver, and the scan — and sees at once
whether it was entered within the 10 working days; every party lists its paper manifests and
opens the scan. Refusals are shown next to the form, with what was typed kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.domain.paper_manifests import SCAN_TYPES, Scan
from hwtrace.domain.vocabularies import disposal_methods
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import paper_manifests as svc


def _may_enter() -> bool:
    a = actor()
    return a.enterprise_kind is EnterpriseKind.PRODUCER and a.role in (Role.ADMIN, Role.OPERATOR)


def _page(error: HwtraceError | None = None, status: int = 200) -> Any:
    may = _may_enter()
    return (
        render_template(
            "paper_manifests.html",
            rows=svc.list_papers(ctx(), actor=actor()),
            may=may,
            opts=svc.options(ctx(), actor=actor()) if may else None,
            methods=disposal_methods(),
            error=F.message(error) if error else None,
            error_code=error.code if error else "",
            form=request.form if error else {},
            picked=request.form.getlist("codes") if error else [],
            today=ctx().today().isoformat(),
            scan_types=",".join(SCAN_TYPES),
        ),
        status,
    )


@bp.get("/paper-manifests")
def paper_manifests() -> Any:
    return _page()


def _transfer() -> svc.PaperTransfer:
    try:
        day = dt.date.fromisoformat(F.text("transferred_on", 10))
    except ValueError:
        raise BadValue(
            zh="请填写转移日期（年-月-日）", en="give the transfer day (YYYY-MM-DD)"
        ) from None
    carrier = F.text("carrier", 40)
    transporter, _, driver = carrier.partition(":")
    if not (transporter.isdigit() and driver.isdigit()):
        raise BadValue(zh="请选择运输单位与驾驶员", en="choose the transporter and the driver")
    upload = request.files.get("scan")
    return svc.PaperTransfer(
        paper_number=F.text("paper_number", 40),
        transferred_on=day,
        reason=F.text("reason"),
        codes=request.form.getlist("codes")[:500],
        transporter_id=int(transporter),
        driver_user_id=int(driver),
        vehicle_plate=F.text("vehicle_plate", 16),
        driver_licence=F.text("driver_licence", 64),
        receiver_id=F.number("receiver_id", "接收单位", "receiver"),
        planned_method=F.text("planned_method", 10),
        scan=Scan(
            name=(upload.filename or "") if upload else "",
            mimetype=(upload.mimetype or "") if upload else "",
            data=upload.read() if upload else b"",
        ),
    )


@bp.post("/paper-manifests")
def paper_manifests_enter() -> Any:
    svc.options(ctx(), actor=actor())  # producers only, before the form is read
    try:
        p = svc.record_paper_transfer(ctx(), actor=actor(), t=_transfer())
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _page(err, err.status)
    number = svc.manifest_number(ctx(), actor=actor(), paper_id=p.id)
    if p.late:
        F.done(
            f"已补录纸质联单 {p.paper_number}，但已超过第二十条规定的期限"
            f"（{p.deadline.isoformat()}）",
            f"Paper manifest {p.paper_number} entered, after the deadline of art. 20"
            f" ({p.deadline.isoformat()})",
        )
    else:
        F.done(f"已补录纸质联单 {p.paper_number}", f"Paper manifest {p.paper_number} entered")
    return redirect(url_for("pages.manifest", number=number))


@bp.get("/paper-manifests/<int:paper_id>/scan")
def paper_manifest_scan(paper_id: int) -> Any:
    name, mimetype, data = svc.scan(ctx(), actor=actor(), paper_id=paper_id)
    resp = Response(data, mimetype=mimetype)
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-")) or "scan"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
