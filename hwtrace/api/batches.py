"""Batches: register, list, get, history, lifecycle events, reprint and correction.

The mutating routes accept an ``Idempotency-Key`` header: the PDA sends one per queued action,
and a retry after a lost response answers with the batch as it is, marked
``Idempotent-Replayed: true``, without a second ledger entry.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.params import body_date, client_ts, int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role, require_party
from hwtrace.domain.errors import BadValue
from hwtrace.domain.lifecycle import Action, BatchStatus, Party
from hwtrace.services import batches as svc
from hwtrace.services import corrections, serialize

R = "#/components/schemas/"
CODE_P = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}


def replay_batch(ref: dict[str, Any]) -> Response:
    """Answer a replayed request with the batch as it is now (the entry's subject)."""
    batch = svc.get_batch(ctx(), actor=actor(), code=ref["subject"])
    return ok(serialize.batch(batch))


def _visible(code: str) -> None:
    """404 before the body is read when the caller may not see the batch."""
    svc.get_batch(ctx(), actor=actor(), code=code)


def _producer_of(code: str) -> None:
    """Reprints and corrections are the producer's: 404 for a batch the caller may not see,
    403 for one it sees as another party."""
    batch = svc.get_batch(ctx(), actor=actor(), code=code)
    require_party(actor(), Party.PRODUCER, svc.batch_parties(batch))


@route(
    "/batches",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    kinds=(EnterpriseKind.PRODUCER,),
    summary="Register a batch; allocates its identification code",
    tag="batches",
    body="batch-register",
    status=201,
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def register(body: dict[str, Any]) -> Response:
    cmd = svc.RegisterBatch(
        profile_id=body["profile_id"],
        weight_kg=body["weight_kg"],
        package_count=body.get("package_count", 1),
        packaging=body.get("packaging"),
        process=body.get("process"),
        produced_on=body_date(body.get("produced_on")),
        container_volume_l=body.get("container_volume_l"),
        remarks=body.get("remarks", ""),
        client_ts=client_ts(body.get("client_ts")),
        code=body.get("code"),
    )
    batch = svc.register_batch(ctx(), actor=actor(), command=cmd)
    return ok(serialize.batch(batch), 201)


LIST_Q = [
    {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"enum": [s.value for s in BatchStatus]},
    },
    {
        "name": "waste_code",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": r"^[0-9]{3}-[0-9]{3}-[0-9]{2}$"},
    },
    {
        "name": "producer_id",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 0},
    },
]


@route(
    "/batches",
    "GET",
    summary="Batches the caller may see, newest first",
    tag="batches",
    query=LIST_Q,
    response={"$ref": R + "BatchPage"},
)
def list_batches() -> Response:
    status = request.args.get("status") or None
    if status is not None and status not in BatchStatus.__members__:
        raise BadValue(zh="status 取值无效", en="unknown status")
    limit = int_arg("limit") or 100
    if limit > 500:
        raise BadValue(zh="limit 不能超过 500", en="limit is at most 500")
    rows, total = svc.list_batches(
        ctx(),
        actor=actor(),
        status=status,
        waste_code=request.args.get("waste_code") or None,
        producer_id=int_arg("producer_id"),
        limit=limit,
        offset=int_arg("offset") or 0,
    )
    return ok({"total": total, "items": [serialize.batch(b) for b in rows]})


@route(
    "/batches/<code>",
    "GET",
    summary="One batch by its identification code",
    tag="batches",
    query=[CODE_P],
    response={"$ref": R + "Batch"},
)
def get_batch(code: str) -> Response:
    return ok(serialize.batch(svc.get_batch(ctx(), actor=actor(), code=code)))


@route(
    "/batches/<code>/history",
    "GET",
    summary="Every ledger entry about a batch",
    tag="batches",
    query=[CODE_P],
    response={"type": "array", "items": {"$ref": R + "LedgerEntry"}},
)
def history(code: str) -> Response:
    return ok([serialize.entry(e) for e in svc.batch_history(ctx(), actor=actor(), code=code)])


@route(
    "/batches/<code>/events",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    guard=_visible,
    summary="Apply a lifecycle action (label, store, unstore, load, receive, reject, "
    "utilize, dispose, void)",
    tag="batches",
    body="batch-event",
    query=[CODE_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def event(code: str, body: dict[str, Any]) -> Response:
    ev = svc.BatchEvent(
        action=Action(body["action"]),
        room_id=body.get("room_id"),
        transporter_id=body.get("transporter_id"),
        receiver_id=body.get("receiver_id"),
        weight_kg=body.get("weight_kg"),
        method=body.get("method"),
        reason=body.get("reason"),
        note=body.get("note"),
        client_ts=client_ts(body.get("client_ts")),
        extra={"format": body["format"]} if "format" in body else {},
        container_volume_l=body.get("container_volume_l"),
    )
    return ok(serialize.batch(svc.apply_event(ctx(), actor=actor(), code=code, event=ev)))


@route(
    "/batches/<code>/reprint",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    guard=_producer_of,
    summary="Record a label reprint (reason required)",
    tag="batches",
    body="batch-reprint",
    query=[CODE_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def reprint(code: str, body: dict[str, Any]) -> Response:
    batch = svc.reprint(
        ctx(),
        actor=actor(),
        code=code,
        reason=body["reason"],
        fmt=body.get("format", "pdf"),
        container_volume_l=body.get("container_volume_l"),
    )
    return ok(serialize.batch(batch))


@route(
    "/batches/<code>/corrections",
    "POST",
    roles=(Role.ADMIN, Role.OPERATOR),
    guard=_producer_of,
    summary="Correct a batch's weight or profile; references the corrected entry",
    tag="batches",
    body="batch-correct",
    query=[CODE_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def correct(code: str, body: dict[str, Any]) -> Response:
    c = corrections.Correction(
        corrects_seq=body["corrects_seq"],
        reason=body["reason"],
        weight_kg=body.get("weight_kg"),
        profile_id=body.get("profile_id"),
        client_ts=client_ts(body.get("client_ts")),
    )
    return ok(
        serialize.batch(corrections.correct_batch(ctx(), actor=actor(), code=code, correction=c))
    )
