"""Disposal contracts (合同管理): the producer registers a contract with its signed document, the
receiver confirms (or refuses) it, either party may terminate it; bookings and manifests are
counted against the contract that covers each waste code (``cover``). Each step is one
transaction and one ledger entry ``contract.<step>``; the document's SHA-256 is in the entry.
The rules are in ``domain/contracts.py``."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.batches import need_reason
from hwtrace.domain.catalogue import waste_entry
from hwtrace.domain.contracts import (
    ENDED_BOOKINGS,
    USE_BY_OUTCOME,
    ContractStatus,
    Terms,
    Use,
    check_term,
    choose,
    contract_step,
    g_to_t,
    t_to_g,
)
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.services import parties
from hwtrace.services.context import Context
from hwtrace.store.tables import (
    Batch,
    Booking,
    Contract,
    ContractLine,
    Enterprise,
    TransferLine,
)

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")


def contract_subject(contract_id: int) -> str:
    """Return the ledger subject of a contract."""
    return f"contract-{contract_id}"


@dataclass(frozen=True)
class NewContract:
    """What a producer registers: the parties, the codes with their quantities (tonnes, decimal
    strings), the term, and the signed document."""

    number: str
    receiver_id: int
    valid_from: dt.date
    valid_to: dt.date
    quantities_t: dict[str, str]
    document: bytes
    document_name: str
    document_type: str
    transporter_id: int | None = None
    note: str = ""


@dataclass
class ContractView:
    """A contract with its lines and what is used of each (grams)."""

    contract: Contract
    lines: list[ContractLine]
    used_g: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def _check_document(new: NewContract) -> None:
    if not new.document:
        raise BadValue(
            zh="请上传双方签章的合同文件",
            en="the signed contract document is required",
            code="contract.document_required",
        )
    if len(new.document) > MAX_DOCUMENT_BYTES:
        raise BadValue(
            zh="合同文件超过 8 MB",
            en="the contract document is larger than 8 MB",
            code="contract.document_too_large",
        )
    if new.document_type not in DOCUMENT_TYPES:
        raise BadValue(
            zh="合同文件须为 PDF、PNG 或 JPEG",
            en="the contract document must be a PDF, PNG or JPEG",
            code="contract.document_type",
            detail={"allowed": list(DOCUMENT_TYPES)},
        )


def _checked(actor: Actor, new: NewContract) -> tuple[str, dict[str, int]]:
    """Refuse a proposal before anything is read: who may propose, and the contract's own
    values. Return its number and its yearly quantity per waste code in grams."""
    require_role(actor, Role.ADMIN)
    if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
        raise Forbidden(zh="只有产废单位可以登记处置合同", en="only producers register contracts")
    number = new.number.strip()
    if not number:
        raise BadValue(zh="合同编号不能为空", en="the contract number is required")
    check_term(new.valid_from, new.valid_to)
    if not new.quantities_t:
        raise BadValue(
            zh="合同须至少包含一个废物代码", en="a contract covers at least one waste code"
        )
    lines = {}
    for code, qty in sorted(new.quantities_t.items()):
        waste_entry(code)
        lines[code] = t_to_g(qty, field=f"quantities_t/{code}")
    _check_document(new)
    return number, lines


def propose_contract(ctx: Context, *, actor: Actor, new: NewContract) -> Contract:
    """A producer's administrator registers a contract; it counts once the receiver confirms."""
    number, lines = _checked(actor, new)
    sha = hashlib.sha256(new.document).hexdigest()
    now = ctx.now()
    with ctx.uow() as uow:
        s = uow.session
        producer = parties.enterprise(s, actor.enterprise_id)
        receiver = parties.enterprise_of_kind(s, actor, new.receiver_id, EnterpriseKind.RECEIVER)
        transporter = (
            parties.enterprise_of_kind(s, actor, new.transporter_id, EnterpriseKind.TRANSPORTER)
            if new.transporter_id is not None
            else None
        )
        if s.scalar(
            sa.select(Contract.id).where(
                Contract.producer_id == producer.id, Contract.number == number
            )
        ):
            raise Conflict(
                zh=f"合同编号 {number} 已登记",
                en=f"contract {number} is registered already",
                code="contract.duplicate",
            )
        c = Contract(
            park_id=actor.park_id,
            number=number,
            producer_id=producer.id,
            receiver_id=receiver.id,
            transporter_id=transporter.id if transporter else None,
            status=ContractStatus.PROPOSED.value,
            valid_from=new.valid_from,
            valid_to=new.valid_to,
            document_name=new.document_name.strip()[:200] or "contract",
            document_type=new.document_type,
            document_sha256=sha,
            document=new.document,
            note=new.note.strip(),
            created_by=actor.username,
            created_at=now,
            last_seq=-1,
        )
        s.add(c)
        s.flush()
        for code, grams in lines.items():
            s.add(ContractLine(contract_id=c.id, waste_code=code, quantity_g=grams))
        c.last_seq = parties.record(
            uow,
            actor,
            "contract.propose",
            contract_subject(c.id),
            {
                "number": number,
                "producer": producer.uscc,
                "receiver": receiver.uscc,
                "transporter": transporter.uscc if transporter else None,
                "valid_from": new.valid_from.isoformat(),
                "valid_to": new.valid_to.isoformat(),
                "quantities_t": {code: g_to_t(g) for code, g in lines.items()},
                "document": {
                    "name": c.document_name,
                    "type": c.document_type,
                    "bytes": len(new.document),
                    "sha256": sha,
                },
                "note": c.note,
            },
        )
        uow.commit()
        return c


def _lock(s: Session, actor: Actor, contract_id: int) -> Contract:
    c = s.execute(
        sa.select(Contract).where(Contract.id == contract_id).with_for_update()
    ).scalar_one_or_none()
    if c is None or not _visible(actor, c):
        raise NotFound(zh="合同不存在", en="no such contract", detail={"contract_id": contract_id})
    return c


def require_step_party(actor: Actor, c: Contract, step: str) -> None:
    """Raise unless the caller may take ``step`` on a contract it sees: the receiver's
    administrator confirms or refuses, either party's administrator terminates."""
    require_role(actor, Role.ADMIN)
    if step in ("confirm", "refuse"):
        parties.require_member(actor, c.receiver_id, "接受人")
    elif step == "terminate":
        if actor.enterprise_id not in (c.producer_id, c.receiver_id):
            raise Forbidden(
                zh="只有合同双方可以终止合同", en="only the producer or the receiver may terminate"
            )
    else:
        raise ValueError(step)


def authorize(ctx: Context, *, actor: Actor, contract_id: int, step: str) -> None:
    """Check, before the request is read, that the caller may take ``step`` on the contract:
    404 if it may not see it, 403 if it may see it but not act."""
    with ctx.db.read_session() as s:
        c = s.get(Contract, contract_id)
        if c is None or not _visible(actor, c):
            raise NotFound(
                zh="合同不存在", en="no such contract", detail={"contract_id": contract_id}
            )
        require_step_party(actor, c, step)


def _visible(actor: Actor, c: Contract) -> bool:
    if c.park_id != actor.park_id:
        return False
    if actor.sees_whole_park:
        return True
    return actor.enterprise_id in (c.producer_id, c.receiver_id, c.transporter_id)


def confirm_contract(ctx: Context, *, actor: Actor, contract_id: int) -> Contract:
    """The receiver's administrator confirms the contract and the document's hash."""
    with ctx.uow() as uow:
        s = uow.session
        c = _lock(s, actor, contract_id)
        require_step_party(actor, c, "confirm")
        c.status = contract_step(ContractStatus(c.status), "confirm").value
        c.confirmed_by = actor.username
        c.confirmed_at = ctx.now()
        c.last_seq = parties.record(
            uow,
            actor,
            "contract.confirm",
            contract_subject(c.id),
            {"prev": c.last_seq, "number": c.number, "document_sha256": c.document_sha256},
        )
        uow.commit()
        return c


def refuse_contract(ctx: Context, *, actor: Actor, contract_id: int, reason: str) -> Contract:
    """The receiver does not recognise the contract (with the reason)."""
    return _end(ctx, actor, contract_id, reason, "refuse")


def terminate_contract(ctx: Context, *, actor: Actor, contract_id: int, reason: str) -> Contract:
    """Either party ends the contract early (with the reason); transfers already counted stay."""
    return _end(ctx, actor, contract_id, reason, "terminate")


def _end(ctx: Context, actor: Actor, contract_id: int, reason: str, step: str) -> Contract:
    with ctx.uow() as uow:
        s = uow.session
        c = _lock(s, actor, contract_id)
        require_step_party(actor, c, step)
        why = need_reason(reason)
        c.status = contract_step(ContractStatus(c.status), step).value
        c.reason = why
        c.ended_at = ctx.now()
        c.last_seq = parties.record(
            uow,
            actor,
            f"contract.{step}",
            contract_subject(c.id),
            {"prev": c.last_seq, "number": c.number, "reason": why},
        )
        uow.commit()
        return c


def line_use_expr() -> sa.ColumnElement[int]:
    """The grams a transfer line uses of its contract (``domain.contracts.use_of_line``)."""
    dispatched = [o for o, u in USE_BY_OUTCOME.items() if u is Use.DISPATCHED]
    accepted = [o for o, u in USE_BY_OUTCOME.items() if u is Use.ACCEPTED]
    return sa.case(
        (Booking.status.in_(ENDED_BOOKINGS), 0),
        (TransferLine.outcome.in_(dispatched), TransferLine.dispatched_g),
        (
            TransferLine.outcome.in_(accepted),
            sa.func.coalesce(TransferLine.received_g, 0) - TransferLine.rejected_g,
        ),
        else_=0,
    )


def use_by(
    s: Session,
    key: InstrumentedAttribute[int | None],
    ids: list[int],
    *,
    exclude_booking: int | None = None,
) -> dict[tuple[int, str], int]:
    """Return the grams used per (``key``, waste code), ``key`` being the column that names
    what the lines are counted against: a line's contract, or its booking's cross-province
    approval. Every booking and manifest counts, as ``domain.contracts.use_of_line`` says."""
    if not ids:
        return {}
    q = (
        sa.select(key, Batch.waste_code, sa.func.sum(line_use_expr()))
        .join(Booking, Booking.id == TransferLine.booking_id)
        .join(Batch, Batch.id == TransferLine.batch_id)
        .where(key.in_(ids))
        .group_by(key, Batch.waste_code)
    )
    if exclude_booking is not None:
        q = q.where(TransferLine.booking_id != exclude_booking)
    return {(int(kid or 0), code): int(g or 0) for kid, code, g in s.execute(q)}


def used(
    s: Session, contract_ids: list[int], *, exclude_booking: int | None = None
) -> dict[tuple[int, str], int]:
    """Return the grams used per (contract, waste code)."""
    return use_by(s, TransferLine.contract_id, contract_ids, exclude_booking=exclude_booking)


def cover(
    s: Session,
    *,
    producer_id: int,
    receiver: Enterprise,
    transporter_id: int,
    wanted_g: dict[str, int],
    day: dt.date,
    exclude_booking: int | None = None,
) -> dict[str, Terms]:
    """Return the contract each waste code of a transfer is counted against, or refuse
    (``contract.not_covered``, ``contract.quantity_exceeded``). The contracts are locked so two
    bookings at once cannot both take the last of a quantity."""
    rows = list(
        s.scalars(
            sa.select(Contract)
            .where(
                Contract.producer_id == producer_id,
                Contract.receiver_id == receiver.id,
                Contract.status == ContractStatus.CONFIRMED.value,
                Contract.valid_from <= day,
                Contract.valid_to >= day,
            )
            .order_by(Contract.id)
            .with_for_update()
        )
    )
    ids = [c.id for c in rows]
    lines: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        for ln in s.scalars(sa.select(ContractLine).where(ContractLine.contract_id.in_(ids))):
            lines[ln.contract_id][ln.waste_code] = ln.quantity_g
    use = used(s, ids, exclude_booking=exclude_booking)
    terms = [
        Terms(
            id=c.id,
            number=c.number,
            status=ContractStatus(c.status),
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            transporter_id=c.transporter_id,
            quantities_g=lines[c.id],
            used_g={code: use.get((c.id, code), 0) for code in lines[c.id]},
        )
        for c in rows
    ]
    return choose(
        terms, wanted_g, day=day, transporter_id=transporter_id, receiver_name=receiver.name
    )


def list_contracts(ctx: Context, *, actor: Actor, status: str | None = None) -> list[ContractView]:
    """Return the contracts the caller is a party to (the whole park for park roles), newest
    first, with what is used of each."""
    cond = [parties.party_cond(actor, Contract)]
    if status:
        cond.append(Contract.status == status)
    with ctx.db.read_session() as s:
        rows = list(s.scalars(sa.select(Contract).where(*cond).order_by(Contract.id.desc())))
        return _views(s, rows)


def _views(s: Session, rows: list[Contract]) -> list[ContractView]:
    ids = [c.id for c in rows]
    by_id: dict[int, list[ContractLine]] = {i: [] for i in ids}
    if ids:
        for ln in s.scalars(
            sa.select(ContractLine)
            .where(ContractLine.contract_id.in_(ids))
            .order_by(ContractLine.waste_code)
        ):
            by_id[ln.contract_id].append(ln)
    use = used(s, ids)
    ent_ids = {e for c in rows for e in (c.producer_id, c.receiver_id, c.transporter_id) if e}
    names: dict[int, str] = {}
    if ent_ids:
        for eid, name in s.execute(
            sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ent_ids))
        ):
            names[eid] = name
    return [
        ContractView(
            contract=c,
            lines=by_id[c.id],
            used_g={ln.waste_code: use.get((c.id, ln.waste_code), 0) for ln in by_id[c.id]},
            names=names,
        )
        for c in rows
    ]


def get_contract(ctx: Context, *, actor: Actor, contract_id: int) -> ContractView:
    """Return one contract the caller may see, with its lines and use."""
    with ctx.db.read_session() as s:
        c = s.get(Contract, contract_id)
        if c is None or not _visible(actor, c):
            raise NotFound(
                zh="合同不存在", en="no such contract", detail={"contract_id": contract_id}
            )
        return _views(s, [c])[0]


def document(ctx: Context, *, actor: Actor, contract_id: int) -> tuple[str, str, bytes]:
    """Return the signed document of a contract the caller may see: (name, type, bytes)."""
    with ctx.db.read_session() as s:
        c = s.get(Contract, contract_id)
        if c is None or not _visible(actor, c):
            raise NotFound(
                zh="合同不存在", en="no such contract", detail={"contract_id": contract_id}
            )
        return c.document_name, c.document_type, bytes(c.document)


def counterparties(ctx: Context, *, actor: Actor) -> dict[str, list[tuple[int, str]]]:
    """Return the park's receivers and transporters (id, name) a producer may contract with."""
    with ctx.db.read_session() as s:
        out: dict[str, list[tuple[int, str]]] = {"receiver": [], "transporter": []}
        for e in s.scalars(
            sa.select(Enterprise)
            .where(
                Enterprise.park_id == actor.park_id,
                Enterprise.kind.in_([EnterpriseKind.RECEIVER.value, EnterpriseKind.TRANSPORTER]),
            )
            .order_by(Enterprise.id)
        ):
            out[e.kind].append((e.id, e.name))
        return out
