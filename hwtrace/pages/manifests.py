"""Transfer manifests in the console, one page per manifest with the steps of each party: the
producer takes the batches out of storage or voids it before departure; the transporter scans
the batches onto the vehicle and departs; the receiver weighs each batch and accepts or rejects
it, confirms receipt, then records utilization or disposal with a method from the list. The
manifest PDF is one click away."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import BadValue, HwtraceError
from hwtrace.domain.lifecycle import Action, BatchStatus
from hwtrace.domain.receipts import ASPECT_EN, ASPECT_ZH, Aspect
from hwtrace.domain.vocabularies import disposal_methods
from hwtrace.pages import forms as F
from hwtrace.pages.batches import read_scan
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.reports import manifest_pdf
from hwtrace.services import batches as batch_svc
from hwtrace.services import directory, handover, paper_manifests, receipts
from hwtrace.services import manifests as svc

STEPS = ("unstore", "load", "depart", "receive", "confirm", "final", "cancel")


@bp.get("/manifests")
def manifests() -> Any:
    a = actor()
    return render_template(
        "manifests.html",
        rows=svc.list_manifests(ctx(), actor=a)[:100],
        papers=paper_manifests.paper_numbers(ctx(), actor=a),
        may_enter_paper=a.enterprise_kind is EnterpriseKind.PRODUCER
        and a.role in (Role.ADMIN, Role.OPERATOR),
        names=directory.enterprise_names(ctx(), actor=a),
    )


def _detail(number: str, error: str | None = None, step: str = "", status: int = 200) -> Any:
    a = actor()
    view = svc.get_manifest(ctx(), actor=a, number=number)
    m = view.manifest
    mine = not a.sees_whole_park
    role = ""
    if mine and a.enterprise_id == m.producer_id:
        role = "producer"
    elif mine and a.enterprise_id == m.transporter_id:
        role = "transporter"
    elif mine and a.enterprise_id == m.receiver_id:
        role = "receiver"
    lines = view.lines
    return (
        render_template(
            "manifest.html",
            v=view,
            m=m,
            role=role,
            methods=disposal_methods(),
            stored=[b.code for _, b, _ in lines if b.status == BatchStatus.STORED.value],
            to_load=[ln.code for ln, _, _ in lines if ln.outcome == "PENDING"],
            to_receive=[ln.code for ln, _, _ in lines if ln.outcome == "LOADED"],
            mismatches=receipts.mismatches(ctx(), actor=a, number=number),
            paper=paper_manifests.for_manifest(ctx(), actor=a, number=number),
            aspects=[(x.value, ASPECT_ZH[x], ASPECT_EN[x]) for x in Aspect],
            error=error,
            step=step,
            form=request.form,
        ),
        status,
    )


@bp.get("/manifests/<number>")
def manifest(number: str) -> Any:
    return _detail(number)


@bp.get("/manifests/<number>.pdf")
def manifest_document(number: str) -> Any:
    view = svc.get_manifest(ctx(), actor=actor(), number=number)
    paper = paper_manifests.facts_for(ctx(), actor=actor(), number=number)
    resp = Response(
        manifest_pdf.render(view, ctx().settings.park_name, ctx().settings.timezone, paper),
        mimetype="application/pdf",
    )
    resp.headers["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    return resp


def _event(code: str, event: batch_svc.BatchEvent) -> None:
    batch_svc.apply_event(ctx(), actor=actor(), code=code, event=event)


def _on_manifest(number: str) -> str:
    code = F.text("code", 120)
    if not code:
        raise BadValue(zh="请扫描或输入识别码", en="scan or type the identification code")
    svc.require_on_manifest(ctx(), actor=actor(), number=number, code=code)
    return code


def _step(number: str, step: str) -> None:
    a = actor()
    c = ctx()
    if step == "unstore":
        code = _on_manifest(number)
        _event(code, batch_svc.BatchEvent(Action.UNSTORE))
        F.done(f"已出库：{code}", f"Taken out of storage: {code}")
    elif step == "load":
        # A scanner types the label's QR payload (its waste code and weight are checked
        # against the manifest line, 第十三条第三款) or the bare code.
        scanned = read_scan(F.text("code", 1000))
        code = scanned.code
        svc.require_on_manifest(c, actor=a, number=number, code=code, loading=True)
        label = handover.scanned_label(scanned)
        _event(code, batch_svc.BatchEvent(Action.LOAD, manifest=number, label=label))
        F.done(f"已装车：{code}", f"Loaded: {code}")
    elif step == "depart":
        svc.depart(c, actor=a, number=number, missing_reason=F.text("missing_reason") or None)
        F.done("已启运", "Departed")
    elif step == "receive":
        code = _on_manifest(number)
        reject = F.text("decision", 10) == "reject"
        _event(
            code,
            batch_svc.BatchEvent(
                Action.REJECT if reject else Action.RECEIVE,
                manifest=number,
                weight_kg=F.text("weight_kg", 20) or None,
                reason=F.text("reason") or None,
                mismatch=tuple(request.form.getlist("mismatch")[:4]),
                mismatch_note=F.text("mismatch_note"),
            ),
        )
        F.done(
            f"已拒收：{code}" if reject else f"已接收：{code}",
            f"Rejected: {code}" if reject else f"Received: {code}",
        )
    elif step == "confirm":
        svc.confirm_receipt(c, actor=a, number=number)
        F.done("已确认接收", "Receipt confirmed")
    elif step == "final":
        code = _on_manifest(number)
        action = Action.UTILIZE if F.text("final", 10) == "utilize" else Action.DISPOSE
        method = F.text("method", 10)
        if not method:
            raise BadValue(zh="请选择利用处置方式", en="choose the utilization/disposal method")
        _event(code, batch_svc.BatchEvent(action, method=method))
        F.done(f"已记录：{code}", f"Recorded: {code}")
    else:
        svc.cancel_manifest(c, actor=a, number=number, reason=F.text("reason"))
        F.done("联单已作废", "Manifest voided")


@bp.post("/manifests/<number>/<step>")
def manifest_step(number: str, step: str) -> Any:
    if step not in STEPS:
        return redirect(url_for("pages.manifest", number=number))
    if step in ("load", "depart", "receive", "confirm", "cancel"):
        svc.authorize(ctx(), actor=actor(), number=number, step=step)  # before the form
    try:
        _step(number, step)
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _detail(number, F.message(err), step, err.status)
    return redirect(url_for("pages.manifest", number=number))
