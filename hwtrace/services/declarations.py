"""HJ 1259-2022 declarations (申报): each enterprise's management class (set by the park), the
declaration report of appendix C for a period built from the ledger, its submission (a ledger
entry ``declaration.submit`` fixes the content's SHA-256; a correction is a new version), the
enterprise's to-do list of declarations with their deadlines, and the park's view of who has
declared and who is late. The rules are in ``domain/declarations.py``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

import ledger
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.catalogue import waste_entry
from hwtrace.domain.declarations import (
    CLASS_ZH,
    DECLARES,
    REMIND_DAYS,
    TABLE,
    ManagementClass,
    Period,
    WasteRow,
    c_headers,
    c_rows,
    due,
    late,
    moves_from_entries,
    report_rows,
)
from hwtrace.domain.errors import BadValue, Conflict, Forbidden, NotFound
from hwtrace.domain.errors import HwtraceError as _Err
from hwtrace.services import parties
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch, Declaration, Enterprise, Manifest, WasteProfile
from ledger.canonical import parse_ts

E = ledger.schema.ledger_entry


def _enterprise(s: Session, actor: Actor, enterprise_id: int | None) -> Enterprise:
    """The enterprise a declaration is about: the caller's own, or any producer for park roles."""
    return parties.producer_in_view(
        s, actor, enterprise_id, zh="只有产废单位申报危险废物产生情况", en="only producers declare"
    )


def set_management_class(
    ctx: Context, *, actor: Actor, enterprise_id: int, management_class: str
) -> Enterprise:
    """The park administration sets an enterprise's management class (HJ 1259-2022 §7.2)."""
    require_role(actor, Role.PARK_ADMIN)
    try:
        cls = ManagementClass(management_class)
    except ValueError:
        raise BadValue(
            zh="管理类别应为 key（重点监管）、simplified（简化管理）或 registered（登记管理）",
            en="the class is key, simplified or registered",
            code="declaration.invalid_class",
        ) from None
    with ctx.uow() as uow:
        s = uow.session
        ent = _enterprise(s, actor, enterprise_id)
        old = ent.management_class
        ent.management_class = cls.value
        ent.class_since = ctx.today()
        uow.record(
            entry_type="enterprise.management_class",
            subject=f"enterprise:{ent.uscc}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={"from": old, "to": cls.value, "to_zh": CLASS_ZH[cls]},
        )
        uow.commit()
        return ent


@dataclass
class Report:
    """A declaration report as built from the ledger (not yet, or already, submitted)."""

    enterprise: Enterprise
    period: Period
    rows: list[WasteRow]
    headers: list[str]
    table: list[list[str]]
    content: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""


def _timed(fields: dict[str, Any]) -> dict[str, Any]:
    ts = parse_ts(fields["client_ts"] or fields["server_ts"])
    return {**fields, "time": ts}


def entries_of(s: Session, ent: Enterprise) -> list[dict[str, Any]]:
    """Return the ledger entries about a producer's batches and manifests, in ledger order,
    each with its ``time`` (the device time when there is one, else the server's)."""
    codes = sa.select(Batch.code).where(Batch.producer_id == ent.id)
    numbers = sa.select(Manifest.number).where(Manifest.producer_id == ent.id)
    bodies = s.scalars(
        sa.select(E.c.body)
        .where(sa.or_(E.c.subject.in_(codes), E.c.subject.in_(numbers)))
        .order_by(E.c.seq)
    )
    return [_timed(json.loads(bytes(b))) for b in bodies]


def waste_info(
    s: Session, ent: Enterprise, codes: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return, per waste code of ``ent``'s profiles (those in ``codes``; None: every one), what
    the reports show of it: names (its own and the catalogue's), category, harmful components,
    form, hazards, packaging and the process producing it (the first profile of a code)."""
    q = sa.select(WasteProfile).where(WasteProfile.enterprise_id == ent.id)
    if codes is not None:
        q = q.where(WasteProfile.waste_code.in_(codes))
    info: dict[str, dict[str, Any]] = {}
    for p in s.scalars(q.order_by(WasteProfile.id)):
        if p.waste_code in info:
            continue
        try:
            entry = waste_entry(p.waste_code)
        except _Err:
            entry = {}
        info[p.waste_code] = {
            "name": p.name,
            "catalogue_name": entry.get("description", ""),
            "category": p.category,
            "harmful": p.harmful_components,
            "form": p.form,
            "hazards": "/".join(p.hazards),
            "packaging": p.packaging,
            "process": p.process,
        }
    return info


def build(s: Session, ctx: Context, ent: Enterprise, period: Period) -> Report:
    """Build the appendix C report of ``ent`` for ``period`` from its ledger entries."""
    tz = ZoneInfo(ctx.settings.timezone)
    start = dt.datetime.combine(period.first_day, dt.time(), tzinfo=tz)
    stop = dt.datetime.combine(period.next_day, dt.time(), tzinfo=tz)
    rows = report_rows(moves_from_entries(ent.uscc, entries_of(s, ent)), start, stop)
    receivers: dict[str, tuple[str, str]] = {}
    usccs = {rcv for r in rows for rcv, _ in r.out_g}
    if usccs:
        for e in s.scalars(sa.select(Enterprise).where(Enterprise.uscc.in_(usccs))):
            permit = str((e.permits.get("operating") or {}).get("number") or "")
            receivers[e.uscc] = (e.name, permit)
    headers = c_headers(period.kind)
    table = c_rows(rows, waste_info(s, ent, {r.waste_code for r in rows}), receivers)
    content = {
        "standard": "HJ 1259-2022",
        "table": TABLE[period.kind],
        "enterprise": {"uscc": ent.uscc, "name": ent.name},
        "management_class": ent.management_class,
        "period": period.key,
        "headers": headers,
        "rows": table,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    sha = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Report(ent, period, rows, headers, table, content, sha)


def report(ctx: Context, *, actor: Actor, enterprise_id: int | None, period: str) -> Report:
    """Return the report for review (built now from the ledger)."""
    p = Period.parse(period)
    with ctx.db.read_session() as s:
        ent = _enterprise(s, actor, enterprise_id)
        return build(s, ctx, ent, p)


def _require_declares(ent: Enterprise, p: Period) -> None:
    """Refuse a report the enterprise's management class does not declare (HJ 1259-2022 7.2)."""
    cls = ManagementClass(ent.management_class) if ent.management_class else None
    if cls is None or p.kind not in DECLARES[cls]:
        raise Conflict(
            zh="本单位的管理类别不申报该类报表",
            en="the enterprise's management class does not declare this kind of report",
            code="declaration.not_required",
            detail={"class": ent.management_class, "kind": p.kind.value},
        )


def _next_version(s: Session, ent: Enterprise, p: Period, reason: str) -> tuple[int, str]:
    """The version this submission will be, and its reason (a correction, version 2 on, needs
    one)."""
    last = s.scalar(
        sa.select(sa.func.max(Declaration.version)).where(
            Declaration.enterprise_id == ent.id, Declaration.period == p.key
        )
    )
    version = int(last or 0) + 1
    why = reason.strip()
    if version > 1 and not why:
        raise BadValue(
            zh="更正已申报的报表须说明原因",
            en="a correction of a declared report needs a reason",
            code="declaration.reason_required",
        )
    return version, why


def submit(
    ctx: Context,
    *,
    actor: Actor,
    period: str,
    reviewed_sha256: str,
    reason: str = "",
) -> Declaration:
    """The producer's administrator confirms and submits the report it reviewed; a report that
    changed since the review is refused (review it again). A period declared already is
    corrected by a new version, which needs a reason."""
    require_role(actor, Role.ADMIN)
    p = Period.parse(period)
    today = ctx.today()
    if p.next_day > today:
        raise Conflict(
            zh=f"{p.label_zh}尚未结束，不能申报",
            en=f"{p.key} has not ended yet",
            code="declaration.period_open",
        )
    with ctx.uow() as uow:
        s = uow.session
        ent = _enterprise(s, actor, None)
        _require_declares(ent, p)
        rep = build(s, ctx, ent, p)
        if rep.sha256 != reviewed_sha256:
            raise Conflict(
                zh="报表内容在审核后已变化，请重新审核后再提交",
                en="the report changed since it was reviewed: review it again",
                code="declaration.changed",
                detail={"sha256": rep.sha256},
            )
        version, why = _next_version(s, ent, p, reason)
        entry = uow.record(
            entry_type="declaration.submit",
            subject=f"declaration:{ent.uscc}:{p.key}",
            actor=actor.username,
            enterprise=ent.uscc,
            payload={
                "period": p.key,
                "table": TABLE[p.kind],
                "version": version,
                "content_sha256": rep.sha256,
                "rows": len(rep.table),
                "deadline": p.deadline.isoformat(),
                "reason": why,
            },
        )
        d = Declaration(
            park_id=ent.park_id,
            enterprise_id=ent.id,
            period=p.key,
            kind=p.kind.value,
            version=version,
            content=rep.content,
            content_sha256=rep.sha256,
            reason=why,
            submitted_by=actor.username,
            submitted_at=ctx.now(),
            submitted_on=today,
            seq=entry.seq,
        )
        s.add(d)
        uow.commit()
        return d


def history(ctx: Context, *, actor: Actor, enterprise_id: int | None) -> list[Declaration]:
    """Return an enterprise's submitted declarations, newest first."""
    with ctx.db.read_session() as s:
        ent = _enterprise(s, actor, enterprise_id)
        return list(
            s.scalars(
                sa.select(Declaration)
                .where(Declaration.enterprise_id == ent.id)
                .order_by(Declaration.period.desc(), Declaration.version.desc())
            )
        )


def submitted(
    ctx: Context, *, actor: Actor, enterprise_id: int | None, period: str, version: int
) -> Declaration:
    """Return one submitted version as it was submitted."""
    with ctx.db.read_session() as s:
        ent = _enterprise(s, actor, enterprise_id)
        d = s.scalar(
            sa.select(Declaration).where(
                Declaration.enterprise_id == ent.id,
                Declaration.period == period,
                Declaration.version == version,
            )
        )
        if d is None:
            raise NotFound(zh="未找到该申报", en="no such declaration", detail={"period": period})
        return d


@dataclass(frozen=True)
class Due:
    """One declaration an enterprise owes: its period, deadline and state."""

    enterprise_id: int
    enterprise: str
    period: Period
    deadline: dt.date
    days_left: int
    version: int  # 0: not declared
    submitted_on: dt.date | None
    late: bool
    remind: bool  # within REMIND_DAYS of the deadline and not declared


def _dues(s: Session, ents: list[Enterprise], today: dt.date) -> list[Due]:
    ids = [e.id for e in ents]
    # per (enterprise, period): the latest version and the day the first one was submitted
    first: dict[tuple[int, str], tuple[int, dt.date]] = {}
    if ids:
        for d in s.scalars(
            sa.select(Declaration)
            .where(Declaration.enterprise_id.in_(ids))
            .order_by(Declaration.version)
        ):
            key = (d.enterprise_id, d.period)
            first[key] = (d.version, first[key][1] if key in first else d.submitted_on)
    out: list[Due] = []
    for e in ents:
        if not e.management_class or e.class_since is None:
            continue
        cls = ManagementClass(e.management_class)
        for p in due(cls, today, since=e.class_since):
            version, on = first.get((e.id, p.key), (0, None))
            left = (p.deadline - today).days
            out.append(
                Due(
                    e.id,
                    e.name,
                    p,
                    p.deadline,
                    left,
                    version,
                    on,
                    late(p, on, today),
                    version == 0 and 0 <= left <= REMIND_DAYS,
                )
            )
    return out


def todo(ctx: Context, *, actor: Actor) -> list[Due]:
    """Return the caller's declarations due (its own enterprise), open ones first."""
    today = ctx.today()
    with ctx.db.read_session() as s:
        ent = s.get(Enterprise, actor.enterprise_id)
        if ent is None or ent.kind != EnterpriseKind.PRODUCER.value:
            return []
        items = _dues(s, [ent], today)
    return sorted(items, key=lambda d: (d.version > 0, d.deadline))


def park_status(ctx: Context, *, actor: Actor) -> list[Due]:
    """The park's view: every producer's declarations due, the late ones first."""
    if not actor.sees_whole_park:
        raise Forbidden(
            zh="只有园区可以查看各单位申报情况", en="only the park sees every declaration"
        )
    today = ctx.today()
    with ctx.db.read_session() as s:
        ents = list(
            s.scalars(
                sa.select(Enterprise)
                .where(
                    Enterprise.park_id == actor.park_id,
                    Enterprise.kind == EnterpriseKind.PRODUCER.value,
                )
                .order_by(Enterprise.id)
            )
        )
        items = _dues(s, ents, today)
    return sorted(items, key=lambda d: (not d.late, d.version > 0, d.deadline, d.enterprise_id))
