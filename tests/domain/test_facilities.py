"""Facility codes and the references on facility signs (no database, no Flask)."""

from __future__ import annotations

import pytest

from hwtrace.domain import facilities as F

USCC = "91320500MA1XY00019"


def test_codes_are_numbered_per_enterprise_and_zones_per_room() -> None:
    assert F.next_code([]) == "TS001"
    assert F.next_code(["TS001", "TS001-01", "TS003"]) == "TS004"
    assert F.next_zone_code("TS001", ["TS001", "TS001-01", "TS002-05"]) == "TS001-02"
    with pytest.raises(ValueError):
        F.next_code([f"TS{i:03d}" for i in range(1, 1000)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"https://park.example/f/{USCC}/TS001", (USCC, "TS001")),
        (f"http://127.0.0.1:8000/f/{USCC}/TS001-02/", (USCC, "TS001-02")),
        (f"https://park.example/f/{USCC}/TS001?lang=en", (USCC, "TS001")),
        (f"HWF1|{USCC}|TS002", (USCC, "TS002")),
        (f"hwf1|{USCC.lower()}|ts002", (USCC, "TS002")),
        ("HWT1|91320500MA1XY000199000414920261124001X|900-041-49|1|20261124|ABCDEF01", None),
        (f"https://park.example/b/{USCC}", None),
        (f"https://park.example/f/{USCC}/XX001", None),
        (f"HWF1|{USCC}", None),
        ("", None),
    ],
)
def test_parse_reference(text: str, expected: tuple[str, str] | None) -> None:
    assert F.parse_reference(text) == expected


def test_reference_forms_round_trip() -> None:
    url = F.reference_url("https://park.example/", USCC, "TS001-01")
    assert url == f"https://park.example/f/{USCC}/TS001-01"
    assert F.parse_reference(url) == (USCC, "TS001-01")
    assert F.parse_reference(F.reference_text(USCC, "TS007")) == (USCC, "TS007")
