"""The ledger: signed checkpoint, entries, inclusion and consistency proofs, verification."""

from __future__ import annotations

from flask import Response, request

from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import Role, require_role
from hwtrace.domain.errors import BadValue
from hwtrace.services import audit

R = "#/components/schemas/"


@route(
    "/ledger/checkpoint",
    "GET",
    summary="The latest signed checkpoint (C2SP tlog-checkpoint)",
    tag="ledger",
    response={"$ref": R + "Checkpoint"},
)
def checkpoint() -> Response:
    actor()
    cp = audit.current_checkpoint(ctx())
    return ok(
        {
            "checkpoint": cp.note,
            "vkey": ctx().signer.vkey,
            "tree_size": cp.size,
            "root_hash": cp.root.hex(),
        }
    )


@route(
    "/ledger/entries",
    "GET",
    summary="Ledger entries the caller may see",
    tag="ledger",
    query=[
        {
            "name": "start",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 0},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
        {
            "name": "type",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": 64},
        },
        {
            "name": "subject",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": 64},
        },
    ],
    response={"type": "array", "items": {"$ref": R + "LedgerEntry"}},
)
def entries() -> Response:
    limit = int_arg("limit") or 100
    if limit > 1000:
        raise BadValue(zh="limit 不能超过 1000", en="limit is at most 1000")
    rows = audit.list_entries(
        ctx(),
        actor=actor(),
        start=int_arg("start") or 0,
        limit=limit,
        entry_type=request.args.get("type") or None,
        subject=request.args.get("subject") or None,
    )
    return ok(rows)


SEQ_P = {"name": "seq", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}


@route(
    "/ledger/entries/<int:seq>",
    "GET",
    summary="One ledger entry",
    tag="ledger",
    query=[SEQ_P],
    response={"$ref": R + "LedgerEntry"},
)
def entry(seq: int) -> Response:
    return ok(audit.get_entry(ctx(), actor=actor(), seq=seq))


@route(
    "/ledger/entries/<int:seq>/proof",
    "GET",
    summary="Inclusion proof of an entry against the latest signed checkpoint",
    tag="ledger",
    query=[SEQ_P],
    response={"$ref": R + "InclusionProof"},
)
def proof(seq: int) -> Response:
    return ok(audit.inclusion(ctx(), actor=actor(), seq=seq))


@route(
    "/ledger/consistency",
    "GET",
    summary="Consistency proof between two tree sizes",
    tag="ledger",
    query=[
        {
            "name": "old_size",
            "in": "query",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": "new_size",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1},
        },
    ],
    response={"$ref": R + "ConsistencyProof"},
)
def consistency() -> Response:
    actor()
    old = int_arg("old_size")
    if old is None:
        raise BadValue(zh="缺少 old_size", en="old_size is required")
    return ok(audit.consistency(ctx(), old_size=old, new_size=int_arg("new_size")))


@route(
    "/ledger/verify",
    "POST",
    summary="Run the full verification (park roles)",
    tag="ledger",
    response={"$ref": R + "VerifyReport"},
)
def verify() -> Response:
    require_role(actor(), Role.PARK_ADMIN, Role.AUDITOR)
    report = audit.verify(ctx())
    return ok(
        {
            "ok": report.ok,
            "size": report.size,
            "first_bad_seq": report.first_bad_seq,
            "reason": report.reason,
        }
    )
