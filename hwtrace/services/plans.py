"""The yearly management plan (危险废物管理计划, HJ 1259-2022 appendix A, tables A.1–A.7): a draft
prefilled from the previous year's ledger (the yearly declaration figures of
``services/declarations.build``, the enterprise's facilities and waste profiles), edited and
saved by the producer's administrator, then confirmed: the ledger entry ``plan.confirm`` fixes
the content's SHA-256; a correction is a new version with a reason. The rules are in
``domain/plans.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import plans as P
from hwtrace.domain.access import Actor, Role, require_role
from hwtrace.domain.declarations import CLASS_ZH, ManagementClass, Period
from hwtrace.domain.errors import BadValue, Conflict, NotFound
from hwtrace.services import declarations, parties
from hwtrace.services.context import Context
from hwtrace.store.plans import PlanDraft, PlanVersion
from hwtrace.store.tables import Enterprise, Facility


@dataclass
class PlanView:
    """A year's plan as the caller sees it: the draft (saved, or prefilled now), its content
    and SHA-256, and the versions confirmed so far (newest first)."""

    enterprise: Enterprise
    year: int
    tables: dict[str, list[list[str]]]
    saved: PlanDraft | None
    content: dict[str, Any]
    sha256: str
    versions: list[PlanVersion] = field(default_factory=list)


def check_year(year: int, today: dt.date) -> int:
    """A plan is for a year from 2000 to next year."""
    if not 2000 <= year <= today.year + 1:
        raise BadValue(
            zh=f"计划年度应在 2000 至 {today.year + 1} 年之间",
            en=f"the plan's year is 2000 to {today.year + 1}",
            code="plan.year",
        )
    return year


def _producer(s: Session, actor: Actor, enterprise_id: int | None) -> Enterprise:
    return parties.producer_in_view(
        s,
        actor,
        enterprise_id,
        zh="只有产废单位制定危险废物管理计划",
        en="only producers make a management plan",
    )


def _sources(s: Session, ctx: Context, ent: Enterprise, year: int) -> P.Sources:
    last = declarations.build(s, ctx, ent, Period.parse(str(year - 1)))
    usccs = {rcv for r in last.rows for rcv, _ in r.out_g}
    receivers: dict[str, tuple[str, str]] = {}
    if usccs:
        for e in s.scalars(sa.select(Enterprise).where(Enterprise.uscc.in_(usccs))):
            permit = str((e.permits.get("operating") or {}).get("number") or "")
            receivers[e.uscc] = (e.name, permit)
    cls = ent.management_class
    facilities = [
        {"kind": f.kind, "code": f.code, "name": f.name, "methods": list(f.methods or [])}
        for f in s.scalars(
            sa.select(Facility).where(Facility.enterprise_id == ent.id).order_by(Facility.code)
        )
    ]
    return P.Sources(
        name=ent.name,
        uscc=ent.uscc,
        address=ent.address or "",
        management_class_zh=CLASS_ZH[ManagementClass(cls)] if cls else "",
        facilities=facilities,
        waste=declarations.waste_info(s, ent),
        last_year=last.rows,
        receivers=receivers,
    )


def _view(s: Session, ctx: Context, ent: Enterprise, year: int) -> PlanView:
    saved = s.get(PlanDraft, (ent.id, year))
    tables = saved.tables if saved else P.prefill(_sources(s, ctx, ent, year))
    content = P.content_of(tables, year=year, uscc=ent.uscc, name=ent.name)
    versions = list(
        s.scalars(
            sa.select(PlanVersion)
            .where(PlanVersion.enterprise_id == ent.id, PlanVersion.year == year)
            .order_by(PlanVersion.version.desc())
        )
    )
    return PlanView(ent, year, tables, saved, content, P.sha256_of(content), versions)


def plan(ctx: Context, *, actor: Actor, year: int, enterprise_id: int | None = None) -> PlanView:
    """The caller's plan for ``year`` (park roles: any producer's), with its versions."""
    check_year(year, ctx.today())
    with ctx.db.read_session() as s:
        return _view(s, ctx, _producer(s, actor, enterprise_id), year)


def save_draft(ctx: Context, *, actor: Actor, year: int, tables: Any) -> PlanDraft:
    """The producer's administrator saves the draft as edited (empty rows dropped)."""
    require_role(actor, Role.ADMIN)
    check_year(year, ctx.today())
    clean = P.check_tables(tables)
    with ctx.uow() as uow:
        s = uow.session
        ent = _producer(s, actor, None)
        d = s.get(PlanDraft, (ent.id, year))
        if d is None:
            d = PlanDraft(enterprise_id=ent.id, year=year, park_id=ent.park_id)
            s.add(d)
        d.tables = clean
        d.updated_by = actor.username
        d.updated_at = ctx.now()
        uow.commit()
        return d


def confirm(
    ctx: Context, *, actor: Actor, year: int, reviewed_sha256: str, reason: str = ""
) -> PlanVersion:
    """The producer's administrator confirms the draft it reviewed (refused if it changed
    since); confirming again makes a new version, which needs a reason."""
    require_role(actor, Role.ADMIN)
    check_year(year, ctx.today())
    with ctx.uow() as uow:
        s = uow.session
        ent = _producer(s, actor, None)
        view = _view(s, ctx, ent, year)
        if view.sha256 != reviewed_sha256:
            raise Conflict(
                zh="管理计划在审核后已变化，请重新审核后再确认",
                en="the plan changed since it was reviewed: review it again",
                code="plan.changed",
                detail={"sha256": view.sha256},
            )
        version = (view.versions[0].version if view.versions else 0) + 1
        why = reason.strip()[:500]
        if version > 1 and not why:
            raise BadValue(
                zh="更正已确认的管理计划须说明原因",
                en="a correction of a confirmed plan needs a reason",
                code="plan.reason_required",
            )
        entry = uow.record(
            entry_type="plan.confirm",
            subject=f"plan:{ent.uscc}:{year}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={
                "year": year,
                "standard": "HJ 1259-2022 appendix A",
                "version": version,
                "content_sha256": view.sha256,
                "rows": {tid: len(rows) for tid, rows in view.tables.items()},
                "reason": why,
            },
        )
        v = PlanVersion(
            park_id=ent.park_id,
            enterprise_id=ent.id,
            year=year,
            version=version,
            content=view.content,
            content_sha256=view.sha256,
            reason=why,
            confirmed_by=actor.username,
            confirmed_at=ctx.now(),
            seq=entry.seq,
        )
        s.add(v)
        uow.commit()
        return v


def confirmed(
    ctx: Context, *, actor: Actor, year: int, version: int, enterprise_id: int | None = None
) -> PlanVersion:
    """One confirmed version, as it was confirmed."""
    with ctx.db.read_session() as s:
        ent = _producer(s, actor, enterprise_id)
        v = s.scalar(
            sa.select(PlanVersion).where(
                PlanVersion.enterprise_id == ent.id,
                PlanVersion.year == year,
                PlanVersion.version == version,
            )
        )
        if v is None:
            raise NotFound(zh="未找到该版本", en="no such version", detail={"version": version})
        return v
