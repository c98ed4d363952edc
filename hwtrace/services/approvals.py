"""Cross-province transfer approvals (跨省转移审批): entered by the producer's administrator (or the
park administrator for a producer) with the approval document's scan; a booking or manifest whose
receiver lies in another province is counted against the approval that covers it (``cover``),
or refused. An entry is never changed: a wrong one is withdrawn with a reason and entered again.
Each step is one transaction and one ledger entry ``approval.<step>``; the rules are in
``domain/approvals.py`` (部令第23号 第二十一–二十八条)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import approvals as rules
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.batches import need_reason
from hwtrace.domain.catalogue import waste_entry
from hwtrace.domain.contracts import g_to_t, t_to_g
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.vocabularies import disposal_method
from hwtrace.services import parties
from hwtrace.services.context import Context
from hwtrace.services.contracts import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, use_by
from hwtrace.store.approvals import TransferApproval, TransferApprovalLine
from hwtrace.store.tables import Booking, Enterprise


def approval_subject(approval_id: int) -> str:
    """Return the ledger subject of an approval."""
    return f"approval-{approval_id}"


def province_of(ent: Enterprise, park_province: str) -> str:
    """Return an enterprise's province code: its own, else the park's."""
    return ent.province_code or park_province


def crosses(ctx: Context, receiver: Enterprise) -> bool:
    """Does a transfer from this park to ``receiver`` cross provinces?"""
    return rules.crosses_provinces(ctx.settings.province_code, receiver.province_code)


@dataclass(frozen=True)
class NewApproval:
    """What is entered: the approval document's number and authority, the receiver, the method,
    the validity, the approved weight per waste code (tonnes, decimal strings), and optionally
    the scan. ``producer_id`` is for the park administrator (a producer enters its own)."""

    number: str
    authority: str
    receiver_id: int
    method: str
    valid_from: dt.date
    valid_to: dt.date
    approved_t: dict[str, str]
    producer_id: int | None = None
    document: bytes = b""
    document_name: str = ""
    document_type: str = ""


@dataclass
class ApprovalView:
    """An approval with its lines and the weight used of each (grams)."""

    approval: TransferApproval
    lines: list[TransferApprovalLine]
    used_g: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def remaining_g(self, code: str) -> int:
        line = next((ln for ln in self.lines if ln.waste_code == code), None)
        return max(0, (line.approved_g if line else 0) - self.used_g.get(code, 0))


def _text(value: str, limit: int, zh: str, en: str) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        raise BadValue(zh=f"请填写{zh}（最多 {limit} 字）", en=f"give the {en} (up to {limit})")
    return text


def _check_document(new: NewApproval) -> None:
    if not new.document:
        return
    if len(new.document) > MAX_DOCUMENT_BYTES:
        raise BadValue(
            zh="批准文件超过 8 MB", en="the scan is larger than 8 MB", code="approval.document"
        )
    if new.document_type not in DOCUMENT_TYPES:
        raise BadValue(
            zh="批准文件须为 PDF、PNG 或 JPEG",
            en="the scan must be a PDF, PNG or JPEG",
            code="approval.document",
        )


def _checked(actor: Actor, new: NewApproval) -> tuple[str, str, str, dict[str, int]]:
    """Refuse an entry before anything is read; return number, authority, method, grams."""
    if actor.role is Role.PARK_ADMIN:
        if new.producer_id is None:
            raise BadValue(zh="请选择移出人", en="choose the producer (移出人)")
    else:
        require_role(actor, Role.ADMIN)
        if actor.enterprise_kind is not EnterpriseKind.PRODUCER:
            raise Forbidden(
                zh="只有移出人或园区管理员可以登记跨省转移批准",
                en="only the producer or the park administrator enters approvals",
            )
    number = _text(new.number, 64, "批准文号", "approval number")
    authority = _text(new.authority, 100, "批准机关", "issuing authority")
    method = disposal_method(new.method)["code"]
    if not new.approved_t:
        raise BadValue(zh="请至少填写一个废物代码及批准重量", en="approve at least one waste code")
    grams = {}
    for code, qty in sorted(new.approved_t.items()):
        waste_entry(code)
        grams[code] = t_to_g(qty, field=f"approved_t/{code}")
    _check_document(new)
    return number, authority, method, grams


def enter_approval(ctx: Context, *, actor: Actor, new: NewApproval) -> TransferApproval:
    """Enter an approval; refused when its receiver is not in another province, when its
    validity runs over 12 months or beyond the receiver's operating permit, or when the
    receiver's permit does not cover the kinds (第二十一–二十八条)."""
    number, authority, method, grams = _checked(actor, new)
    sha = hashlib.sha256(new.document).hexdigest() if new.document else ""
    with ctx.uow() as uow:
        s = uow.session
        pid = actor.enterprise_id if actor.role is not Role.PARK_ADMIN else new.producer_id
        assert pid is not None
        producer = parties.enterprise_of_kind(s, actor, pid, EnterpriseKind.PRODUCER)
        receiver = parties.enterprise_of_kind(s, actor, new.receiver_id, EnterpriseKind.RECEIVER)
        if not crosses(ctx, receiver):
            raise Conflict(
                zh=f"接受人「{receiver.name}」与园区在同一省份，省内转移无需跨省转移批准",
                en=f"{receiver.name} is in the park's province: no cross-province approval needed",
                code="approval.not_cross_province",
            )
        rules.check_validity(new.valid_from, new.valid_to, rules.permit_until(receiver.permits))
        rules.check_receiver_qualifies(receiver.permits, set(grams), new.valid_from, receiver.name)
        if s.scalar(
            sa.select(TransferApproval.id).where(
                TransferApproval.producer_id == producer.id, TransferApproval.number == number
            )
        ):
            raise Conflict(
                zh=f"批准文号 {number} 已登记",
                en=f"approval {number} is entered already",
                code="approval.duplicate",
            )
        a = TransferApproval(
            park_id=actor.park_id,
            number=number,
            authority=authority,
            producer_id=producer.id,
            receiver_id=receiver.id,
            method=method,
            valid_from=new.valid_from,
            valid_to=new.valid_to,
            document_name=new.document_name.strip()[:200] if new.document else "",
            document_type=new.document_type if new.document else "",
            document_sha256=sha,
            document=new.document or None,
            created_by=actor.username,
            created_at=ctx.now(),
            last_seq=-1,
        )
        s.add(a)
        s.flush()
        for code, g in grams.items():
            s.add(TransferApprovalLine(approval_id=a.id, waste_code=code, approved_g=g))
        a.last_seq = parties.record(
            uow,
            actor,
            "approval.enter",
            approval_subject(a.id),
            {
                "number": number,
                "authority": authority,
                "producer": producer.uscc,
                "receiver": receiver.uscc,
                "receiver_province": receiver.province_code,
                "method": method,
                "valid_from": new.valid_from.isoformat(),
                "valid_to": new.valid_to.isoformat(),
                "approved_t": {code: g_to_t(g) for code, g in grams.items()},
                "scan": (
                    {
                        "name": a.document_name,
                        "type": a.document_type,
                        "bytes": len(new.document),
                        "sha256": sha,
                    }
                    if sha
                    else None
                ),
            },
        )
        uow.commit()
        return a


def _visible(actor: Actor, a: TransferApproval) -> bool:
    if a.park_id != actor.park_id:
        return False
    return actor.sees_whole_park or actor.enterprise_id in (a.producer_id, a.receiver_id)


def _may_withdraw(actor: Actor, a: TransferApproval) -> None:
    if actor.role is Role.PARK_ADMIN:
        return
    require_role(actor, Role.ADMIN)
    if actor.enterprise_id != a.producer_id:
        raise Forbidden(
            zh="只有移出人或园区管理员可以撤回批准登记",
            en="only the producer or the park administrator withdraws an approval",
        )


def _get(s: Session, actor: Actor, approval_id: int, lock: bool = False) -> TransferApproval:
    q = sa.select(TransferApproval).where(TransferApproval.id == approval_id)
    a = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if a is None or not _visible(actor, a):
        raise NotFound(zh="批准不存在", en="no such approval", detail={"approval_id": approval_id})
    return a


def authorize_withdraw(ctx: Context, *, actor: Actor, approval_id: int) -> None:
    """Check, before the request is read, that the caller may withdraw the approval."""
    with ctx.db.read_session() as s:
        _may_withdraw(actor, _get(s, actor, approval_id))


def withdraw_approval(
    ctx: Context, *, actor: Actor, approval_id: int, reason: str
) -> TransferApproval:
    """Withdraw a wrongly entered (or revoked) approval with the reason; transfers already
    counted against it stay; no new one is."""
    with ctx.uow() as uow:
        s = uow.session
        a = _get(s, actor, approval_id, lock=True)
        _may_withdraw(actor, a)
        why = need_reason(reason)
        if a.withdrawn:
            raise Conflict(
                zh="该批准登记已撤回",
                en="the approval is withdrawn already",
                code="approval.withdrawn",
            )
        a.withdrawn, a.reason, a.withdrawn_at = True, why, ctx.now()
        a.last_seq = parties.record(
            uow,
            actor,
            "approval.withdraw",
            approval_subject(a.id),
            {"prev": a.last_seq, "number": a.number, "reason": why},
        )
        uow.commit()
        return a


def used(
    s: Session, approval_ids: list[int], *, exclude_booking: int | None = None
) -> dict[tuple[int, str], int]:
    """Return the grams used per (approval, waste code): every booking and manifest counted
    against it, as contracts count them (``domain.contracts.use_of_line``)."""
    return use_by(s, Booking.approval_id, approval_ids, exclude_booking=exclude_booking)


def cover(
    ctx: Context,
    s: Session,
    producer_id: int,
    receiver: Enterprise,
    method: str,
    wanted_g: dict[str, int],
    *,
    exclude_booking: int | None = None,
    day: dt.date | None = None,
) -> int | None:
    """Return the approval a transfer is counted against: None when the receiver is in the
    park's province, else the covering approval's id, or refuse (第二十一–二十八条). The
    producer's approvals are locked so two bookings at once cannot both take the last of a
    weight. ``day`` is the transfer's day (today, unless a paper manifest is entered
    afterwards: then the approval must have been valid on the paper's day)."""
    if not crosses(ctx, receiver):
        return None
    day = day or ctx.today()
    rows = list(
        s.scalars(
            sa.select(TransferApproval)
            .where(
                TransferApproval.producer_id == producer_id,
                TransferApproval.withdrawn.is_(False),
            )
            .order_by(TransferApproval.id)
            .with_for_update()
        )
    )
    views = _views(s, rows, exclude_booking=exclude_booking)
    chosen = rules.choose(
        [
            rules.Approval(
                id=v.approval.id,
                number=v.approval.number,
                receiver_id=v.approval.receiver_id,
                method=v.approval.method,
                valid_from=v.approval.valid_from,
                valid_to=v.approval.valid_to,
                approved_g={ln.waste_code: ln.approved_g for ln in v.lines},
                used_g=v.used_g,
            )
            for v in views
        ],
        rules.Transfer(receiver.id, receiver.name, method, wanted_g, day),
    )
    rules.check_receiver_qualifies(receiver.permits, set(wanted_g), day, receiver.name)
    return chosen.id


def _views(
    s: Session, rows: list[TransferApproval], *, exclude_booking: int | None = None
) -> list[ApprovalView]:
    ids = [a.id for a in rows]
    lines: dict[int, list[TransferApprovalLine]] = {i: [] for i in ids}
    if ids:
        for ln in s.scalars(
            sa.select(TransferApprovalLine)
            .where(TransferApprovalLine.approval_id.in_(ids))
            .order_by(TransferApprovalLine.waste_code)
        ):
            lines[ln.approval_id].append(ln)
    use = used(s, ids, exclude_booking=exclude_booking)
    ent_ids = {e for a in rows for e in (a.producer_id, a.receiver_id)}
    names: dict[int, str] = {}
    for eid, name in s.execute(
        sa.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ent_ids))
    ):
        names[eid] = name
    return [
        ApprovalView(
            approval=a,
            lines=lines[a.id],
            used_g={ln.waste_code: use.get((a.id, ln.waste_code), 0) for ln in lines[a.id]},
            names=names,
        )
        for a in rows
    ]


def list_approvals(ctx: Context, *, actor: Actor) -> list[ApprovalView]:
    """Return the approvals the caller's enterprise is producer or receiver of (the whole park
    for park roles), newest first, with the weight used and left of each kind."""
    cond = [TransferApproval.park_id == actor.park_id]
    if not actor.sees_whole_park:
        e = actor.enterprise_id
        cond.append(sa.or_(TransferApproval.producer_id == e, TransferApproval.receiver_id == e))
    with ctx.db.read_session() as s:
        rows = list(
            s.scalars(sa.select(TransferApproval).where(*cond).order_by(TransferApproval.id.desc()))
        )
        return _views(s, rows)


def get_approval(ctx: Context, *, actor: Actor, approval_id: int) -> ApprovalView:
    """Return one approval the caller may see, with its use."""
    with ctx.db.read_session() as s:
        return _views(s, [_get(s, actor, approval_id)])[0]


def of_booking(ctx: Context, booking: Booking) -> TransferApproval | None:
    """Return the approval a booking (which the caller was shown) is counted against."""
    if booking.approval_id is None:
        return None
    with ctx.db.read_session() as s:
        return s.get(TransferApproval, booking.approval_id)


def document(ctx: Context, *, actor: Actor, approval_id: int) -> tuple[str, str, bytes]:
    """Return the scan of an approval the caller may see: (name, type, bytes)."""
    with ctx.db.read_session() as s:
        a = _get(s, actor, approval_id)
        if not a.document:
            raise NotFound(zh="该批准没有上传文件", en="no scan was uploaded for this approval")
        return a.document_name, a.document_type, bytes(a.document)


def form_choices(ctx: Context, *, actor: Actor) -> dict[str, list[tuple[int, str]]]:
    """The entry form's choices: the park's producers (for the park administrator) and the
    receivers in another province than the park's."""
    with ctx.db.read_session() as s:
        ents = list(
            s.scalars(
                sa.select(Enterprise)
                .where(Enterprise.park_id == actor.park_id)
                .order_by(Enterprise.name)
            )
        )
    out: dict[str, list[tuple[int, str]]] = {"producer": [], "receiver": []}
    for e in ents:
        if e.kind == EnterpriseKind.PRODUCER.value and actor.role is Role.PARK_ADMIN:
            out["producer"].append((e.id, e.name))
        elif e.kind == EnterpriseKind.RECEIVER.value and crosses(ctx, e):
            out["receiver"].append((e.id, e.name))
    return out
