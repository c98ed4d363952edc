"""Transfer rules: booking and manifest steps, plates, windows, permits, weights, departure and
receipt (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hwtrace.domain import transport as T
from hwtrace.domain.errors import BadValue, Conflict

B, M = T.BookingStatus, T.ManifestStatus
NOW = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)
PERMITS = {"operating": {"number": "JS01", "codes": ["900-041-49"], "annual_capacity_t": "1"}}


def test_booking_steps() -> None:
    assert T.booking_step(B.REQUESTED, "accept") is B.ACCEPTED
    assert T.booking_step(B.ACCEPTED, "reschedule") is B.REQUESTED
    assert T.booking_step(B.ACCEPTED, "manifest") is B.MANIFESTED
    with pytest.raises(Conflict) as e:
        T.booking_step(B.DECLINED, "accept")
    assert e.value.code == "booking.illegal_transition"


def test_manifest_steps() -> None:
    assert T.manifest_step(M.CREATED, "depart") is M.IN_TRANSIT
    assert T.manifest_step(M.IN_TRANSIT, "confirm") is M.RECEIVED
    assert T.manifest_step(M.RECEIVED, "complete") is M.COMPLETED
    with pytest.raises(Conflict) as e:
        T.manifest_step(M.IN_TRANSIT, "cancel")  # voiding is only before departure
    assert e.value.code == "manifest.illegal_transition"


@pytest.mark.parametrize(("plate", "norm"), [("苏E3A621", "苏E3A621"), (" 苏e·3a621 ", "苏E3A621")])
def test_plates_are_normalized(plate: str, norm: str) -> None:
    assert T.check_plate(plate) == norm


@pytest.mark.parametrize("plate", ["E3A621", "苏I3A621", "苏E3A62", "ABC"])
def test_malformed_plates_are_refused(plate: str) -> None:
    with pytest.raises(BadValue) as e:
        T.check_plate(plate)
    assert e.value.code == "transport.invalid_plate"


def test_pickup_windows() -> None:
    T.check_window(NOW, NOW + dt.timedelta(days=14), NOW)
    with pytest.raises(BadValue):
        T.check_window(NOW, NOW, NOW)  # ends when it starts
    with pytest.raises(BadValue) as e:
        T.check_window(NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=1), NOW)
    assert e.value.code == "value.past_window"
    with pytest.raises(BadValue):
        T.check_window(NOW, NOW + dt.timedelta(days=14, seconds=1), NOW)


@pytest.mark.parametrize(
    ("sent", "got", "diff"),
    [(100_000, 101_000, None), (100_000, 99_000, None), (100_000, 101_010, "1.01"), (0, 1, "100")],
)
def test_weight_tolerance_is_inclusive(sent: int, got: int, diff: str | None) -> None:
    found = T.weight_discrepancy(sent, got, Decimal("1"))
    if diff is None:
        assert found is None
    else:
        assert found is not None and found["difference_pct"] == diff


def test_receiver_permits_cover_codes_and_capacity() -> None:
    kw = {"receiver_name": "绿源"}
    T.check_receiver_permit(
        PERMITS, waste_codes={"900-041-49"}, requested_g=400_000, used_g=600_000, **kw
    )
    with pytest.raises(Conflict) as e:
        T.check_receiver_permit({}, waste_codes={"900-041-49"}, requested_g=1, used_g=0, **kw)
    assert e.value.code == "permit.missing"
    with pytest.raises(Conflict) as e:
        T.check_receiver_permit(PERMITS, waste_codes={"900-249-08"}, requested_g=1, used_g=0, **kw)
    assert e.value.code == "permit.code_not_covered" and e.value.detail["codes"] == ["900-249-08"]
    with pytest.raises(Conflict) as e:
        T.check_receiver_permit(
            PERMITS, waste_codes={"900-041-49"}, requested_g=400_001, used_g=600_000, **kw
        )
    assert e.value.code == "permit.capacity_exceeded"
    assert e.value.detail == {"remaining_g": 400_000, "requested_g": 400_001}


def test_transport_permits() -> None:
    ok = {"transport": {"number": "苏交运1", "valid_until": "2026-06-15"}}
    assert T.check_transport_permit(ok, dt.date(2026, 6, 15), "安达") == "苏交运1"
    with pytest.raises(Conflict) as e:
        T.check_transport_permit(ok, dt.date(2026, 6, 16), "安达")
    assert e.value.code == "permit.expired"
    with pytest.raises(Conflict) as e:
        T.check_transport_permit({}, dt.date(2026, 6, 15), "安达")
    assert e.value.code == "permit.missing"


def test_booking_codes_and_driver() -> None:
    T.check_booking_codes(["A", "B"])
    for bad in ([], ["A", "A"]):
        with pytest.raises(BadValue):
            T.check_booking_codes(bad)
    assert T.check_driver_licence(" 3205 ") == "3205"
    with pytest.raises(BadValue):
        T.check_driver_licence("  ")


def test_departure_needs_something_loaded_and_a_reason_for_what_is_left() -> None:
    T.check_departure(["A"], [], None)
    T.check_departure(["A"], ["B"], "桶破损，留在厂内")
    with pytest.raises(Conflict) as e:
        T.check_departure([], [], None)
    assert e.value.code == "manifest.nothing_loaded"
    with pytest.raises(Conflict) as e:
        T.check_departure(["A"], ["B"], " ")
    assert e.value.code == "manifest.missing_batches" and e.value.detail == {"missing": ["B"]}


def test_partial_rejection() -> None:
    T.check_partial_rejection(100_000, 20_000, "混入不明液体")
    with pytest.raises(BadValue):
        T.check_partial_rejection(100_000, 100_000, "整批")  # that is a rejection
    with pytest.raises(BadValue):
        T.check_partial_rejection(100_000, 20_000, "")


def test_permit_form_checks() -> None:
    import datetime as dt

    from hwtrace.domain.transport import check_permits

    today = dt.date(2026, 6, 1)
    known = {"900-041-49", "271-001-02"}.__contains__
    good = {
        "operating": {
            "number": " JS3205OOD009-1 ",
            "codes": ["900-041-49", "271-001-02", "900-041-49"],
            "annual_capacity_t": "3000",
            "valid_until": "2030-12-31",
        }
    }
    assert check_permits("receiver", good, known, today) == {
        "operating": {
            "number": "JS3205OOD009-1",
            "codes": ["271-001-02", "900-041-49"],
            "annual_capacity_t": "3000",
            "valid_until": "2030-12-31",
        }
    }
    bad = [
        {"operating": {**good["operating"], "codes": []}},
        {"operating": {**good["operating"], "codes": ["999-999-99"]}},
        {"operating": {**good["operating"], "annual_capacity_t": "-5"}},
        {"operating": {**good["operating"], "annual_capacity_t": "abc"}},
        {"operating": {**good["operating"], "number": ""}},
        {"operating": {**good["operating"], "valid_until": "2020-01-01"}},
        {"operating": {**good["operating"], "valid_until": "31/12/2030"}},
    ]
    for permits in bad:
        with pytest.raises(BadValue):
            check_permits("receiver", permits, known, today)
    with pytest.raises(BadValue):
        check_permits("transporter", {}, known, today)
    assert check_permits("transporter", {"transport": {"number": "苏交运 1"}}, known, today) == {
        "transport": {"number": "苏交运 1"}
    }
    assert check_permits("producer", good, known, today) == {}
