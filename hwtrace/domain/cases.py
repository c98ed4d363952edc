"""Cases (预警处置闭环): every alarm and warning handled to closure.

::

    opened ──assign──▶ assigned ──handle──▶ handled ──verify──▶ closed
                          ▲                    │
                          └──────send back─────┘

A case is opened for the enterprise concerned and assigned to it at once (an alarm's room
belongs to its producer; a transfer's warning may be assigned on to the transporter or the
receiver whose step it is). The assignee handles it with a note and evidence (a photo or a
file whose SHA-256 goes into the ledger); the park administrator verifies and closes it or
sends it back. Each case has a deadline by severity; an overdue case escalates first to the
enterprise's administrator, then, one more deadline later, to the park. Every step is a
ledger entry. The deadlines are the park's own practice (督办), not a national standard's.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum, StrEnum

from hwtrace.domain.errors import Conflict


class CaseStatus(StrEnum):
    """Where a case stands."""

    OPENED = "opened"
    ASSIGNED = "assigned"
    HANDLED = "handled"
    CLOSED = "closed"


class CaseAction(StrEnum):
    """A step of the loop."""

    ASSIGN = "assign"
    HANDLE = "handle"
    VERIFY = "verify"
    SEND_BACK = "send_back"


class Severity(StrEnum):
    """How urgent (the warning's or alarm's level)."""

    RED = "red"
    AMBER = "amber"


class Escalation(IntEnum):
    """Who is chased about an overdue case."""

    NONE = 0
    ENTERPRISE_ADMIN = 1
    PARK = 2


STATUS_ZH = {
    CaseStatus.OPENED: "待派发",
    CaseStatus.ASSIGNED: "待处置",
    CaseStatus.HANDLED: "待核查",
    CaseStatus.CLOSED: "已办结",
}
ACTION_ZH = {
    CaseAction.ASSIGN: "派发",
    CaseAction.HANDLE: "处置",
    CaseAction.VERIFY: "核查办结",
    CaseAction.SEND_BACK: "退回",
}
ESCALATION_ZH = {
    Escalation.NONE: "",
    Escalation.ENTERPRISE_ADMIN: "已督办至单位管理员",
    Escalation.PARK: "已督办至园区",
}

DEADLINE_HOURS = {Severity.RED: 4, Severity.AMBER: 24}

_NEXT = {
    (CaseStatus.OPENED, CaseAction.ASSIGN): CaseStatus.ASSIGNED,
    (CaseStatus.ASSIGNED, CaseAction.ASSIGN): CaseStatus.ASSIGNED,  # passed on
    (CaseStatus.ASSIGNED, CaseAction.HANDLE): CaseStatus.HANDLED,
    (CaseStatus.HANDLED, CaseAction.VERIFY): CaseStatus.CLOSED,
    (CaseStatus.HANDLED, CaseAction.SEND_BACK): CaseStatus.ASSIGNED,
}


def next_status(status: CaseStatus, action: CaseAction) -> CaseStatus:
    """Return the status after ``action``; raise ``Conflict`` (``case.wrong_state``)."""
    try:
        return _NEXT[(status, action)]
    except KeyError:
        raise Conflict(
            zh=f"案件当前为「{STATUS_ZH[status]}」，不能{ACTION_ZH[action]}",
            en=f"a case that is {status.value} cannot be {action.value}",
            code="case.wrong_state",
            detail={"status": status.value, "action": action.value},
        ) from None


def allowed(status: CaseStatus) -> list[CaseAction]:
    """Return the actions possible from ``status``."""
    return [a for (s, a) in _NEXT if s is status]


def deadline(opened: dt.datetime, severity: Severity) -> dt.datetime:
    """Return when a case must be handled by."""
    return opened + dt.timedelta(hours=DEADLINE_HOURS[severity])


def escalation(
    status: CaseStatus, due: dt.datetime, severity: Severity, now: dt.datetime
) -> Escalation:
    """Return how far an open case is escalated at ``now``: past its deadline to the
    enterprise's administrator, one more deadline period later to the park. A handled case
    waits for the park and escalates no further; a closed one never does."""
    if status in (CaseStatus.CLOSED, CaseStatus.HANDLED) or now < due:
        return Escalation.NONE
    if now < due + dt.timedelta(hours=DEADLINE_HOURS[severity]):
        return Escalation.ENTERPRISE_ADMIN
    return Escalation.PARK
