"""Cross-province transfer approvals (部令第23号 第二十一–二十八条): entered by the producer's
administrator or the park administrator, withdrawn with a reason; the producer, the receiver
and the park see each approval with the weight used and left of each kind."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response

from hwtrace.api.params import body_date
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.contracts import g_to_t
from hwtrace.domain.errors import BadValue
from hwtrace.services import approvals as svc
from hwtrace.services.serialize import timestamp

ID_P = {"name": "approval_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_S = {"type": "string"}
_NS = {"type": ["string", "null"]}
_I = {"type": "integer"}
APPROVAL = {
    "type": "object",
    "properties": {
        "id": _I,
        "subject": _S,
        "number": _S,
        "authority": _S,
        "producer_id": _I,
        "producer": _S,
        "receiver_id": _I,
        "receiver": _S,
        "method": _S,
        "valid_from": _S,
        "valid_to": _S,
        "valid_today": {"type": "boolean"},
        "withdrawn": {"type": "boolean"},
        "reason": _S,
        "document_sha256": _NS,
        "created_by": _S,
        "created_at": _NS,
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"waste_code": _S, "approved_t": _S, "used_t": _S, "remaining_t": _S},
            },
        },
        "last_seq": _I,
    },
}


def approval_json(v: svc.ApprovalView) -> dict[str, Any]:
    """The JSON form of an approval with the weight used and left of each kind (tonnes)."""
    a = v.approval
    today = ctx().today()
    return {
        "id": a.id,
        "subject": svc.approval_subject(a.id),
        "number": a.number,
        "authority": a.authority,
        "producer_id": a.producer_id,
        "producer": v.names.get(a.producer_id, ""),
        "receiver_id": a.receiver_id,
        "receiver": v.names.get(a.receiver_id, ""),
        "method": a.method,
        "valid_from": a.valid_from.isoformat(),
        "valid_to": a.valid_to.isoformat(),
        "valid_today": not a.withdrawn and a.valid_from <= today <= a.valid_to,
        "withdrawn": a.withdrawn,
        "reason": a.reason,
        "document_sha256": a.document_sha256 or None,
        "created_by": a.created_by,
        "created_at": timestamp(a.created_at),
        "lines": [
            {
                "waste_code": ln.waste_code,
                "approved_t": g_to_t(ln.approved_g),
                "used_t": g_to_t(v.used_g.get(ln.waste_code, 0)),
                "remaining_t": g_to_t(v.remaining_g(ln.waste_code)),
            }
            for ln in v.lines
        ],
        "last_seq": a.last_seq,
    }


def _document(body: dict[str, Any]) -> tuple[bytes, str, str]:
    doc = body.get("document")
    if not doc:
        return b"", "", ""
    try:
        data = base64.b64decode(doc["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(
            zh="批准文件不是有效的 base64",
            en="the scan is not valid base64",
            code="approval.document",
        ) from None
    return data, doc["name"], doc["type"]


@route(
    "/transfer-approvals",
    "POST",
    roles=(Role.ADMIN, Role.PARK_ADMIN),
    kinds=(EnterpriseKind.PRODUCER, EnterpriseKind.PARK),
    summary="Enter a cross-province transfer approval (producer admin, or park admin for a "
    "producer): at most 12 months, never beyond the receiver's permit",
    tag="approvals",
    body="approval-create",
    status=201,
    response=APPROVAL,
)
def enter_approval(body: dict[str, Any]) -> Response:
    valid_from = body_date(body["valid_from"])
    valid_to = body_date(body["valid_to"])
    assert valid_from is not None and valid_to is not None
    data, name, mimetype = _document(body)
    a = svc.enter_approval(
        ctx(),
        actor=actor(),
        new=svc.NewApproval(
            number=body["number"],
            authority=body["authority"],
            producer_id=body.get("producer_id"),
            receiver_id=body["receiver_id"],
            method=body["method"],
            valid_from=valid_from,
            valid_to=valid_to,
            approved_t=body["approved_t"],
            document=data,
            document_name=name,
            document_type=mimetype,
        ),
    )
    view = svc.get_approval(ctx(), actor=actor(), approval_id=a.id)
    return ok(approval_json(view), 201)


@route(
    "/transfer-approvals",
    "GET",
    summary="Cross-province approvals the caller is producer or receiver of (the whole park for "
    "park roles), with the weight used and left of each kind",
    tag="approvals",
    response={"type": "array", "items": APPROVAL},
)
def list_approvals() -> Response:
    return ok([approval_json(v) for v in svc.list_approvals(ctx(), actor=actor())])


@route(
    "/transfer-approvals/<int:approval_id>/withdraw",
    "POST",
    guard=lambda approval_id: svc.authorize_withdraw(ctx(), actor=actor(), approval_id=approval_id),
    summary="Withdraw a wrongly entered or revoked approval, with the reason (producer admin or "
    "park admin); transfers counted against it stay",
    tag="approvals",
    body="reason",
    query=[ID_P],
    response=APPROVAL,
)
def withdraw_approval(approval_id: int, body: dict[str, Any]) -> Response:
    svc.withdraw_approval(ctx(), actor=actor(), approval_id=approval_id, reason=body["reason"])
    return ok(approval_json(svc.get_approval(ctx(), actor=actor(), approval_id=approval_id)))
