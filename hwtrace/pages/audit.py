"""The ledger: newest entries, the signed checkpoint, full verification and proofs."""

from __future__ import annotations

import time
from typing import Any

from flask import redirect, render_template, request, session, url_for

from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import audit


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
