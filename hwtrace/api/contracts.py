"""Disposal contracts: registered by the producer with the signed document, confirmed or refused
by the receiver, terminated by either party. Both parties, a transporter the contract names and
the park see a contract and what is used of it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import Response, request

from hwtrace.api.params import body_date, status_query
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.contracts import ContractStatus
from hwtrace.domain.errors import BadValue
from hwtrace.services import contracts as svc
from hwtrace.services import serialize

R = "#/components/schemas/"
ID_P = {"name": "contract_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _document(body: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(body["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(
            zh="合同文件不是有效的 base64",
            en="the document is not valid base64",
            code="contract.document_invalid",
        ) from None


def _may(step: str) -> Callable[[int], None]:
    """The route's guard: may the caller take ``step`` on this contract (before validation)?"""

    def guard(contract_id: int) -> None:
        svc.authorize(ctx(), actor=actor(), contract_id=contract_id, step=step)

    return guard


@route(
    "/contracts",
    "POST",
    roles=(Role.ADMIN,),
    kinds=(EnterpriseKind.PRODUCER,),
    summary="Register a disposal contract with its signed document (producer admin)",
    tag="contracts",
    body="contract-create",
    status=201,
    response={"$ref": R + "Contract"},
)
def propose_contract(body: dict[str, Any]) -> Response:
    doc = body["document"]
    valid_from = body_date(body["valid_from"])
    valid_to = body_date(body["valid_to"])
    assert valid_from is not None and valid_to is not None
    c = svc.propose_contract(
        ctx(),
        actor=actor(),
        new=svc.NewContract(
            number=body["number"],
            receiver_id=body["receiver_id"],
            transporter_id=body.get("transporter_id"),
            valid_from=valid_from,
            valid_to=valid_to,
            quantities_t=body["quantities_t"],
            document=_document(doc),
            document_name=doc["name"],
            document_type=doc["type"],
            note=body.get("note", ""),
        ),
    )
    return _contract(c.id, 201)


def _contract(contract_id: int, status: int = 200) -> Response:
    view = svc.get_contract(ctx(), actor=actor(), contract_id=contract_id)
    return ok(serialize.contract(view, ctx().today()), status)


@route(
    "/contracts",
    "GET",
    summary="Contracts the caller is party to (the whole park for park roles), with their use",
    tag="contracts",
    query=[status_query(ContractStatus)],
    response={"type": "array", "items": {"$ref": R + "Contract"}},
)
def list_contracts() -> Response:
    views = svc.list_contracts(ctx(), actor=actor(), status=request.args.get("status"))
    today = ctx().today()
    return ok([serialize.contract(v, today) for v in views])


@route(
    "/contracts/<int:contract_id>",
    "GET",
    summary="One contract with its waste codes, quantities and what is used of each",
    tag="contracts",
    query=[ID_P],
    response={"$ref": R + "Contract"},
)
def get_contract(contract_id: int) -> Response:
    return _contract(contract_id)


@route(
    "/contracts/<int:contract_id>/document",
    "GET",
    summary="The signed contract document (its SHA-256 is in the ledger)",
    tag="contracts",
    query=[ID_P],
    response={"type": "string", "format": "binary"},
    content_types=svc.DOCUMENT_TYPES,
)
def contract_document(contract_id: int) -> Response:
    name, mimetype, data = svc.document(ctx(), actor=actor(), contract_id=contract_id)
    resp = Response(data, mimetype=mimetype)
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-")) or "doc"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return resp


@route(
    "/contracts/<int:contract_id>/confirm",
    "POST",
    summary="Confirm a contract and its document (receiver admin); it counts from now on",
    tag="contracts",
    query=[ID_P],
    response={"$ref": R + "Contract"},
)
def confirm_contract(contract_id: int) -> Response:
    svc.confirm_contract(ctx(), actor=actor(), contract_id=contract_id)
    return _contract(contract_id)


@route(
    "/contracts/<int:contract_id>/refuse",
    "POST",
    guard=lambda contract_id: svc.authorize(
        ctx(), actor=actor(), contract_id=contract_id, step="refuse"
    ),
    summary="Refuse a contract with a reason (receiver admin)",
    tag="contracts",
    body="reason",
    query=[ID_P],
    response={"$ref": R + "Contract"},
)
def refuse_contract(contract_id: int, body: dict[str, Any]) -> Response:
    svc.refuse_contract(ctx(), actor=actor(), contract_id=contract_id, reason=body["reason"])
    return _contract(contract_id)


@route(
    "/contracts/<int:contract_id>/terminate",
    "POST",
    guard=lambda contract_id: svc.authorize(
        ctx(), actor=actor(), contract_id=contract_id, step="terminate"
    ),
    summary="Terminate a contract with a reason (producer or receiver admin)",
    tag="contracts",
    body="reason",
    query=[ID_P],
    response={"$ref": R + "Contract"},
)
def terminate_contract(contract_id: int, body: dict[str, Any]) -> Response:
    svc.terminate_contract(ctx(), actor=actor(), contract_id=contract_id, reason=body["reason"])
    return _contract(contract_id)
