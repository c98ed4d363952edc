"""The sweep (巡检): every current warning becomes a case, once, and every case whose warning
has gone is noted as cleared; overdue cases escalate. Run by ``hwtrace sweep`` every minute
(``hwtrace/sweeper.py``) and on demand by the park administrator (``POST /api/v1/cases/sweep``).

One warning, one case: a case's ``source_key`` is ``warning:<the warning's stable key>`` and
is unique in the park, so two sweepers running at once (or a sweep and a request) open it
once; the loser's insert fails on the constraint before it writes any ledger entry. A warning
that comes back after its case was closed with the condition gone opens a new case
(``warning:<key>#2``, ``#3`` ...); one that lasts after its case was closed does not.

A case whose warning has gone is **not** closed by the sweep: the condition is noted
(``cleared_at``, ledger entry ``case.cleared``), escalation stops, and the case still waits for
the assignee's note and the park administrator's verification (the issue's loop: verified and
closed by the park). If the warning comes back before the case is closed, the note is taken
back (``case.recur``).

Only what the warnings list carries is judged gone: a kind with more current warnings than
``services.warnings.PER_KIND_LIMIT`` lists is left alone for clearing until its count falls.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hwtrace.domain import cases as D
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import NotFound
from hwtrace.domain.warnings import KIND_EN, KIND_ZH, Kind, Warning
from hwtrace.services import cases
from hwtrace.services import warnings as warnings_svc
from hwtrace.services.context import Context
from hwtrace.store.monitoring import CaseFile
from hwtrace.store.tables import Enterprise, Park

log = logging.getLogger("hwtrace.sweep")
PREFIX = "warning:"


@dataclass
class SweepResult:
    """What one sweep did."""

    opened: int = 0
    cleared: int = 0
    recurred: int = 0
    escalated: int = 0
    warnings: int = 0

    def as_json(self) -> dict[str, int]:
        """Return the JSON form."""
        return {
            "warnings": self.warnings,
            "opened": self.opened,
            "cleared": self.cleared,
            "recurred": self.recurred,
            "escalated": self.escalated,
        }


def run(ctx: Context, *, actor: Actor | None = None) -> SweepResult:
    """Sweep the park: open, clear and reopen warning cases, then escalate overdue cases. With
    ``actor`` (a request): the park administrator only."""
    if actor is not None:
        require_role(actor, Role.PARK_ADMIN)
    result = warning_cases(ctx)
    result.escalated = cases.escalate_overdue(ctx)
    return result


def _system_actor(ctx: Context) -> Actor:
    """The sweep reads the warnings of the whole park, as an auditor would (it changes
    nothing through the actor)."""
    with ctx.db.read_session() as s:
        park_id = s.scalar(sa.select(Park.id).where(Park.code == ctx.settings.park_code))
        if park_id is None:
            raise NotFound(zh="园区未初始化", en="the park is not set up")
        ent_id = s.scalar(
            sa.select(Enterprise.id)
            .where(Enterprise.park_id == park_id, Enterprise.kind == EnterpriseKind.PARK.value)
            .limit(1)
        )
    return Actor(
        user_id=0,
        username=cases.SYSTEM,
        enterprise_id=int(ent_id or 0),
        enterprise_kind=EnterpriseKind.PARK,
        role=Role.AUDITOR,
        park_id=int(park_id),
    )


def warning_cases(ctx: Context) -> SweepResult:
    """Open a case for every current warning that has none, note the cases whose warning has
    gone, and take the note back where it came back."""
    actor = _system_actor(ctx)
    current, counts = warnings_svc.compute(ctx, actor=actor)
    listed = Counter(w.kind.value for w in current)
    complete = {k.value for k in Kind if counts.get(k, 0) <= listed.get(k.value, 0)}
    result = SweepResult(warnings=len(current))
    by_key = {w.key: w for w in current}
    latest, count = _cases_of(ctx, actor.park_id, list(by_key))
    for key, w in by_key.items():
        case = latest.get(key)
        if case is None or (case.status is D.CaseStatus.CLOSED and case.cleared_at is not None):
            n = count.get(key, 0) + 1
            result.opened += _open(ctx, actor.park_id, w, n)
        elif case.cleared_at is not None:
            result.recurred += _mark(ctx, case.id, cleared=False)
    known = {k.value for k in Kind}
    for case_id, key in _lasting(ctx, actor.park_id):
        kind = key.split(":", 1)[0]  # a warning's key starts with its kind
        if key not in by_key and (kind in complete or kind not in known):
            result.cleared += _mark(ctx, case_id, cleared=True)
    return result


def _cases_of(
    ctx: Context, park_id: int, keys: list[str]
) -> tuple[dict[str, CaseFile], Counter[str]]:
    """Return the latest case of each warning key and how many cases each key has had."""
    latest: dict[str, CaseFile] = {}
    count: Counter[str] = Counter()
    with ctx.db.read_session() as s:
        for i in range(0, len(keys), 500):
            for c in s.scalars(
                sa.select(CaseFile)
                .where(CaseFile.park_id == park_id, CaseFile.warning_key.in_(keys[i : i + 500]))
                .order_by(CaseFile.id)
            ):
                assert c.warning_key is not None
                latest[c.warning_key] = c
                count[c.warning_key] += 1
    return latest, count


def _lasting(ctx: Context, park_id: int) -> list[tuple[int, str]]:
    """Return the warning cases whose condition is not noted as ended."""
    with ctx.db.read_session() as s:
        rows = s.execute(
            sa.select(CaseFile.id, CaseFile.warning_key).where(
                CaseFile.park_id == park_id,
                CaseFile.warning_key.is_not(None),
                CaseFile.cleared_at.is_(None),
            )
        ).all()
    return [(r.id, str(r.warning_key)) for r in rows]


def _open(ctx: Context, park_id: int, w: Warning, n: int) -> int:
    """Open the ``n``-th case of warning ``w``; return 1, or 0 if another sweeper did."""
    source_key = PREFIX + w.key + (f"#{n}" if n > 1 else "")
    handler = w.handler_id
    new = cases.NewCase(
        park_id=park_id,
        enterprise_id=w.enterprise_id,
        source="warning",
        source_key=source_key[:160],
        subject=w.subject[:120],
        severity=D.Severity(w.level.value),
        title_zh=f"{KIND_ZH.get(w.kind, w.kind.value)}：{w.subject} {w.message_zh}",
        title_en=f"{KIND_EN.get(w.kind, w.kind.value)}: {w.subject} {w.message_en}",
        assignee_id=handler if handler != w.enterprise_id else None,
        warning_key=w.key,
    )
    try:
        with ctx.uow() as uow:
            cases.open_case(uow, new)
            uow.commit()
    except IntegrityError:
        log.info("case %s already opened by another sweep", source_key)
        return 0
    return 1


def _mark(ctx: Context, case_id: int, *, cleared: bool) -> int:
    """Note a case's warning gone (``case.cleared``) or back (``case.recur``); return 1, or 0
    if another sweeper already did."""
    with ctx.uow() as uow:
        s = uow.session
        now = uow.now()
        cond = CaseFile.cleared_at.is_(None) if cleared else CaseFile.cleared_at.is_not(None)
        changed = s.execute(
            sa.update(CaseFile)
            .where(CaseFile.id == case_id, cond)
            .values(cleared_at=now if cleared else None)
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) != 1:
            return 0
        case = s.get_one(CaseFile, case_id)
        s.refresh(case)
        ent = s.get_one(Enterprise, case.enterprise_id)
        entry = uow.record(
            entry_type="case.cleared" if cleared else "case.recur",
            subject=f"case:{case.id}",
            actor=cases.SYSTEM,
            enterprise=ent.uscc,
            payload={"case": case.id, "warning": case.warning_key, "at": now.isoformat()},
        )
        case.last_seq = entry.seq
        uow.commit()
    return 1
