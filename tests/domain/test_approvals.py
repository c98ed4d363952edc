"""Cross-province transfer approvals, the rules alone (部令第23号 第二十一–二十八条: the reference
lists these rules under the range; which article states each is not confirmed)."""

from __future__ import annotations

import datetime as dt

import pytest

from hwtrace.domain import approvals as A
from hwtrace.domain.errors import BadValue, Conflict

D = dt.date
TODAY = D(2026, 6, 1)
CODE, OTHER = "900-041-49", "271-001-02"


def _approval(**kw: object) -> A.Approval:
    base: dict[str, object] = {
        "id": 1,
        "number": "苏环危转〔2026〕1号",
        "receiver_id": 7,
        "method": "D10",
        "valid_from": D(2026, 1, 1),
        "valid_to": D(2026, 12, 31),
        "approved_g": {CODE: 1_000_000},
    }
    base.update(kw)
    return A.Approval(**base)  # type: ignore[arg-type]


def _transfer(**kw: object) -> A.Transfer:
    base: dict[str, object] = {
        "receiver_id": 7,
        "receiver_name": "浙江处置",
        "method": "D10",
        "wanted_g": {CODE: 100_000},
        "day": TODAY,
    }
    base.update(kw)
    return A.Transfer(**base)  # type: ignore[arg-type]


def _code(approvals: list[A.Approval], t: A.Transfer) -> str:
    with pytest.raises(Conflict) as e:
        A.choose(approvals, t)
    assert "第二十一至二十八条" in e.value.message_zh and "arts. 21-28" in e.value.message_en
    return e.value.code


def test_crossing_provinces_is_the_receivers_province_against_the_parks() -> None:
    """第二十一–二十八条 apply to a receiver in another province; one without a recorded
    province is taken to be in the park's."""
    assert A.crosses_provinces("32", "33")
    assert not A.crosses_provinces("32", "32")
    assert not A.crosses_provinces("32", None)


def test_validity_is_at_most_twelve_months_art_21_28() -> None:
    """第二十一–二十八条: an approval is valid for up to 12 months."""
    A.check_validity(D(2026, 1, 1), D(2026, 12, 31), None)
    A.check_validity(D(2026, 3, 15), D(2027, 3, 14), None)
    with pytest.raises(BadValue) as e:
        A.check_validity(D(2026, 1, 1), D(2027, 1, 1), None)
    assert e.value.code == "approval.validity_too_long"
    assert e.value.detail == {"last_valid_day": "2026-12-31"}
    assert "十二个月" in e.value.message_zh and "第二十一至二十八条" in e.value.message_zh
    # a leap day: twelve months later is 28 February
    assert A.last_valid_day(D(2028, 2, 29)) == D(2029, 2, 27)
    with pytest.raises(BadValue) as e:
        A.check_validity(D(2026, 5, 1), D(2026, 4, 30), None)
    assert e.value.code == "approval.invalid_validity"


def test_validity_never_beyond_the_receivers_permit_art_21_28() -> None:
    """第二十一–二十八条: nor beyond the receiver's operating permit."""
    A.check_validity(D(2026, 1, 1), D(2026, 9, 30), D(2026, 9, 30))
    with pytest.raises(BadValue) as e:
        A.check_validity(D(2026, 1, 1), D(2026, 10, 1), D(2026, 9, 30))
    assert e.value.code == "approval.beyond_receiver_permit"
    assert "经营许可证" in e.value.message_zh and "2026-09-30" in e.value.message_en


def test_no_approval_refuses_a_cross_province_transfer_art_21_28() -> None:
    """第二十一–二十八条: a cross-province transfer needs the dispatching province's approval."""
    assert _code([], _transfer()) == "approval.missing"


def test_outside_the_validity_a_new_application_is_needed_art_21_28() -> None:
    t = _transfer(day=D(2027, 1, 1))
    assert _code([_approval()], t) == "approval.not_valid"
    with pytest.raises(Conflict) as e:
        A.choose([_approval()], t)
    assert "须重新申请" in e.value.message_zh and "new cross-province application" in (
        e.value.message_en
    )


def test_each_change_that_needs_a_new_application_art_21_28() -> None:
    """第二十一–二十八条: kinds changed, weight exceeded, method changed, receiver changed."""
    a = _approval()
    assert _code([a], _transfer(receiver_id=8)) == "approval.receiver_changed"
    assert _code([a], _transfer(method="R4")) == "approval.method_changed"
    assert _code([a], _transfer(wanted_g={CODE: 1, OTHER: 1})) == "approval.kinds_changed"
    assert _code([a], _transfer(wanted_g={CODE: 1_000_001})) == "approval.weight_exceeded"
    with pytest.raises(Conflict) as e:
        A.choose([a], _transfer(wanted_g={CODE: 1, OTHER: 1}))
    assert e.value.detail["codes"] == [OTHER]
    for what in ("须重新申请", "第二十一至二十八条"):
        assert what in e.value.message_zh


def test_weight_is_cumulative_across_transfers_art_21_28() -> None:
    """Several transfers within one approval; together they may not exceed the approved weight."""
    a = _approval(used_g={CODE: 950_000})
    assert A.choose([a], _transfer(wanted_g={CODE: 50_000})) is a
    with pytest.raises(Conflict) as e:
        A.choose([a], _transfer(wanted_g={CODE: 50_001}))
    assert e.value.code == "approval.weight_exceeded"
    assert e.value.detail["remaining_kg"] == "50.000"


def test_the_approval_ending_first_is_used() -> None:
    early = _approval(id=2, valid_to=D(2026, 8, 31))
    late = _approval(id=3)
    assert A.choose([late, early], _transfer()) is early
    # one without enough left is passed over
    full = _approval(id=4, valid_to=D(2026, 7, 31), used_g={CODE: 1_000_000})
    assert A.choose([full, late], _transfer()) is late


def test_the_receiver_no_longer_qualifying_needs_a_new_application_art_21_28() -> None:
    """第二十一–二十八条: when the receiver no longer qualifies (permit expired, missing or not
    covering the kinds)."""
    permit = {"operating": {"number": "ZJ1", "codes": [CODE], "valid_until": "2026-06-30"}}
    A.check_receiver_qualifies(permit, {CODE}, D(2026, 6, 30), "浙江处置")
    for permits, codes, day in [
        (permit, {CODE}, D(2026, 7, 1)),
        (permit, {OTHER}, TODAY),
        ({}, {CODE}, TODAY),
    ]:
        with pytest.raises(Conflict) as e:
            A.check_receiver_qualifies(permits, codes, day, "浙江处置")
        assert e.value.code == "approval.receiver_unqualified"
        assert "须重新申请" in e.value.message_zh
