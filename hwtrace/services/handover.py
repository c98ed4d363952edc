"""The transfer side of a batch's own steps. ``services.batches.apply_event`` calls these hooks,
so a batch scanned through ``/batches/<code>/events`` and one scanned through
``/manifests/<no>/...`` follow the same rules: scan-out of a booked batch, loading onto a
manifest that has not left, receipt with its weight, partial or whole rejection (and the
discrepancies they open), and completing the manifest after utilization or disposal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain.access import Actor
from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.lifecycle import Action, BatchStatus
from hwtrace.domain.loading import LabelFacts, LineFacts, check_label, not_on_manifest
from hwtrace.domain.quantities import g_to_kg, kg_to_g
from hwtrace.domain.receipts import Aspect
from hwtrace.domain.transport import (
    BookingStatus,
    DiscrepancyKind,
    LineOutcome,
    ManifestStatus,
    check_partial_rejection,
    weight_discrepancy,
)
from hwtrace.services import discrepancies, fleet, manifests, parties
from hwtrace.store.tables import (
    Batch,
    Booking,
    Manifest,
    TransferLine,
)
from hwtrace.store.unit_of_work import UnitOfWork


def on_unstore(s: Session, batch: Batch) -> bool:
    """Scan-out of a booked batch: the booking names the transporter and receiver.

    Returns True when the batch is on an accepted booking or a manifest (no ids needed).
    """
    if batch.booking_id is None:
        return False
    booking = s.get_one(Booking, batch.booking_id)
    return booking.status in (BookingStatus.ACCEPTED, BookingStatus.MANIFESTED) or (
        booking.status == BookingStatus.REQUESTED
    )


def on_store(s: Session, batch: Batch) -> None:
    """A rejected batch back in the producer's storage leaves its old manifest."""
    if batch.status == BatchStatus.REJECTED:
        batch.booking_id = None
        batch.manifest_id = None
        batch.transporter_id = None
        batch.receiver_id = None


def _line(s: Session, batch: Batch) -> tuple[Manifest, TransferLine]:
    if batch.manifest_id is None:
        raise Conflict(
            zh="该批次不在任何转移联单上，不能装车或接收",
            en="the batch is not on a transfer manifest",
            code="manifest.required",
            detail={"code": batch.code},
        )
    manifest = s.execute(
        sa.select(Manifest).where(Manifest.id == batch.manifest_id).with_for_update()
    ).scalar_one()
    line = s.execute(
        sa.select(TransferLine).where(
            TransferLine.booking_id == manifest.booking_id, TransferLine.batch_id == batch.id
        )
    ).scalar_one()
    return manifest, line


def check_manifest(s: Session, batch: Batch, number: str | None, action: Action) -> None:
    """Refuse a scan made against a manifest the batch is not on (at loading: 第十三条第三款)."""
    if number is None:
        return
    m = s.get(Manifest, batch.manifest_id) if batch.manifest_id else None
    if m is not None and m.number == number:
        return
    if action is Action.LOAD:
        raise not_on_manifest(batch.code, number)
    raise Conflict(
        zh=f"批次 {batch.code} 不在联单 {number} 上",
        en=f"batch {batch.code} is not on manifest {number}",
        code="manifest.not_on_manifest",
        detail={"code": batch.code, "manifest": number},
    )


@dataclass(frozen=True)
class LoadingChecks:
    """What loading is checked with (第十三条第三款): the park's day, the scanned label (None:
    only the batch's code is known) and the label weight tolerance."""

    today: dt.date
    label: LabelFacts | None
    tolerance_pct: Decimal


def scanned_label(scanned: codes.ScannedLabel) -> LabelFacts | None:
    """What a scanned label says for the loading checks: its QR payload's code, waste code and
    weight; None for a bare code (the batch's code and its waste-code segment are checked)."""
    if scanned.verdict is None:
        return None
    p = scanned.verdict.payload
    return LabelFacts(scanned.code, p.waste_code, kg_to_g(p.weight_kg, field="label weight"))


def read_load_label(keys: list[str], code: str, text: str | None) -> LabelFacts | None:
    """Read the QR payload a loading scan sent with ``code`` (API, sync): checked like any
    scan (checksum, signature by the park's ``keys``), refused when it is another batch's."""
    if not text:
        return None
    scanned = codes.read_label(text, keys)
    if scanned.code != codes.normalize(code):
        raise BadValue(
            zh=f"二维码中的识别码 {scanned.code} 与扫描的 {codes.normalize(code)} 不一致",
            en=f"the QR payload's code {scanned.code} is not the scanned code",
            code="loading.label_code_differs",
            detail={"code": codes.normalize(code), "label_code": scanned.code},
        )
    return scanned_label(scanned)


def on_load(
    s: Session, actor: Actor, batch: Batch, now: dt.datetime, checks: LoadingChecks
) -> dict[str, Any]:
    """Loading: the batch must be on a manifest (第十一条(一)) that has not left yet, loaded by
    its driver (or the transporter's administrator), onto a qualified carrier's registered
    vehicle with a qualified driver, and its label must match its manifest line (第十三条第三款).
    A refusal raises before anything is changed."""
    if batch.manifest_id is None:
        raise Conflict(
            zh="该批次不在任何转移联单上，承运人不得承运（《危险废物转移管理办法》第十一条(一)）",
            en="the batch is not on a transfer manifest; the carrier may not carry it "
            "(Hazardous Waste Transfer Measures, art. 11(1))",
            code="manifest.required",
            detail={"code": batch.code, "article": "第十一条(一)"},
        )
    manifest, line = _line(s, batch)
    parties.require_driver(actor, manifest)
    if manifest.status != ManifestStatus.CREATED:
        raise Conflict(
            zh="联单已发车或已作废，不能再装车",
            en="the manifest has left or was voided",
            code="manifest.illegal_transition",
        )
    checked = fleet.check_at_loading(s, manifest, checks.today)
    label = checks.label or LabelFacts(batch.code, codes.parse_scanned(batch.code).waste_code, None)
    check_label(
        label, LineFacts(line.code, batch.waste_code, line.dispatched_g), checks.tolerance_pct
    )
    checked["label"] = "code" if label.weight_g is None else "qr"
    line.outcome = LineOutcome.LOADED
    line.loaded_at = now
    return {
        "manifest": manifest.number,
        "vehicle_plate": manifest.vehicle_plate,
        "loading_check": checked,
    }


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receiver records for one batch."""

    weight_g: int | None
    rejected_g: int
    reason: str
    scale_frame: str | None
    # what else was found different from the manifest line (第十八条第二款)
    aspects: list[Aspect] = field(default_factory=list)
    aspects_note: str = ""


def on_receipt(
    uow: UnitOfWork,
    actor: Actor,
    batch: Batch,
    action: Action,
    facts: ReceiptFacts,
    tolerance_pct: Any,
    now: dt.datetime,
) -> tuple[dict[str, Any], list[tuple[DiscrepancyKind, dict[str, Any]]]]:
    """Receipt or rejection at the receiver: update the line, say which discrepancies follow."""
    s = uow.session
    manifest, line = _line(s, batch)
    if manifest.status != ManifestStatus.IN_TRANSIT:
        raise Conflict(
            zh="联单不在运输中，不能接收",
            en="the manifest is not in transit",
            code="manifest.illegal_transition",
        )
    if line.outcome != LineOutcome.LOADED:
        raise Conflict(
            zh="该批次未装车，不能接收", en="the batch was not loaded", code="manifest.not_loaded"
        )
    follow: list[tuple[DiscrepancyKind, dict[str, Any]]] = []
    payload: dict[str, Any] = {"manifest": manifest.number}
    line.received_at = now
    if facts.weight_g is not None:
        line.received_g = facts.weight_g
        diff = weight_discrepancy(line.dispatched_g, facts.weight_g, tolerance_pct)
        if diff is None and batch.weight_outlier is not None:
            # The receiver's scale confirms the declared weight: the weight warning ends.
            batch.weight_outlier = None
            payload["weight_check"] = {"rule": "confirmed_at_receipt"}
        if diff is not None:
            follow.append(
                (
                    DiscrepancyKind.WEIGHT,
                    {
                        "dispatched_kg": g_to_kg(line.dispatched_g),
                        "received_kg": g_to_kg(facts.weight_g),
                        **diff,
                    },
                )
            )
    if facts.aspects:
        found = {"aspects": [a.value for a in facts.aspects], "note": facts.aspects_note}
        payload["mismatch"] = found
        follow.append((DiscrepancyKind.MISMATCH, found))
    if action is Action.REJECT:
        line.outcome = LineOutcome.REJECTED
        line.rejected_g = facts.weight_g if facts.weight_g is not None else line.dispatched_g
        line.reason = facts.reason
        follow.append((DiscrepancyKind.REJECTION, {"reason": facts.reason}))
    elif facts.rejected_g:
        assert facts.weight_g is not None
        check_partial_rejection(facts.weight_g, facts.rejected_g, facts.reason)
        line.outcome = LineOutcome.PARTIAL
        line.rejected_g = facts.rejected_g
        line.reason = facts.reason
        payload["rejected_kg"] = g_to_kg(facts.rejected_g)
        follow.append(
            (
                DiscrepancyKind.PARTIAL_REJECTION,
                {"rejected_kg": g_to_kg(facts.rejected_g), "reason": facts.reason},
            )
        )
    else:
        line.outcome = LineOutcome.ACCEPTED
    if facts.scale_frame:
        payload["scale_frame"] = facts.scale_frame
    return payload, follow


def open_discrepancies(
    uow: UnitOfWork,
    actor: Actor,
    batch: Batch,
    follow: list[tuple[DiscrepancyKind, dict[str, Any]]],
) -> None:
    """Record the discrepancies a receipt produced (after the receipt entry itself) and tell
    the 移出人 of them in the same transaction (第十八条第二款)."""
    if not follow or batch.manifest_id is None:
        return
    manifest = uow.session.get_one(Manifest, batch.manifest_id)
    opened = [
        discrepancies.open_discrepancy(uow, actor, manifest, batch, kind, facts)
        for kind, facts in follow
    ]
    discrepancies.tell_shipper(uow, manifest, opened)


def on_final(uow: UnitOfWork, actor: Actor, batch: Batch) -> None:
    """After utilization/disposal at the receiver: complete the manifest if nothing waits."""
    if batch.manifest_id is None:
        return
    manifest = uow.session.execute(
        sa.select(Manifest).where(Manifest.id == batch.manifest_id).with_for_update()
    ).scalar_one()
    manifests.maybe_complete(uow, actor, manifest)


def parse_kg(value: str | None) -> int | None:
    """Return grams from an optional kg decimal string."""
    return None if value is None else kg_to_g(value)
