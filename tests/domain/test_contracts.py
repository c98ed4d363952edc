"""Contract rules: the state machine, terms, quantities in tonnes, what a transfer line uses and
which contract covers a transfer."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain.contracts import (
    ContractStatus,
    Terms,
    check_term,
    choose,
    contract_step,
    expiry_days,
    g_to_t,
    in_force,
    nearly_used,
    t_to_g,
    use_of_line,
    used_pct,
)
from hwtrace.domain.errors import HwtraceError

D = dt.date
C = ContractStatus


def test_steps() -> None:
    assert contract_step(C.PROPOSED, "confirm") is C.CONFIRMED
    assert contract_step(C.PROPOSED, "refuse") is C.REFUSED
    assert contract_step(C.CONFIRMED, "terminate") is C.TERMINATED
    for status, step in (
        (C.CONFIRMED, "confirm"),
        (C.REFUSED, "confirm"),
        (C.TERMINATED, "terminate"),
    ):
        with pytest.raises(HwtraceError) as e:
            contract_step(status, step)
        assert e.value.code == "contract.illegal_transition"


def test_terms_and_tonnes() -> None:
    check_term(D(2026, 1, 1), D(2026, 1, 1))
    with pytest.raises(HwtraceError) as e:
        check_term(D(2026, 2, 1), D(2026, 1, 1))
    assert e.value.code == "contract.invalid_term"
    assert t_to_g("1.5") == 1_500_000 and t_to_g("0.000001") == 1
    assert g_to_t(1_250_000) == "1.250000"
    for bad in ("0", "-1", "abc", "NaN", "2000000"):
        with pytest.raises(HwtraceError):
            t_to_g(bad)


def test_in_force_only_confirmed_and_within_the_term() -> None:
    a, b = D(2026, 1, 1), D(2026, 12, 31)
    assert in_force(C.CONFIRMED, a, b, a) and in_force(C.CONFIRMED, a, b, b)
    assert not in_force(C.CONFIRMED, a, b, D(2027, 1, 1))
    assert not in_force(C.CONFIRMED, a, b, D(2025, 12, 31))
    assert not in_force(C.PROPOSED, a, b, D(2026, 6, 1))
    assert not in_force(C.TERMINATED, a, b, D(2026, 6, 1))


def test_use_of_a_line() -> None:
    assert use_of_line("PENDING", "REQUESTED", 100, None, 0) == 100
    assert use_of_line("LOADED", "MANIFESTED", 100, None, 0) == 100
    assert use_of_line("PENDING", "CANCELLED", 100, None, 0) == 0
    assert use_of_line("PENDING", "DECLINED", 100, None, 0) == 0
    assert use_of_line("ACCEPTED", "MANIFESTED", 100, 103, 0) == 103
    assert use_of_line("PARTIAL", "MANIFESTED", 100, 100, 20) == 80
    assert use_of_line("REJECTED", "MANIFESTED", 100, 100, 100) == 0
    assert use_of_line("NOT_LOADED", "MANIFESTED", 100, None, 0) == 0
    assert use_of_line("MISSING", "MANIFESTED", 100, None, 0) == 100


def _terms(
    i: int,
    to: dt.date,
    q: dict[str, int],
    used: dict[str, int] | None = None,
    transporter: int | None = None,
    status: C = C.CONFIRMED,
) -> Terms:
    return Terms(i, f"HT-{i}", status, D(2026, 1, 1), to, transporter, q, used or {})


def test_choose_covers_each_code_with_the_contract_ending_first() -> None:
    day = D(2026, 6, 1)
    long = _terms(1, D(2026, 12, 31), {"900-041-49": 1000, "271-001-02": 500})
    short = _terms(2, D(2026, 8, 31), {"900-041-49": 300})
    got = choose(
        [long, short],
        {"900-041-49": 200, "271-001-02": 100},
        day=day,
        transporter_id=9,
        receiver_name="R",
    )
    assert got["900-041-49"].id == 2 and got["271-001-02"].id == 1
    # the short one has too little left: the long one takes it
    short_used = _terms(2, D(2026, 8, 31), {"900-041-49": 300}, {"900-041-49": 250})
    got = choose(
        [long, short_used], {"900-041-49": 200}, day=day, transporter_id=9, receiver_name="R"
    )
    assert got["900-041-49"].id == 1


def test_choose_refuses_uncovered_and_exhausted() -> None:
    day = D(2026, 6, 1)
    c = _terms(1, D(2026, 12, 31), {"900-041-49": 1000}, {"900-041-49": 900})
    with pytest.raises(HwtraceError) as e:
        choose([c], {"271-001-02": 1}, day=day, transporter_id=9, receiver_name="R")
    assert e.value.code == "contract.not_covered" and "271-001-02" in e.value.message_zh
    with pytest.raises(HwtraceError) as e:
        choose([c], {"900-041-49": 101}, day=day, transporter_id=9, receiver_name="R")
    assert e.value.code == "contract.quantity_exceeded"
    assert e.value.detail["remaining_kg"] == "0.100"
    assert choose([c], {"900-041-49": 100}, day=day, transporter_id=9, receiver_name="R")
    # expired, not confirmed, or naming another transporter: not a cover
    for other in (
        _terms(2, D(2026, 5, 31), {"271-001-02": 10}),
        _terms(3, D(2026, 12, 31), {"271-001-02": 10}, status=C.PROPOSED),
        _terms(4, D(2026, 12, 31), {"271-001-02": 10}, transporter=8),
    ):
        with pytest.raises(HwtraceError) as e:
            choose([other], {"271-001-02": 1}, day=day, transporter_id=9, receiver_name="R")
        assert e.value.code == "contract.not_covered"
    named = _terms(5, D(2026, 12, 31), {"271-001-02": 10}, transporter=9)
    assert choose([named], {"271-001-02": 1}, day=day, transporter_id=9, receiver_name="R")


def test_warning_thresholds() -> None:
    today = D(2026, 6, 1)
    assert expiry_days(D(2026, 7, 1), today) == 30
    assert expiry_days(D(2026, 7, 2), today) is None
    assert expiry_days(D(2026, 5, 31), today) is None
    assert used_pct(799, 1000) == 79 and not nearly_used(799, 1000)
    assert nearly_used(800, 1000) and nearly_used(1200, 1000)
