"""The checks at loading, rule by rule: 《危险废物转移管理办法》第十三条第三款 — the shipper checks
the carrier's permits, vehicle and personnel, and that the label matches the manifest; if not,
it does not load. Every refusal has a stable code and cites the article in zh and en."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hwtrace.domain import loading as L
from hwtrace.domain.errors import BadValue, Conflict

TODAY = dt.date(2026, 11, 30)
TOL = Decimal("1")
VEHICLE = L.VehicleFacts("苏E12345", "苏交运管苏字320500123456号", TODAY, True, True)
DRIVER = L.StaffFacts("王师傅", L.StaffRole.DRIVER, "320500000001", TODAY, True)
LINE = L.LineFacts("CODE1", "900-041-49", 25_500)


def refused(code: str, err: pytest.ExceptionInfo[Conflict]) -> None:
    e = err.value
    assert e.code == f"loading.{code}" and e.status == 409
    assert "第十三条第三款" in e.message_zh and "art. 13 para. 3" in e.message_en
    assert "不得装车" in e.message_zh and "loading is refused" in e.message_en
    assert e.detail["article"] == "第十三条第三款"


def test_carrier_without_a_dangerous_goods_permit_is_refused() -> None:
    """第十三条第三款: the carrier's permits — none at all."""
    with pytest.raises(Conflict) as err:
        L.check_carrier_permit({}, TODAY, "运输公司")
    refused("carrier_permit_missing", err)


def test_carrier_whose_permit_expired_is_refused_and_the_last_valid_day_loads() -> None:
    """第十三条第三款: the carrier's permit must be valid on the day of loading (its last
    valid day included)."""
    permits = {"transport": {"number": "P1", "valid_until": "2026-11-29"}}
    with pytest.raises(Conflict) as err:
        L.check_carrier_permit(permits, TODAY, "运输公司")
    refused("carrier_permit_expired", err)
    assert err.value.detail["valid_until"] == "2026-11-29"
    ok = {"transport": {"number": "P1", "valid_until": TODAY.isoformat()}}
    assert L.check_carrier_permit(ok, TODAY, "运输公司") == "P1"
    assert L.check_carrier_permit({"transport": {"number": "P2"}}, TODAY, "x") == "P2"


def test_vehicle_the_carrier_has_not_registered_is_refused() -> None:
    """第十三条第三款: the vehicle — unknown to the carrier, or retired."""
    with pytest.raises(Conflict) as err:
        L.check_vehicle(None, "苏E99999", TODAY)
    refused("vehicle_unknown", err)
    retired = L.VehicleFacts("苏E12345", "N", TODAY, True, False)
    with pytest.raises(Conflict) as err:
        L.check_vehicle(retired, "苏E12345", TODAY)
    refused("vehicle_unknown", err)


def test_vehicle_whose_road_transport_certificate_expired_is_refused() -> None:
    """第十三条第三款: the vehicle's 道路运输证 must be valid on the day of loading."""
    L.check_vehicle(VEHICLE, VEHICLE.plate, TODAY)  # the last valid day loads
    old = L.VehicleFacts("苏E12345", "N", TODAY - dt.timedelta(days=1), True, True)
    with pytest.raises(Conflict) as err:
        L.check_vehicle(old, old.plate, TODAY)
    refused("vehicle_certificate_expired", err)


def test_vehicle_not_approved_for_dangerous_goods_is_refused() -> None:
    """第十三条第三款: a vehicle whose certificate does not cover dangerous goods."""
    plain = L.VehicleFacts("苏E12345", "N", TODAY, False, True)
    with pytest.raises(Conflict) as err:
        L.check_vehicle(plain, plain.plate, TODAY)
    refused("vehicle_not_approved", err)


def test_driver_who_is_not_a_qualified_driver_of_the_carrier_is_refused() -> None:
    """第十三条第三款: the personnel — no record, retired, or an escort only."""
    L.check_driver(DRIVER, "wang", TODAY)
    escort = L.StaffFacts("李", L.StaffRole.ESCORT, "Q", TODAY, True)
    gone = L.StaffFacts("王", L.StaffRole.DRIVER, "Q", TODAY, False)
    for staff in (None, escort, gone):
        with pytest.raises(Conflict) as err:
            L.check_driver(staff, "wang", TODAY)
        refused("driver_unqualified", err)


def test_driver_whose_qualification_expired_is_refused() -> None:
    """第十三条第三款: the driver's 从业资格证 must be valid on the day of loading."""
    old = L.StaffFacts("王", L.StaffRole.DRIVER, "Q", TODAY - dt.timedelta(days=1), True)
    with pytest.raises(Conflict) as err:
        L.check_driver(old, "wang", TODAY)
    refused("driver_qualification_expired", err)


def test_label_of_a_batch_not_on_the_manifest_is_refused() -> None:
    """第十三条第三款: the label's batch code must be on the manifest."""
    with pytest.raises(Conflict) as err:
        L.check_label(L.LabelFacts("OTHER", "900-041-49", None), LINE, TOL)
    refused("label_not_on_manifest", err)
    with pytest.raises(Conflict) as err:
        L.check_label(L.LabelFacts("CODE1", "900-041-49", None), None, TOL)
    refused("label_not_on_manifest", err)


def test_label_whose_waste_code_differs_from_the_manifest_line_is_refused() -> None:
    """第十三条第三款: the label's waste code must be the manifest line's."""
    with pytest.raises(Conflict) as err:
        L.check_label(L.LabelFacts("CODE1", "900-249-08", 25_500), LINE, TOL)
    refused("label_waste_code", err)
    assert err.value.detail["manifest_waste_code"] == "900-041-49"


def test_label_weight_beyond_the_tolerance_is_refused_and_within_it_loads() -> None:
    """第十三条第三款: the label's weight must match the manifest line's; the rules give no
    number, so the tolerance (1 % here) is inclusive and relative to the line's weight."""
    for grams in (25_500, 25_755, 25_245):  # equal, +1 %, -1 %: loads
        L.check_label(L.LabelFacts("CODE1", "900-041-49", grams), LINE, TOL)
    for grams in (25_756, 25_244, 30_000):
        with pytest.raises(Conflict) as err:
            L.check_label(L.LabelFacts("CODE1", "900-041-49", grams), LINE, TOL)
        refused("label_weight", err)
    assert err.value.detail["label_kg"] == "30.000"
    assert err.value.detail["manifest_kg"] == "25.500"
    assert err.value.detail["tolerance_pct"] == "1"
    # A bare code carries no weight: its code and waste code are checked, not a weight.
    L.check_label(L.LabelFacts("CODE1", "900-041-49", None), LINE, TOL)
    # A stricter park setting refuses what 1 % allows.
    with pytest.raises(Conflict):
        L.check_label(L.LabelFacts("CODE1", "900-041-49", 25_600), LINE, Decimal("0.1"))


def test_records_are_checked_and_normalized() -> None:
    plate, number, until = L.check_vehicle_record(" 苏e·12345 ", " N1 ", "2027-01-31")
    assert (plate, number, until) == ("苏E12345", "N1", dt.date(2027, 1, 31))
    name, role, q, _ = L.check_staff_record(" 王师傅 ", "driver", "Q1", dt.date(2027, 1, 1))
    assert (name, role, q) == ("王师傅", L.StaffRole.DRIVER, "Q1")
    for bad in (
        lambda: L.check_vehicle_record("ABC", "N", "2027-01-01"),
        lambda: L.check_vehicle_record("苏E12345", " ", "2027-01-01"),
        lambda: L.check_vehicle_record("苏E12345", "N", "31/01/2027"),
        lambda: L.check_staff_record("", "driver", "Q", "2027-01-01"),
        lambda: L.check_staff_record("王", "pilot", "Q", "2027-01-01"),
        lambda: L.check_staff_record("王", "driver", "x" * 65, "2027-01-01"),
    ):
        with pytest.raises(BadValue):
            bad()
