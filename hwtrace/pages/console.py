"""The park console: one file per enterprise (一企一档), the park map, the charts, and the batch
page every code links to (its life in words, the label, the manifest, the proof; corrections,
voids and label reprints by the producer, each with a reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import require_party
from hwtrace.domain.batches import CORRECTABLE
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.domain.facilities import KIND_ZH as FACILITY_KIND_ZH
from hwtrace.domain.lifecycle import Action, BatchStatus, Party, allowed_actions
from hwtrace.domain.warnings import KIND_ZH
from hwtrace.pages import forms as F
from hwtrace.pages import svg as S
from hwtrace.pages.filters import KIND_ZH_ENT
from hwtrace.pages.routing import actor, bp, ctx, t
from hwtrace.services import batches as batch_svc
from hwtrace.services import console, corrections, facilities, labels, notices
from hwtrace.services import warnings as warnings_svc


@bp.get("/")
def home() -> Any:
    a = actor()
    if a.sees_whole_park:
        return redirect(url_for("pages.park_map"))
    return redirect(url_for("pages.enterprise", enterprise_id=a.enterprise_id))


def _date_arg(name: str) -> dt.date | None:
    v = request.args.get(name) or ""
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise BadValue(zh=f"日期格式应为 YYYY-MM-DD：{v[:20]}", en="dates are YYYY-MM-DD") from None


def _filters() -> console.Filters:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in BatchStatus}:
        raise BadValue(zh="未知的状态", en="unknown state")
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
        facilities=facilities.list_facilities(ctx(), actor=a, enterprise_id=enterprise_id),
        facility_kind_zh=FACILITY_KIND_ZH,
        statuses=list(BatchStatus),
        kinds=KIND_ZH_ENT,
        kind_zh=KIND_ZH,
        todo_notices=(
            notices.unacknowledged(ctx(), actor=a) if a.enterprise_id == enterprise_id else []
        ),
    )


@bp.get("/map")
def park_map() -> Any:
    a = actor()
    data = console.park_map(ctx(), actor=a)
    drawing = S.park_map(data.plots, lambda i: url_for("pages.enterprise", enterprise_id=i), t)
    return render_template("map.html", data=data, drawing=drawing)


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


# -- the batch page: every code links here ----------------------------------------------------


def _batch(code: str, error: str | None = None, step: str = "", status: int = 200) -> Any:
    a = actor()
    file = console.batch_file(ctx(), actor=a, code=code)
    register = next((e for e in file.entries if e["type"] == "batch.register"), None)
    b = file.batch
    producer = not a.sees_whole_park and a.enterprise_id == b.producer_id
    return (
        render_template(
            "batch.html",
            file=file,
            b=b,
            is_producer=producer,
            register_seq=register["seq"] if register else None,
            can_correct=producer and _correctable(b.status),
            can_void=producer and Action.VOID in allowed_actions(BatchStatus(b.status)),
            error=error,
            step=step,
            form=request.form,
        ),
        status,
    )


def _correctable(status: str) -> bool:
    return BatchStatus(status) in CORRECTABLE


@bp.get("/batches/<code>")
def batch_page(code: str) -> Any:
    return _batch(code)


@bp.get("/batches/<code>/label.pdf")
def batch_label(code: str) -> Any:
    data, mimetype = labels.render(ctx(), actor=actor(), code=code, fmt="pdf")
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'inline; filename="{code}.pdf"'
    return resp


@bp.post("/batches/<code>/<step>")
def batch_step(code: str, step: str) -> Any:
    a = actor()
    # corrections, voiding and reprints are the producer's: checked before the form is read
    batch = batch_svc.get_batch(ctx(), actor=a, code=code)
    require_party(a, Party.PRODUCER, batch_svc.batch_parties(batch))
    try:
        if step == "correct":
            seq = F.text("corrects_seq", 20)
            corrections.correct_batch(
                ctx(),
                actor=a,
                code=code,
                correction=corrections.Correction(
                    corrects_seq=int(seq) if seq.isdigit() else -1,
                    reason=F.text("reason"),
                    weight_kg=F.text("weight_kg", 20) or None,
                ),
            )
            F.done("已更正，原记录保留", "Corrected; the original entry stays")
        elif step == "void":
            batch_svc.apply_event(
                ctx(),
                actor=a,
                code=code,
                event=batch_svc.BatchEvent(Action.VOID, reason=F.text("reason") or None),
            )
            F.done("批次已作废", "Batch voided")
        elif step == "reprint":
            batch_svc.reprint(ctx(), actor=a, code=code, reason=F.text("reason"), fmt="pdf")
            F.done("已记录补打，请打印标签", "Reprint recorded: print the label")
        else:
            return redirect(url_for("pages.batch_page", code=code))
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _batch(code, F.message(err), step, err.status)
    return redirect(url_for("pages.batch_page", code=code))
