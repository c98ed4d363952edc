"""The state machine: every (status, action) pair is either the documented arrow or refused."""

from __future__ import annotations

import itertools

import pytest

from hwtrace.domain.errors import IllegalTransition
from hwtrace.domain.lifecycle import (
    TERMINAL,
    TRANSITIONS,
    Action,
    BatchStatus,
    Party,
    allowed_actions,
    next_status,
)

S, A, P = BatchStatus, Action, Party

# The arrows of docs/domain.md, written out independently of the table under test.
EXPECTED = {
    (S.REGISTERED, A.LABEL): (S.LABELLED, P.PRODUCER),
    (S.LABELLED, A.STORE): (S.STORED, P.PRODUCER),
    (S.STORED, A.UNSTORE): (S.AWAITING_PICKUP, P.PRODUCER),
    (S.AWAITING_PICKUP, A.STORE): (S.STORED, P.PRODUCER),
    (S.AWAITING_PICKUP, A.LOAD): (S.IN_TRANSIT, P.TRANSPORTER),
    (S.IN_TRANSIT, A.RECEIVE): (S.RECEIVED, P.RECEIVER),
    (S.IN_TRANSIT, A.REJECT): (S.REJECTED, P.RECEIVER),
    (S.RECEIVED, A.UTILIZE): (S.UTILIZED, P.RECEIVER),
    (S.RECEIVED, A.DISPOSE): (S.DISPOSED, P.RECEIVER),
    (S.STORED, A.UTILIZE): (S.UTILIZED, P.PRODUCER),
    (S.STORED, A.DISPOSE): (S.DISPOSED, P.PRODUCER),
    (S.REJECTED, A.STORE): (S.STORED, P.PRODUCER),
    (S.REJECTED, A.LOAD): (S.IN_TRANSIT, P.TRANSPORTER),
    (S.REGISTERED, A.VOID): (S.VOIDED, P.PRODUCER),
    (S.LABELLED, A.VOID): (S.VOIDED, P.PRODUCER),
    (S.STORED, A.VOID): (S.VOIDED, P.PRODUCER),
    (S.AWAITING_PICKUP, A.VOID): (S.VOIDED, P.PRODUCER),
}

ALL_PAIRS = list(itertools.product(BatchStatus, [a for a in Action if a is not A.REGISTER]))


def test_table_is_exactly_the_documented_arrows() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p in EXPECTED])
def test_allowed_transition(status: BatchStatus, action: Action) -> None:
    assert next_status(status, action) == EXPECTED[(status, action)]
    assert action in allowed_actions(status)


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p not in EXPECTED])
def test_refused_transition(status: BatchStatus, action: Action) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(status, action)
    body = err.value.to_dict()
    assert body["code"] == "batch.illegal_transition"
    assert body["status"] == 409
    assert body["message"] and body["message_en"]
    assert body["detail"]["status"] == status.value


def test_terminal_states_have_no_way_out() -> None:
    for status in TERMINAL:
        assert allowed_actions(status) == []


def test_void_only_before_transit() -> None:
    after = {S.IN_TRANSIT, S.RECEIVED, S.REJECTED, S.UTILIZED, S.DISPOSED, S.VOIDED}
    for status in after:
        assert A.VOID not in allowed_actions(status)
