"""Electronic transfer manifests: made from an accepted booking, with their PDF; loading and
receipt scans, departure, confirmation of receipt, voiding. Each party sees only the manifests
it is party to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request

from hwtrace.api.batches import replay_batch
from hwtrace.api.bookings import ID_P
from hwtrace.api.params import client_ts, status_query
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.errors import BadValue
from hwtrace.domain.lifecycle import Action
from hwtrace.domain.transport import (
    ManifestStatus,
)
from hwtrace.reports import manifest_pdf
from hwtrace.services import batches as batch_svc
from hwtrace.services import handover, labels, paper_manifests, serialize
from hwtrace.services import manifests as svc

R = "#/components/schemas/"
NO_P = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 40},
}


def _may(step: str) -> Callable[[str], None]:
    """The route's guard: may the caller take ``step`` on this manifest (before validation)?"""

    def guard(number: str) -> None:
        svc.authorize(ctx(), actor=actor(), number=number, step=step)

    return guard


@route(
    "/bookings/<int:booking_id>/manifest",
    "POST",
    summary="Make the transfer manifest from an accepted booking (producer)",
    tag="transport",
    query=[ID_P],
    status=201,
    response={"$ref": R + "Manifest"},
)
def make_manifest(booking_id: int) -> Response:
    m = svc.create_manifest(ctx(), actor=actor(), booking_id=booking_id)
    return ok(_manifest_json(m.number), 201)


@route(
    "/manifests",
    "GET",
    summary="Manifests the caller is party to",
    tag="transport",
    query=[status_query(ManifestStatus)],
    response={"type": "array", "items": {"$ref": R + "ManifestSummary"}},
)
def list_manifests() -> Response:
    rows = svc.list_manifests(ctx(), actor=actor(), status=request.args.get("status"))
    return ok([serialize.manifest_summary(m) for m in rows])


def _manifest_json(number: str) -> dict[str, Any]:
    """A manifest as JSON, with the emergency paper manifest it was entered from, if any
    (部令第23号 第二十条: the paper's number and day, the entry's deadline and lateness, the
    scan's SHA-256), else ``paper: null``."""
    body = serialize.manifest(svc.get_manifest(ctx(), actor=actor(), number=number))
    body["paper"] = paper_manifests.facts_for(ctx(), actor=actor(), number=number)
    return body


def _manifest(number: str) -> Response:
    return ok(_manifest_json(number))


@route(
    "/manifests/<number>",
    "GET",
    summary="One manifest with its parties and lines",
    tag="transport",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def get_manifest(number: str) -> Response:
    return _manifest(number)


@route(
    "/manifests/<number>/pdf",
    "GET",
    summary="The manifest as a PDF carrying its QR code",
    tag="transport",
    query=[NO_P],
    response={"type": "string", "format": "binary"},
    content_types=("application/pdf",),
)
def manifest_document(number: str) -> Response:
    view = svc.get_manifest(ctx(), actor=actor(), number=number)
    paper = paper_manifests.facts_for(ctx(), actor=actor(), number=number)
    resp = Response(
        manifest_pdf.render(view, ctx().settings.park_name, ctx().settings.timezone, paper),
        mimetype="application/pdf",
    )
    resp.headers["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    return resp


@route(
    "/manifests/<number>/load",
    "POST",
    guard=_may("load"),
    summary="Scan a batch onto the vehicle (transporter); refused (第十三条第三款) when the "
    "carrier's permit, the vehicle or the driver does not qualify, or the label does not match "
    "its manifest line",
    tag="transport",
    body="manifest-load",
    query=[NO_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def load(number: str, body: dict[str, Any]) -> Response:
    label = handover.read_load_label(labels.verifier_keys(ctx()), body["code"], body.get("label"))
    svc.require_on_manifest(ctx(), actor=actor(), number=number, code=body["code"], loading=True)
    ev = batch_svc.BatchEvent(
        action=Action.LOAD,
        manifest=number,
        client_ts=client_ts(body.get("client_ts")),
        label=label,
    )
    return ok(
        serialize.batch(batch_svc.apply_event(ctx(), actor=actor(), code=body["code"], event=ev))
    )


@route(
    "/manifests/<number>/depart",
    "POST",
    guard=_may("depart"),
    summary="Confirm loading and leave (transporter); refused while batches are missing "
    "unless a reason is given",
    tag="transport",
    body="manifest-depart",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def depart(number: str, body: dict[str, Any]) -> Response:
    svc.depart(ctx(), actor=actor(), number=number, missing_reason=body.get("missing_reason"))
    return _manifest(number)


@route(
    "/manifests/<number>/receive",
    "POST",
    guard=_may("receive"),
    summary="Scan and weigh a batch at the receiver; accept, reject in part, or reject; say "
    "what else is not as declared (mismatch); a mismatch notifies the producer at once",
    tag="transport",
    body="manifest-receive",
    query=[NO_P],
    response={"$ref": R + "Batch"},
    idempotent=True,
    replay=replay_batch,
)
def receive(number: str, body: dict[str, Any]) -> Response:
    reject = bool(body.get("reject"))
    if reject and body.get("rejected_kg"):
        raise BadValue(
            zh="整批拒收时不填部分拒收重量", en="give rejected_kg only for a partial rejection"
        )
    svc.require_on_manifest(ctx(), actor=actor(), number=number, code=body["code"])
    ev = batch_svc.BatchEvent(
        action=Action.REJECT if reject else Action.RECEIVE,
        manifest=number,
        weight_kg=body["weight_kg"],
        rejected_kg=body.get("rejected_kg"),
        reason=body.get("reason"),
        scale_frame=body.get("scale_frame"),
        client_ts=client_ts(body.get("client_ts")),
        mismatch=tuple(body.get("mismatch") or ()),
        mismatch_note=body.get("mismatch_note") or "",
    )
    return ok(
        serialize.batch(batch_svc.apply_event(ctx(), actor=actor(), code=body["code"], event=ev))
    )


@route(
    "/manifests/<number>/confirm",
    "POST",
    summary="Confirm receipt (receiver); loaded batches never scanned become discrepancies",
    tag="transport",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def confirm(number: str) -> Response:
    svc.confirm_receipt(ctx(), actor=actor(), number=number)
    return _manifest(number)


@route(
    "/manifests/<number>/cancel",
    "POST",
    guard=_may("cancel"),
    summary="Void a manifest before departure (producer)",
    tag="transport",
    body="reason",
    query=[NO_P],
    response={"$ref": R + "Manifest"},
)
def cancel_manifest(number: str, body: dict[str, Any]) -> Response:
    svc.cancel_manifest(ctx(), actor=actor(), number=number, reason=body["reason"])
    return _manifest(number)
