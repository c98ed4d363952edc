"""Cases: every alarm walked to closure (opened → assigned → handled → closed, or sent back)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from flask import Response, current_app

from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import Role
from hwtrace.domain.errors import BadValue
from hwtrace.services import cases as svc
from hwtrace.services import sweep

CASE = {"type": "object"}
STATUS_Q = {
    "name": "status",
    "in": "query",
    "required": False,
    "schema": {"enum": ["open", "opened", "assigned", "handled", "closed"]},
}


@route(
    "/cases",
    "GET",
    summary="The caller's cases (its enterprise's or assigned to it; the park's for park roles)",
    tag="cases",
    query=[STATUS_Q],
    response={"type": "array", "items": CASE},
)
def list_cases() -> Response:
    from flask import request

    now = ctx().now()
    rows = svc.list_cases(ctx(), actor=actor(), status=request.args.get("status"))
    return ok([svc.as_json(c, now) for c in rows])


@route(
    "/cases/sweep",
    "POST",
    roles=(Role.PARK_ADMIN,),
    summary=(
        "Sweep now (park administrator): open a case for every current warning that has none, "
        "note the cases whose warning has gone, escalate overdue cases"
    ),
    tag="cases",
    response={"type": "object"},
)
def sweep_cases() -> Response:
    return ok(sweep.run(ctx(), actor=actor()).as_json())


def _guard(action: str | None) -> Any:
    def check(case_id: int) -> None:
        svc.authorize(ctx(), actor=actor(), case_id=case_id, action=action)

    return check


@route(
    "/cases/<int:case_id>",
    "GET",
    guard=_guard(None),
    summary="One case",
    tag="cases",
    response=CASE,
)
def get_case(case_id: int) -> Response:
    return ok(svc.as_json(svc.get_case(ctx(), actor=actor(), case_id=case_id), ctx().now()))


@route(
    "/cases/<int:case_id>/assign",
    "POST",
    guard=_guard("assign"),
    summary="Pass a case on to another enterprise of the park (park administrator)",
    tag="cases",
    body="case-assign",
    response=CASE,
)
def assign_case(case_id: int, body: dict[str, Any]) -> Response:
    c = svc.assign(ctx(), actor=actor(), case_id=case_id, enterprise_id=body["enterprise_id"])
    return ok(svc.as_json(c, ctx().now()))


@route(
    "/cases/<int:case_id>/handle",
    "POST",
    guard=_guard("handle"),
    summary="Record the handling: a note and evidence, whose SHA-256 goes into the ledger",
    tag="cases",
    body="case-handle",
    response=CASE,
)
def handle_case(case_id: int, body: dict[str, Any]) -> Response:
    try:
        data = base64.b64decode(body["evidence_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(
            zh="证据不是有效的 base64",
            en="evidence is not valid base64",
            code="case.evidence_required",
        ) from None
    c = svc.handle(
        ctx(),
        actor=actor(),
        case_id=case_id,
        note=body["note"],
        evidence_name=body["evidence_name"],
        evidence=data,
        evidence_dir=evidence_dir(),
    )
    return ok(svc.as_json(c, ctx().now()))


def evidence_dir() -> Path:
    """Return where evidence files are kept (by hash) in the instance directory."""
    return Path(current_app.config["INSTANCE_DIR"]) / "evidence"


@route(
    "/cases/<int:case_id>/verify",
    "POST",
    guard=_guard("verify"),
    summary="Verify a handled case and close it, or send it back (park administrator)",
    tag="cases",
    body="case-verify",
    response=CASE,
)
def verify_case(case_id: int, body: dict[str, Any]) -> Response:
    c = svc.verify(
        ctx(), actor=actor(), case_id=case_id, accept=body["accept"], note=body.get("note", "")
    )
    return ok(svc.as_json(c, ctx().now()))
