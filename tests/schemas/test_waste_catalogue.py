"""The national waste catalogue (《国家危险废物名录》, 2021 edition) shipped as reference data."""

from __future__ import annotations

import re
from typing import Any

import pytest

import schemas

FULL_COUNT = 467  # codes in the 2021 edition
HAZARD_ORDER = ["T", "C", "I", "R", "In"]
CODE_RE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
CATEGORY_RE = re.compile(r"^HW\d{2}$")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    data: dict[str, Any] = schemas.reference("waste_catalogue")
    return data


@pytest.fixture(scope="module")
def codes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = doc["codes"]
    return rows


def test_header(doc: dict[str, Any]) -> None:
    assert set(doc) == {"source", "version", "partial", "note", "codes"}
    assert doc["source"] and doc["note"]
    assert doc["version"] == "2021"
    assert isinstance(doc["partial"], bool)


def test_partial_flag_matches_count(doc: dict[str, Any], codes: list[dict[str, Any]]) -> None:
    if doc["partial"]:
        assert 0 < len(codes) < FULL_COUNT
    else:
        assert len(codes) == FULL_COUNT


def test_complete_catalogue_has_467_codes(doc: dict[str, Any], codes: list[dict[str, Any]]) -> None:
    if doc["partial"]:
        pytest.skip(f"catalogue is partial: {len(codes)} of {FULL_COUNT} codes")
    assert len(codes) == FULL_COUNT
    assert len({c["category"] for c in codes}) == 46


def test_rows_have_all_fields(codes: list[dict[str, Any]]) -> None:
    for c in codes:
        assert set(c) == {
            "code",
            "category",
            "category_name",
            "industry",
            "description",
            "hazards",
        }, c
        for key in ("category_name", "industry", "description"):
            assert isinstance(c[key], str) and c[key].strip(), (c["code"], key)


def test_code_form_and_category(codes: list[dict[str, Any]]) -> None:
    for c in codes:
        assert CODE_RE.fullmatch(c["code"]), c["code"]
        assert CATEGORY_RE.fullmatch(c["category"]), c["category"]
        assert 1 <= int(c["category"][2:]) <= 50, c["category"]
        assert c["code"][-2:] == c["category"][2:], c["code"]


def test_codes_unique(codes: list[dict[str, Any]]) -> None:
    seen = [c["code"] for c in codes]
    assert len(set(seen)) == len(seen)


def test_one_name_per_category(codes: list[dict[str, Any]]) -> None:
    names: dict[str, str] = {}
    for c in codes:
        assert names.setdefault(c["category"], c["category_name"]) == c["category_name"], c["code"]


def test_hazards_non_empty_allowed_and_ordered(codes: list[dict[str, Any]]) -> None:
    for c in codes:
        hz = c["hazards"]
        assert hz, c["code"]
        assert set(hz) <= set(HAZARD_ORDER), c["code"]
        assert hz == [h for h in HAZARD_ORDER if h in hz], c["code"]


def test_sorted_by_category_then_code(codes: list[dict[str, Any]]) -> None:
    keys = [(int(c["category"][2:]), c["code"]) for c in codes]
    assert keys == sorted(keys)


def test_codes_named_in_domain_are_present(codes: list[dict[str, Any]]) -> None:
    present = {c["code"] for c in codes}
    assert {"271-001-02", "900-041-49", "900-249-08", "900-047-49"} <= present
