"""The batch lifecycle as an explicit state machine (docs/domain.md, "The life of a batch").

Every allowed arrow is one row of ``TRANSITIONS``; anything else is refused with
``IllegalTransition`` before anything is written. Each arrow is also the ledger entry type
written for it (``batch.<action>``).
"""

from __future__ import annotations

from enum import StrEnum

from hwtrace.domain.errors import IllegalTransition


class BatchStatus(StrEnum):
    """Where a batch is in its life."""

    REGISTERED = "REGISTERED"
    LABELLED = "LABELLED"
    STORED = "STORED"
    AWAITING_PICKUP = "AWAITING_PICKUP"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    REJECTED = "REJECTED"
    UTILIZED = "UTILIZED"
    DISPOSED = "DISPOSED"
    VOIDED = "VOIDED"


class Party(StrEnum):
    """Which side of a handover performs an action."""

    PRODUCER = "producer"
    TRANSPORTER = "transporter"
    RECEIVER = "receiver"


class Action(StrEnum):
    """What a user can do to a batch; each is one ledger entry ``batch.<value>``."""

    REGISTER = "register"
    LABEL = "label"
    STORE = "store"
    UNSTORE = "unstore"
    LOAD = "load"
    RECEIVE = "receive"
    REJECT = "reject"
    UTILIZE = "utilize"
    DISPOSE = "dispose"
    VOID = "void"


S = BatchStatus
A = Action
P = Party

# (from status, action) -> (to status, the party that performs it)
TRANSITIONS: dict[tuple[BatchStatus, Action], tuple[BatchStatus, Party]] = {
    (S.REGISTERED, A.LABEL): (S.LABELLED, P.PRODUCER),
    (S.LABELLED, A.STORE): (S.STORED, P.PRODUCER),
    (S.STORED, A.UNSTORE): (S.AWAITING_PICKUP, P.PRODUCER),
    # A batch scanned out by mistake, or a pickup that did not come, goes back into storage.
    (S.AWAITING_PICKUP, A.STORE): (S.STORED, P.PRODUCER),
    (S.AWAITING_PICKUP, A.LOAD): (S.IN_TRANSIT, P.TRANSPORTER),
    (S.IN_TRANSIT, A.RECEIVE): (S.RECEIVED, P.RECEIVER),
    (S.IN_TRANSIT, A.REJECT): (S.REJECTED, P.RECEIVER),
    (S.RECEIVED, A.UTILIZE): (S.UTILIZED, P.RECEIVER),
    (S.RECEIVED, A.DISPOSE): (S.DISPOSED, P.RECEIVER),
    # Self-utilization/disposal on site (自行利用处置) by the producer.
    (S.STORED, A.UTILIZE): (S.UTILIZED, P.PRODUCER),
    (S.STORED, A.DISPOSE): (S.DISPOSED, P.PRODUCER),
    # A rejected batch is returned to the producer's storage, or re-routed (loaded again).
    (S.REJECTED, A.STORE): (S.STORED, P.PRODUCER),
    (S.REJECTED, A.LOAD): (S.IN_TRANSIT, P.TRANSPORTER),
    (S.REGISTERED, A.VOID): (S.VOIDED, P.PRODUCER),
    (S.LABELLED, A.VOID): (S.VOIDED, P.PRODUCER),
    (S.STORED, A.VOID): (S.VOIDED, P.PRODUCER),
    (S.AWAITING_PICKUP, A.VOID): (S.VOIDED, P.PRODUCER),
}

TERMINAL: frozenset[BatchStatus] = frozenset({S.UTILIZED, S.DISPOSED, S.VOIDED})

# Statuses in which the batch is physically in the producer's storage room.
IN_STORAGE: frozenset[BatchStatus] = frozenset({S.STORED})

_STATUS_ZH = {
    S.REGISTERED: "已登记",
    S.LABELLED: "已贴标",
    S.STORED: "已入库",
    S.AWAITING_PICKUP: "已出库待转运",
    S.IN_TRANSIT: "转运中",
    S.RECEIVED: "已接收",
    S.REJECTED: "已拒收",
    S.UTILIZED: "已利用",
    S.DISPOSED: "已处置",
    S.VOIDED: "已作废",
}

_ACTION_ZH = {
    A.REGISTER: "登记",
    A.LABEL: "打印标签",
    A.STORE: "入库",
    A.UNSTORE: "出库",
    A.LOAD: "装车",
    A.RECEIVE: "接收",
    A.REJECT: "拒收",
    A.UTILIZE: "利用",
    A.DISPOSE: "处置",
    A.VOID: "作废",
}


def status_zh(status: BatchStatus) -> str:
    """Return the Chinese name of a status."""
    return _STATUS_ZH[status]


def action_zh(action: Action) -> str:
    """Return the Chinese name of an action."""
    return _ACTION_ZH[action]


def next_status(current: BatchStatus, action: Action) -> tuple[BatchStatus, Party]:
    """Return the status after ``action`` and who performs it, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s == current)
        raise IllegalTransition(
            zh=f"批次当前状态为「{status_zh(current)}」，不能执行「{action_zh(action)}」",
            en=f"action '{action.value}' is not allowed for a batch in state {current.value}",
            detail={"status": current.value, "action": action.value, "allowed": allowed},
        ) from None


def allowed_actions(current: BatchStatus) -> list[Action]:
    """Return the actions allowed from ``current`` in table order."""
    return [a for (s, a) in TRANSITIONS if s == current]
