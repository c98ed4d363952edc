"""The park console: login, one file per enterprise, park map, warnings, ledger, charts, exports."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import sqlalchemy as sa
from flask import Response, redirect, render_template, request, session, url_for

from hwtrace.domain.access import Role
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.transport import MANIFEST_ZH, ManifestStatus
from hwtrace.domain.warnings import KIND_ZH, Kind
from hwtrace.pages import actor, bp, ctx, t
from hwtrace.pages import svg as S
from hwtrace.services import audit, console, directory
from hwtrace.services import auth as auth_svc
from hwtrace.services import warnings as warnings_svc
from hwtrace.store.tables import Enterprise

KIND_ZH_ENT = {
    "producer": "产废单位",
    "transporter": "运输单位",
    "receiver": "接收单位",
    "park": "园区管理方",
}


def _kg(grams: int | None) -> str:
    return g_to_kg(grams or 0)


@bp.app_template_filter("kg")
def _kg_filter(grams: int | None) -> str:
    return _kg(grams)


@bp.app_template_filter("status_zh")
def _status_filter(status: str) -> str:
    return t(status_zh(BatchStatus(status)))


@bp.app_template_filter("manifest_zh")
def _manifest_filter(status: str) -> str:
    return MANIFEST_ZH[ManifestStatus(status)]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        try:
            issued = auth_svc.login(
                ctx(),
                username=request.form.get("username", "")[:64],
                password=request.form.get("password", "")[:200],
                remote_addr=request.remote_addr or "",
            )
        except HwtraceError as err:
            error = (
                err.message_zh if (request.cookies.get("lang") or "zh") == "zh" else err.message_en
            )
        else:
            session.clear()
            session["token"] = issued.token
            nxt = request.args.get("next") or ""
            # only same-site relative paths: no open redirect
            if not nxt.startswith("/") or nxt.startswith("//"):
                nxt = url_for("pages.home")
            return redirect(nxt)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    a = actor()
    if a.token_id is not None:
        auth_svc.revoke_token(ctx(), actor=a, token_id=a.token_id)
    session.clear()
    return redirect(url_for("pages.login"))


@bp.get("/")
def home() -> Any:
    a = actor()
    if a.sees_whole_park:
        return redirect(url_for("pages.park_map"))
    return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))


@bp.get("/enterprises")
def enterprises() -> Any:
    a = actor()
    if not a.sees_whole_park:
        return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))
    rows = [e for e, _ in directory.list_enterprises(ctx(), actor=a)]
    plots = {p.id: p for p in console.park_map(ctx(), actor=a).plots}
    return render_template("enterprises.html", rows=rows, plots=plots, kinds=KIND_ZH_ENT)


def _date_arg(name: str) -> dt.date | None:
    v = request.args.get(name) or ""
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise BadValue(f"日期格式应为 YYYY-MM-DD：{v[:20]}", "dates are YYYY-MM-DD") from None


def _filters() -> console.Filters:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in BatchStatus}:
        raise BadValue("未知的状态", "unknown state")
    waste = (request.args.get("waste_code") or "").strip()[:10] or None
    try:
        page = max(0, min(int(request.args.get("page", "0")), 100000))
    except ValueError:
        page = 0
    return console.Filters(
        status=status,
        waste_code=waste,
        since=_date_arg("since"),
        until=_date_arg("until"),
        page=page,
    )


@bp.get("/enterprises/<int:enterprise_id>")
def enterprise(enterprise_id: int) -> Any:
    a = actor()
    f = _filters()
    file = console.enterprise_file(ctx(), actor=a, enterprise_id=enterprise_id, f=f)
    warns, _counts = warnings_svc.compute(ctx(), actor=a, enterprise_id=enterprise_id)
    warns = [w for w in warns if w.enterprise_id == enterprise_id][:100]
    return render_template(
        "enterprise.html",
        file=file,
        f=f,
        warnings=warns,
        statuses=list(BatchStatus),
        kinds=KIND_ZH_ENT,
        kind_zh=KIND_ZH,
    )


@bp.get("/map")
def park_map() -> Any:
    a = actor()
    data = console.park_map(ctx(), actor=a)
    drawing = S.park_map(data.plots, lambda i: url_for("pages.enterprise", enterprise_id=i), t)
    return render_template("map.html", data=data, drawing=drawing)


@bp.get("/warnings")
def warnings() -> Any:
    a = actor()
    eid = request.args.get("enterprise_id", type=int)
    kind = request.args.get("kind") or None
    items, counts = warnings_svc.compute(ctx(), actor=a, enterprise_id=eid)
    if kind:
        items = [w for w in items if w.kind.value == kind]
    with ctx().db.read_session() as s:
        names = {
            e.id: e.name
            for e in s.scalars(sa.select(Enterprise).where(Enterprise.park_id == a.park_id))
        }
    can_ack = a.role in (Role.PARK_ADMIN, Role.ADMIN, Role.OPERATOR)
    return render_template(
        "warnings.html",
        items=items[:300],  # the counts above give the totals; filter by kind for the rest
        counts=counts,
        names=names,
        kinds=list(Kind),
        kind_zh=KIND_ZH,
        current=kind,
        can_ack=can_ack,
    )


@bp.post("/warnings/ack")
def warnings_ack() -> Any:
    warnings_svc.acknowledge(
        ctx(),
        actor=actor(),
        key=request.form.get("key", "")[:120],
        note=request.form.get("note", "")[:500],
    )
    back = request.form.get("back") or ""
    return redirect(
        back if back.startswith("/") and not back.startswith("//") else url_for("pages.warnings")
    )


@bp.get("/ledger")
def ledger_view() -> Any:
    a = actor()
    try:
        before = int(request.args.get("before", "0")) or None
    except ValueError:
        before = None
    cp = audit.current_checkpoint(ctx())
    entries = audit.list_entries_desc(ctx(), actor=a, before=before, limit=50)
    return render_template(
        "ledger.html",
        cp=cp,
        vkey=ctx().signer.vkey,
        entries=entries,
        result=session.pop("verify", None),
    )


@bp.post("/ledger/verify")
def ledger_verify() -> Any:
    started = time.perf_counter()
    report = audit.verify(ctx())
    session["verify"] = {
        "ok": bool(report.ok),
        "size": int(getattr(report, "size", 0) or 0),
        "first_bad": getattr(report, "first_bad_seq", None),
        "reason": str(getattr(report, "reason", "") or ""),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return redirect(url_for("pages.ledger_view"))


@bp.get("/ledger/proof")
def ledger_proof() -> Any:
    a = actor()
    code = (request.args.get("code") or "").strip()
    proofs: list[dict[str, Any]] = []
    cp = audit.current_checkpoint(ctx())
    if code:
        proofs = audit.proofs_for(ctx(), actor=a, subject=code)
    return render_template("proof.html", code=code, proofs=proofs, cp=cp, vkey=ctx().signer.vkey)


@bp.get("/charts")
def charts() -> Any:
    a = actor()
    eid = request.args.get("enterprise_id", type=int)
    by_cat = console.monthly(ctx(), actor=a, by="category", enterprise_id=eid)
    by_ent = console.monthly(ctx(), actor=a, by="enterprise", enterprise_id=eid)
    figures = [
        S.bar_chart(by_cat, by_cat.generated, t("每月产生量（按类别，千克）")),
        S.bar_chart(by_cat, by_cat.disposed, t("每月利用处置量（按类别，千克）")),
    ]
    if a.sees_whole_park:
        figures += [
            S.bar_chart(by_ent, by_ent.generated, t("每月产生量（按单位，千克）")),
            S.bar_chart(by_ent, by_ent.disposed, t("每月利用处置量（按单位，千克）")),
        ]
    return render_template("charts.html", figures=figures)


@bp.get("/exports")
def exports() -> Any:
    a = actor()
    with ctx().db.read_session() as s:
        q = sa.select(Enterprise).where(Enterprise.park_id == a.park_id, Enterprise.kind != "park")
        if not a.sees_whole_park:
            q = q.where(Enterprise.id == a.enterprise_id)
        ents = list(s.scalars(q.order_by(Enterprise.id)))
    return render_template("exports.html", ents=ents, year=ctx().now().year)


def attachment(data: bytes, mimetype: str, filename: str) -> Response:
    """Return a download response."""
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/exports/<what>.<fmt>")
def export_file(what: str, fmt: str) -> Any:
    from hwtrace.services import exports as X  # type: ignore[attr-defined,unused-ignore]

    a = actor()
    eid = request.args.get("enterprise_id", type=int)
    if eid is not None:
        console.visible_enterprise(ctx(), a, eid)
    if what in ("batches", "ledger") and fmt in ("csv", "xlsx"):
        table = X.batches_table if what == "batches" else X.ledger_table
        headers, rows = table(ctx(), actor=a, enterprise_id=eid)
        if fmt == "csv":
            return attachment(X.to_csv(headers, rows), "text/csv; charset=utf-8", f"{what}.csv")
        data = X.to_xlsx(headers, rows, what)
        return attachment(
            data,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{what}.xlsx",
        )
    if what == "annual" and fmt == "pdf" and eid is not None:
        year = request.args.get("year", type=int) or ctx().now().year
        pdf = X.annual_report_pdf(ctx(), actor=a, enterprise_id=eid, year=year)
        return attachment(pdf, "application/pdf", f"annual-{eid}-{year}.pdf")
    if what == "bundle" and fmt == "json":
        return attachment(
            X.bundle(ctx(), actor=a, enterprise_id=eid), "application/json", "ledger-bundle.json"
        )
    raise BadValue("不支持的导出类型", "unsupported export")
