"""What follows a mismatch at receipt (《危险废物转移管理办法》第十八条第二款): the 移出人 was told
when the receipt found it (``discrepancies.tell_shipper``); here the receiver decides about each
batch (accept as declared, accept with the measured quantity, or refuse and return: the ledger
entry ``batch.decide`` with its reason), and the report to the receiving place's environment
authority is put together: the parties, each batch declared against found, the decision, the
times in the park's zone, the article, and the content's SHA-256. The report is the receiver's
and the park's to read; the rules are in ``domain/receipts.py``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import codes
from hwtrace.domain import receipts as R
from hwtrace.domain.access import Actor, EnterpriseKind, Role
from hwtrace.domain.errors import Forbidden, NotFound
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.times import local_text, zone_label
from hwtrace.domain.transport import DISCREPANCY_ZH, DiscrepancyKind, LineOutcome
from hwtrace.services import manifests, parties
from hwtrace.services.context import Context
from hwtrace.store.receipts import ReceiptDecision
from hwtrace.store.tables import Batch, Discrepancy, Enterprise, Manifest, TransferLine

RECEIPT_KIND_VALUES = sorted(k.value for k in R.RECEIPT_KINDS)
DECIDABLE_VALUES = sorted(k.value for k in R.DECIDABLE_KINDS)


def _require_reader(actor: Actor, m: Manifest | None, number: str) -> Manifest:
    """The report is the receiver's and the park's: 404 for a manifest the caller does not
    see, 403 for its other parties."""
    if m is None or not parties.visible(actor, m):
        raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
    if not actor.sees_whole_park and actor.enterprise_id != m.receiver_id:
        raise Forbidden(
            zh="接收核对不符报告仅接受人和园区可见",
            en="the receipt mismatch report is for the receiver and the park",
            code="auth.forbidden",
        )
    return m


def authorize_read(ctx: Context, *, actor: Actor, number: str) -> None:
    """Raise unless the caller may read the manifest's receipt report."""
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        _require_reader(actor, m, number)


def authorize_decide(ctx: Context, *, actor: Actor, number: str) -> None:
    """Raise unless the caller may decide about the manifest's batches (the receiver)."""
    manifests.authorize(ctx, actor=actor, number=number, step="receive")


def _kinds_of(s: Session, manifest_id: int) -> dict[int, list[Discrepancy]]:
    out: dict[int, list[Discrepancy]] = {}
    for d in s.scalars(
        sa.select(Discrepancy)
        .where(Discrepancy.manifest_id == manifest_id, Discrepancy.kind.in_(RECEIPT_KIND_VALUES))
        .order_by(Discrepancy.id)
    ):
        out.setdefault(d.batch_id, []).append(d)
    return out


def decide(
    ctx: Context, *, actor: Actor, number: str, code: str, decision: str, reason: str
) -> ReceiptDecision:
    """The receiver decides about one batch found not as declared: one ledger entry
    ``batch.decide`` with the decision, its reason and the quantities; refusing and returning
    turns the batch back to the 移出人 (REJECTED, as a rejection at the scale does)."""
    chosen, why = R.check_decision(decision, reason)
    with ctx.uow() as uow:
        s = uow.session
        manifest = manifests.lock_manifest(s, actor, number)
        parties.require_member(actor, manifest.receiver_id, "接受人")
        line = s.execute(
            sa.select(TransferLine).where(
                TransferLine.booking_id == manifest.booking_id,
                TransferLine.code == codes.normalize(code),
            )
        ).scalar_one_or_none()
        if line is None:
            raise NotFound(
                zh=f"批次 {code} 不在联单 {number} 上",
                en=f"batch {code} is not on manifest {number}",
                code="manifest.not_on_manifest",
                detail={"code": code, "manifest": number},
            )
        batch = s.execute(
            sa.select(Batch).where(Batch.id == line.batch_id).with_for_update()
        ).scalar_one()
        found = _kinds_of(s, manifest.id).get(batch.id, [])
        decided = s.scalar(
            sa.select(ReceiptDecision.id).where(
                ReceiptDecision.manifest_id == manifest.id, ReceiptDecision.batch_id == batch.id
            )
        )
        R.require_decidable(batch.code, {d.kind for d in found}, decided is not None, batch.status)
        received = line.received_g if line.received_g is not None else line.dispatched_g
        accepted = R.accepted_g(chosen, line.dispatched_g, received, line.rejected_g)
        payload: dict[str, Any] = {
            "prev": batch.last_seq,
            "manifest": number,
            "decision": chosen.value,
            "reason": why,
            "dispatched_kg": g_to_kg(line.dispatched_g),
            "received_kg": g_to_kg(received),
            "accepted_kg": g_to_kg(accepted),
            "discrepancies": [d.id for d in found],
            "article": R.ARTICLE_ZH,
        }
        if chosen is R.Decision.REJECT_RETURN:
            payload.update({"from": batch.status.value, "to": BatchStatus.REJECTED.value})
            batch.status = BatchStatus.REJECTED
            line.outcome = LineOutcome.REJECTED
            line.rejected_g = received
            line.reason = why
        batch.updated_at = uow.now()
        batch.last_seq = parties.record(uow, actor, "batch.decide", batch.code, payload)
        row = ReceiptDecision(
            park_id=manifest.park_id,
            manifest_id=manifest.id,
            batch_id=batch.id,
            code=batch.code,
            decision=chosen.value,
            accepted_g=accepted,
            reason=why,
            decided_by=actor.username,
            decided_at=uow.now(),
            seq=batch.last_seq,
        )
        s.add(row)
        if chosen is R.Decision.REJECT_RETURN:
            manifests.maybe_complete(uow, actor, manifest)
        uow.commit()
        return row


@dataclass
class ReceiptReport:
    """A manifest's receipt mismatches as the report shows them; ``content`` is what the
    SHA-256 is of, ``undecided`` the codes still waiting for the receiver's decision."""

    number: str
    content: dict[str, Any]
    sha256: str
    undecided: list[str]


HEADERS = [
    "识别码",
    "废物代码",
    "废物名称",
    "联单申报量（千克）",
    "实测量（千克）",
    "核对不符",
    "到货情况说明",
    "接收时间",
    "接收决定",
    "接受量（千克）",
    "决定理由",
    "决定时间",
    "决定人",
]


def _found_text(ds: list[Discrepancy]) -> str:
    words = []
    for d in ds:
        kind = DiscrepancyKind(d.kind)
        if kind is DiscrepancyKind.MISMATCH:
            aspects = "、".join(R.ASPECT_ZH[R.Aspect(a)] for a in d.facts.get("aspects", []))
            words.append(f"{DISCREPANCY_ZH[kind]}（{aspects}）：{d.facts.get('note', '')}")
        elif kind is DiscrepancyKind.WEIGHT:
            words.append(f"{DISCREPANCY_ZH[kind]} {d.facts.get('difference_pct', '')}%")
        elif d.facts.get("reason"):
            words.append(f"{DISCREPANCY_ZH[kind]}：{d.facts['reason']}")
        else:
            words.append(DISCREPANCY_ZH[kind])
    return "；".join(words)


def _decision_cells(
    line: TransferLine, dec: ReceiptDecision | None, ds: list[Discrepancy], tz: ZoneInfo
) -> list[str]:
    if dec is not None:
        return [
            R.DECISION_ZH[R.Decision(dec.decision)],
            g_to_kg(dec.accepted_g),
            dec.reason,
            local_text(dec.decided_at, tz),
            dec.decided_by,
        ]
    if line.outcome == LineOutcome.REJECTED:
        return [R.DECISION_ZH[R.Decision.REJECT_RETURN], "0", line.reason, "", ""]
    if line.outcome == LineOutcome.MISSING:
        return ["未到货", "0", "", "", ""]
    return ["待决定", "", "", "", ""]


def _party(e: Enterprise) -> dict[str, str]:
    return {"name": e.name, "uscc": e.uscc}


def report(ctx: Context, *, actor: Actor, number: str) -> ReceiptReport:
    """Return the receipt mismatch report of a manifest (the receiver and the park)."""
    tz = ZoneInfo(ctx.settings.timezone)
    with ctx.db.read_session() as s:
        m = _require_reader(
            actor, s.scalar(sa.select(Manifest).where(Manifest.number == number)), number
        )
        found = _kinds_of(s, m.id)
        decisions = {
            d.batch_id: d
            for d in s.scalars(
                sa.select(ReceiptDecision).where(ReceiptDecision.manifest_id == m.id)
            )
        }
        rows, undecided = [], []
        for line, b, p in manifests.manifest_lines(s, m.booking_id):
            ds = found.get(b.id, [])
            if not ds:
                continue
            dec = decisions.get(b.id)
            kinds = {d.kind for d in ds}
            if (
                dec is None
                and kinds & set(DECIDABLE_VALUES)
                and line.outcome
                in (
                    LineOutcome.ACCEPTED,
                    LineOutcome.PARTIAL,
                )
            ):
                undecided.append(b.code)
            rows.append(
                [
                    b.code,
                    b.waste_code,
                    p.name,
                    g_to_kg(line.dispatched_g),
                    g_to_kg(line.received_g) if line.received_g is not None else "",
                    "、".join(DISCREPANCY_ZH[DiscrepancyKind(d.kind)] for d in ds),
                    _found_text(ds),
                    local_text(line.received_at, tz),
                    *_decision_cells(line, dec, ds, tz),
                ]
            )
        who = {
            k: _party(s.get_one(Enterprise, i))
            for k, i in (
                ("producer", m.producer_id),
                ("transporter", m.transporter_id),
                ("receiver", m.receiver_id),
            )
        }
    content = {
        "title": "危险废物转移接收核对不符情况报告",
        "manifest": m.number,
        "article": R.ARTICLE_ZH,
        "check_article": R.CHECK_ARTICLE_ZH,
        "zone": zone_label(ctx.settings.timezone),
        "parties": who,
        "vehicle_plate": m.vehicle_plate,
        "operating_permit": m.operating_permit,
        "departed_at": local_text(m.departed_at, tz),
        "received_at": local_text(m.received_at, tz),
        "headers": HEADERS,
        "rows": rows,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return ReceiptReport(
        m.number, content, hashlib.sha256(canonical.encode("utf-8")).hexdigest(), undecided
    )


def todo_counts(ctx: Context, *, actor: Actor) -> list[tuple[str, str, int]]:
    """Return, for the caller's enterprise, the manifests with receipt mismatches waiting on it:
    ("decide", number, n) for a receiver (batches to decide), ("informed", number, n) for the
    移出人 (mismatches not yet explained)."""
    if actor.role not in (Role.ADMIN, Role.OPERATOR):
        return []
    out: list[tuple[str, str, int]] = []
    with ctx.db.read_session() as s:
        if actor.enterprise_kind is EnterpriseKind.RECEIVER:
            decided = sa.select(ReceiptDecision.batch_id).where(
                ReceiptDecision.manifest_id == Discrepancy.manifest_id
            )
            q = (
                sa.select(Manifest.number, sa.func.count(sa.distinct(Discrepancy.batch_id)))
                .select_from(Discrepancy)
                .join(Manifest, Manifest.id == Discrepancy.manifest_id)
                .join(Batch, Batch.id == Discrepancy.batch_id)
                .where(
                    Discrepancy.receiver_id == actor.enterprise_id,
                    Discrepancy.kind.in_(DECIDABLE_VALUES),
                    Batch.status == BatchStatus.RECEIVED,
                    Discrepancy.batch_id.not_in(decided),
                )
                .group_by(Manifest.number)
            )
            out += [("decide", n, c) for n, c in s.execute(q)]
        if actor.enterprise_kind is EnterpriseKind.PRODUCER:
            q = (
                sa.select(Manifest.number, sa.func.count())
                .select_from(Discrepancy)
                .join(Manifest, Manifest.id == Discrepancy.manifest_id)
                .where(
                    Discrepancy.producer_id == actor.enterprise_id,
                    Discrepancy.kind.in_(RECEIPT_KIND_VALUES),
                    Discrepancy.resolved_seq.is_(None),
                )
                .group_by(Manifest.number)
            )
            out += [("informed", n, c) for n, c in s.execute(q)]
    return sorted(out)


def decision_json(d: ReceiptDecision) -> dict[str, Any]:
    """Return the JSON form of a decision."""
    return {
        "code": d.code,
        "decision": d.decision,
        "accepted_kg": g_to_kg(d.accepted_g),
        "reason": d.reason,
        "decided_by": d.decided_by,
        "decided_at": d.decided_at.isoformat(),
        "seq": d.seq,
    }


def mismatches(ctx: Context, *, actor: Actor, number: str) -> list[tuple[str, str, bool]]:
    """Return the receipt mismatches of a manifest any of its parties sees on its page: (code,
    what was found, explained yet)."""
    with ctx.db.read_session() as s:
        m = s.scalar(sa.select(Manifest).where(Manifest.number == number))
        if m is None or not parties.visible(actor, m):
            raise NotFound(zh="联单不存在", en="no such manifest", detail={"number": number})
        return [
            (d.code, _found_text([d]), d.resolved_seq is not None)
            for ds in _kinds_of(s, m.id).values()
            for d in ds
        ]
