"""The case state machine: the loop, send-back, deadlines and escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain import cases as C
from hwtrace.domain.errors import Conflict

S, A = C.CaseStatus, C.CaseAction
T0 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def test_the_loop_and_sending_back() -> None:
    s = C.next_status(S.OPENED, A.ASSIGN)
    assert s is S.ASSIGNED
    s = C.next_status(s, A.HANDLE)
    assert s is S.HANDLED
    assert C.next_status(s, A.SEND_BACK) is S.ASSIGNED
    assert C.next_status(s, A.VERIFY) is S.CLOSED
    assert C.allowed(S.CLOSED) == []


@pytest.mark.parametrize(
    ("status", "action"),
    [(S.OPENED, A.HANDLE), (S.ASSIGNED, A.VERIFY), (S.CLOSED, A.ASSIGN), (S.HANDLED, A.HANDLE)],
)
def test_steps_out_of_order_are_refused(status: C.CaseStatus, action: C.CaseAction) -> None:
    with pytest.raises(Conflict) as err:
        C.next_status(status, action)
    assert err.value.code == "case.wrong_state"


def test_deadlines_by_severity_and_escalation() -> None:
    red = C.deadline(T0, C.Severity.RED)
    assert red - T0 == dt.timedelta(hours=4)
    assert C.deadline(T0, C.Severity.AMBER) - T0 == dt.timedelta(hours=24)
    esc = C.escalation
    assert esc(S.ASSIGNED, red, C.Severity.RED, red - dt.timedelta(seconds=1)) is C.Escalation.NONE
    assert esc(S.ASSIGNED, red, C.Severity.RED, red) is C.Escalation.ENTERPRISE_ADMIN
    later = red + dt.timedelta(hours=4)
    assert esc(S.ASSIGNED, red, C.Severity.RED, later) is C.Escalation.PARK
    assert esc(S.HANDLED, red, C.Severity.RED, later) is C.Escalation.NONE
    assert esc(S.CLOSED, red, C.Severity.RED, later) is C.Escalation.NONE
