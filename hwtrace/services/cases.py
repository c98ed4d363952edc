"""Cases: every alarm (and warning) walked to closure (``domain/cases.py``). Each step is a
ledger entry written in the same transaction as the case row."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import cases as D
from hwtrace.domain.access import Actor, Role, require_role
from hwtrace.domain.errors import BadValue, Forbidden, NotFound
from hwtrace.domain.notifications import Event
from hwtrace.services import notifications
from hwtrace.services.context import Context
from hwtrace.store.monitoring import CaseFile
from hwtrace.store.tables import Enterprise, Park
from hwtrace.store.unit_of_work import UnitOfWork

SYSTEM = "system"
MAX_EVIDENCE = 10 * 1024 * 1024


@dataclass(frozen=True)
class NewCase:
    """What a case is about."""

    park_id: int
    enterprise_id: int
    source: str  # alarm / warning
    source_key: str
    subject: str
    severity: D.Severity
    title_zh: str
    title_en: str
    assignee_id: int | None = None  # the transporter or the receiver whose step it is
    warning_key: str | None = None


def open_case(uow: UnitOfWork, new: NewCase) -> CaseFile:
    """Open a case inside the caller's unit of work and assign it to the enterprise concerned,
    or to the transporter or receiver named (two ledger entries: ``case.open``,
    ``case.assign``). A second case of the same ``source_key`` fails on the unique
    constraint at the first flush, before any ledger entry is written."""
    s = uow.session
    now = uow.now()
    ent = s.get_one(Enterprise, new.enterprise_id)
    assignee = s.get_one(Enterprise, new.assignee_id) if new.assignee_id else ent
    case = CaseFile(
        park_id=new.park_id,
        enterprise_id=new.enterprise_id,
        assignee_id=None,
        source=new.source,
        source_key=new.source_key,
        warning_key=new.warning_key,
        subject=new.subject,
        severity=new.severity.value,
        title_zh=new.title_zh[:300],
        title_en=new.title_en[:300],
        status=D.CaseStatus.OPENED,
        escalation=0,
        opened_at=now,
        due_at=D.deadline(now, new.severity),
        note="",
        evidence_name="",
        evidence_sha256="",
        last_seq=0,
    )
    s.add(case)
    s.flush()
    entry = uow.record(
        entry_type="case.open",
        subject=f"case:{case.id}",
        actor=SYSTEM,
        enterprise=ent.uscc,
        payload={
            "case": case.id,
            "source": new.source,
            "source_key": new.source_key,
            "about": new.subject,
            "severity": new.severity.value,
            "assignee": assignee.uscc,
            "title": new.title_zh,
            "due_at": case.due_at.isoformat(),
        },
    )
    case.last_seq = entry.seq
    _assign(uow, case, assignee, SYSTEM)
    _tell(uow, case, Event.CASE_OPENED)
    return case


def _tell(uow: UnitOfWork, case: CaseFile, event: Event) -> None:
    """Queue a case's notification for its enterprise and its assignee (and the park)."""
    notifications.emit(
        uow,
        park_id=case.park_id,
        enterprise_ids=sorted({case.enterprise_id, case.assignee_id or case.enterprise_id}),
        event=event,
        data=as_json(case, uow.now()),
    )


def _assign(uow: UnitOfWork, case: CaseFile, ent: Enterprise, actor: str) -> None:
    case.status = D.next_status(D.CaseStatus(case.status), D.CaseAction.ASSIGN)
    case.assignee_id = ent.id
    entry = uow.record(
        entry_type="case.assign",
        subject=f"case:{case.id}",
        actor=actor,
        enterprise=ent.uscc,
        payload={"case": case.id, "assignee": ent.uscc},
    )
    case.last_seq = entry.seq


def _visible(s: Session, actor: Actor, case_id: int) -> CaseFile:
    case = s.get(CaseFile, case_id)
    if case is None or case.park_id != actor.park_id:
        raise NotFound(zh="案件不存在", en="no such case", detail={"case": case_id})
    if not actor.sees_whole_park and actor.enterprise_id not in (
        case.enterprise_id,
        case.assignee_id,
    ):
        raise NotFound(zh="案件不存在", en="no such case", detail={"case": case_id})
    return case


def authorize(ctx: Context, *, actor: Actor, case_id: int, action: str | None = None) -> None:
    """Check the caller before its request is read: ``NotFound`` for a case it may not see,
    ``Forbidden`` for a step that is not its (assign and verify: the park administrator;
    handle: the assignee's users)."""
    with ctx.db.read_session() as s:
        case = _visible(s, actor, case_id)
    if action in ("assign", "verify"):
        require_role(actor, Role.PARK_ADMIN)
    elif action == "handle":
        require_role(actor, Role.ADMIN, Role.OPERATOR)
        if case.assignee_id != actor.enterprise_id:
            raise Forbidden(zh="案件未派发给本单位", en="the case is not assigned to you")


def get_case(ctx: Context, *, actor: Actor, case_id: int) -> CaseFile:
    """Return a case the caller may see (its enterprise's or assigned to it; park roles all)."""
    with ctx.db.read_session() as s:
        return _visible(s, actor, case_id)


def assign(ctx: Context, *, actor: Actor, case_id: int, enterprise_id: int) -> CaseFile:
    """The park administrator passes a case on (to the transporter or the receiver)."""
    require_role(actor, Role.PARK_ADMIN)
    with ctx.uow() as uow:
        case = _visible(uow.session, actor, case_id)
        ent = uow.session.get(Enterprise, enterprise_id)
        if ent is None or ent.park_id != actor.park_id:
            raise NotFound(zh="单位不存在", en="no such enterprise")
        _assign(uow, case, ent, actor.username)
        _tell(uow, case, Event.CASE_ASSIGNED)
        uow.commit()
        return case


def handle(
    ctx: Context,
    *,
    actor: Actor,
    case_id: int,
    note: str,
    evidence_name: str,
    evidence: bytes,
    evidence_dir: Path,
) -> CaseFile:
    """The assignee records what it did: a note and evidence; the file's SHA-256 is in the
    ledger and the file is kept under ``evidence_dir`` by its hash."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    text = note.strip()
    if not text or not evidence:
        raise BadValue(
            zh="须填写处置说明并上传证据（照片或文件）",
            en="a note and evidence (a photo or a file) are required",
            code="case.evidence_required",
        )
    if len(evidence) > MAX_EVIDENCE:
        raise BadValue(
            zh="证据文件过大（≤10 MB）", en="evidence over 10 MB", code="case.evidence_required"
        )
    digest = hashlib.sha256(evidence).hexdigest()
    with ctx.uow() as uow:
        case = _visible(uow.session, actor, case_id)
        if case.assignee_id != actor.enterprise_id:
            raise Forbidden(zh="案件未派发给本单位", en="the case is not assigned to you")
        case.status = D.next_status(D.CaseStatus(case.status), D.CaseAction.HANDLE)
        case.note, case.evidence_name, case.evidence_sha256 = (
            text[:1000],
            evidence_name[:200],
            digest,
        )
        case.handled_at = uow.now()
        ent = uow.session.get_one(Enterprise, actor.enterprise_id)
        entry = uow.record(
            entry_type="case.handle",
            subject=f"case:{case.id}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={
                "case": case.id,
                "note": case.note,
                "evidence": evidence_name[:200],
                "sha256": digest,
            },
        )
        case.last_seq = entry.seq
        evidence_dir.mkdir(parents=True, exist_ok=True)
        (evidence_dir / digest).write_bytes(evidence)
        _tell(uow, case, Event.CASE_HANDLED)
        uow.commit()
        return case


def verify(ctx: Context, *, actor: Actor, case_id: int, accept: bool, note: str) -> CaseFile:
    """The park administrator closes a handled case, or sends it back with a note."""
    require_role(actor, Role.PARK_ADMIN)
    action = D.CaseAction.VERIFY if accept else D.CaseAction.SEND_BACK
    if not accept and not note.strip():
        raise BadValue(zh="退回须说明原因", en="sending back needs a note")
    with ctx.uow() as uow:
        case = _visible(uow.session, actor, case_id)
        case.status = D.next_status(D.CaseStatus(case.status), action)
        now = uow.now()
        if accept:
            case.closed_at = now
        else:
            case.due_at = D.deadline(now, D.Severity(case.severity))
            case.escalation = 0
        ent = uow.session.get_one(Enterprise, case.enterprise_id)
        entry = uow.record(
            entry_type=f"case.{action.value}",
            subject=f"case:{case.id}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={"case": case.id, "note": note.strip()[:500]},
        )
        case.last_seq = entry.seq
        _tell(uow, case, Event.CASE_CLOSED if accept else Event.CASE_SENT_BACK)
        uow.commit()
        return case


def escalate_overdue(ctx: Context) -> int:
    """Escalate every overdue case of the park one level where its time has come (a ledger
    entry ``case.escalate`` each); return how many were escalated. A case whose condition has
    ended (``cleared_at``) is not chased further: it waits for its note and the park's check.
    Safe with two sweepers: each level is taken by a conditional UPDATE, and only the one
    whose UPDATE changed the row writes the entry."""
    now = ctx.now()
    done = 0
    with ctx.uow() as uow:
        s = uow.session
        rows = s.execute(
            sa.select(CaseFile.id, CaseFile.status, CaseFile.due_at, CaseFile.severity).where(
                CaseFile.status.in_([D.CaseStatus.OPENED.value, D.CaseStatus.ASSIGNED.value]),
                CaseFile.due_at <= now,
                CaseFile.escalation < int(D.Escalation.PARK),
                CaseFile.cleared_at.is_(None),
                CaseFile.park_id == _park_id(s, ctx),
            )
        ).all()
    for r in rows:
        level = D.escalation(D.CaseStatus(r.status), r.due_at, D.Severity(r.severity), now)
        if level is not D.Escalation.NONE and _escalate(ctx, r.id, level):
            done += 1
    return done


def _escalate(ctx: Context, case_id: int, level: D.Escalation) -> bool:
    with ctx.uow() as uow:
        s = uow.session
        taken = s.execute(
            sa.update(CaseFile)
            .where(
                CaseFile.id == case_id,
                CaseFile.escalation < int(level),
                CaseFile.status.in_([D.CaseStatus.OPENED.value, D.CaseStatus.ASSIGNED.value]),
            )
            .values(escalation=int(level))
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            return False
        case = s.get_one(CaseFile, case_id)
        s.refresh(case)
        ent = s.get_one(Enterprise, case.enterprise_id)
        entry = uow.record(
            entry_type="case.escalate",
            subject=f"case:{case.id}",
            actor=SYSTEM,
            enterprise=ent.uscc,
            payload={"case": case.id, "to": level.name.lower(), "due_at": case.due_at.isoformat()},
        )
        case.last_seq = entry.seq
        _tell(uow, case, Event.CASE_ESCALATED)
        uow.commit()
    return True


def _park_id(s: Session, ctx: Context) -> int:
    pid = s.scalar(sa.select(Park.id).where(Park.code == ctx.settings.park_code))
    if pid is None:
        raise NotFound(zh="园区未初始化", en="the park is not set up")
    return int(pid)


def list_cases(
    ctx: Context, *, actor: Actor, status: str | None = None, limit: int = 200
) -> list[CaseFile]:
    """Return the caller's cases, newest first (park roles: every case of the park)."""
    with ctx.db.read_session() as s:
        q = sa.select(CaseFile).where(CaseFile.park_id == actor.park_id)
        if not actor.sees_whole_park:
            q = q.where(
                sa.or_(
                    CaseFile.enterprise_id == actor.enterprise_id,
                    CaseFile.assignee_id == actor.enterprise_id,
                )
            )
        if status == "open":
            q = q.where(CaseFile.status != D.CaseStatus.CLOSED.value)
        elif status:
            q = q.where(CaseFile.status == status)
        return list(s.scalars(q.order_by(CaseFile.id.desc()).limit(limit)))


@dataclass
class EnterpriseCases:
    """The park's view of one enterprise's cases."""

    enterprise_id: int
    name: str
    open: int = 0
    overdue: int = 0
    closed: int = 0
    closed_hours_total: float = 0.0

    @property
    def mean_hours(self) -> float | None:
        """Return the mean time from opening to closing of the closed cases, in hours."""
        return round(self.closed_hours_total / self.closed, 1) if self.closed else None


def summary(ctx: Context, *, actor: Actor) -> list[EnterpriseCases]:
    """Return open, overdue and closed cases per enterprise with how long closing took."""
    require_role(actor, Role.PARK_ADMIN, Role.AUDITOR)
    now = ctx.now()
    out: dict[int, EnterpriseCases] = {}
    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(Enterprise.id, Enterprise.name).where(Enterprise.park_id == actor.park_id)
        )
        names = {r.id: r.name for r in rows}
        for c in s.scalars(sa.select(CaseFile).where(CaseFile.park_id == actor.park_id)):
            row = out.setdefault(
                c.enterprise_id, EnterpriseCases(c.enterprise_id, names.get(c.enterprise_id, ""))
            )
            if c.status is D.CaseStatus.CLOSED and c.closed_at is not None:
                row.closed += 1
                row.closed_hours_total += (c.closed_at - c.opened_at).total_seconds() / 3600
            else:
                row.open += 1
                if c.status is not D.CaseStatus.HANDLED and c.due_at <= now:
                    row.overdue += 1
    return sorted(out.values(), key=lambda r: (-r.overdue, -r.open, r.name))


def as_json(case: CaseFile, now: dt.datetime | None = None) -> dict[str, Any]:
    """Return the JSON form of a case."""
    status = D.CaseStatus(case.status)
    return {
        "id": case.id,
        "enterprise_id": case.enterprise_id,
        "assignee_id": case.assignee_id,
        "source": case.source,
        "source_key": case.source_key,
        "subject": case.subject,
        "severity": case.severity,
        "title": case.title_zh,
        "title_en": case.title_en,
        "status": status.value,
        "status_zh": D.STATUS_ZH[status],
        "escalation": D.Escalation(case.escalation).name.lower(),
        "opened_at": case.opened_at.isoformat(),
        "due_at": case.due_at.isoformat(),
        "overdue": now is not None and status is not D.CaseStatus.CLOSED and case.due_at <= now,
        "handled_at": case.handled_at.isoformat() if case.handled_at else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "warning_key": case.warning_key,
        "cleared_at": case.cleared_at.isoformat() if case.cleared_at else None,
        "note": case.note,
        "evidence": {"name": case.evidence_name, "sha256": case.evidence_sha256}
        if case.evidence_sha256
        else None,
        "seq": case.last_seq,
    }
