"""Storage rooms: their producer, the categories they take, their capacity, and wastes that may
not share a room (no database)."""

from __future__ import annotations

import pytest

from hwtrace.domain import storage
from hwtrace.domain.errors import Conflict


def test_a_room_belongs_to_the_batchs_producer() -> None:
    storage.check_room_owner(3, 3)
    for owner in (None, 4):
        with pytest.raises(Conflict) as e:
            storage.check_room_owner(owner, 3)
        assert e.value.code == "storage.room_mismatch"


def test_a_room_takes_only_its_categories() -> None:
    storage.check_room_category("1号", [], "HW08")  # no list: any category
    storage.check_room_category("1号", ["HW02", "HW08"], "HW08")
    with pytest.raises(Conflict) as e:
        storage.check_room_category("1号", ["HW02"], "HW49")
    assert e.value.code == "storage.category_not_allowed"


def test_a_room_is_never_over_capacity() -> None:
    storage.check_room_capacity("1号", stored_g=900, adding_g=100, capacity_g=1000)
    with pytest.raises(Conflict) as e:
        storage.check_room_capacity("1号", stored_g=900, adding_g=101, capacity_g=1000)
    assert e.value.code == "storage.capacity"
    assert e.value.detail == {"stored_kg": "0.900", "capacity_kg": "1.000"}


def test_incompatible_wastes_are_found_by_hazard_either_way_round() -> None:
    oil = ("900-249-08", ["T", "I"])  # ignitable
    reactive = ("x", "900-999-29", ["R"])
    assert storage.find_incompatible(oil, [("y", "900-041-49", ["T"])]) is None
    found = storage.find_incompatible(oil, [reactive])
    assert found is not None and found[0] == "x" and found[1]["id"] == "ignitable-reactive"
    found = storage.find_incompatible(("900-999-29", ["R"]), [("k", *oil)])
    assert found is not None and found[0] == "k"
    with pytest.raises(Conflict) as e:
        storage.check_compatible(new=oil, present=[reactive], room_name="1号")
    assert e.value.code == "storage.incompatible" and e.value.detail["batch"] == "x"
