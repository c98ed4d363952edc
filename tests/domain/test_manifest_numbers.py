"""部令第23号 第十五条: the manifest number is 14 digits — year, province code, city code, a
6-digit serial within the city."""

from __future__ import annotations

import pytest

from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.manifest_numbers import (
    check_division_codes,
    counter_name,
    national_number,
    parse_national,
)


def test_article_15_number_is_year_province_city_serial() -> None:
    number = national_number(2026, "32", "05", 7)
    assert number == "20263205000007"
    assert len(number) == 14 and number.isdigit()
    assert parse_national(number) == (2026, "32", "05", 7)
    assert national_number(2026, "11", "01", 999_999) == "20261101999999"


def test_article_15_serial_has_six_digits() -> None:
    with pytest.raises(Conflict) as e:
        national_number(2026, "32", "05", 1_000_000)
    assert e.value.code == "manifest.exhausted"
    with pytest.raises(Conflict):
        national_number(2026, "32", "05", 0)


def test_article_15_serial_counts_within_city_and_year() -> None:
    assert counter_name(2026, "32", "05") != counter_name(2027, "32", "05")
    assert counter_name(2026, "32", "05") != counter_name(2026, "32", "06")


@pytest.mark.parametrize(
    ("province", "city"),
    [("00", "05"), ("3", "05"), ("32", "5"), ("32", "00"), ("99", "01"), ("32", "ab")],
)
def test_article_15_division_codes_are_checked(province: str, city: str) -> None:
    with pytest.raises(BadValue) as e:
        check_division_codes(province, city)
    assert e.value.code == "value.division_code"
    assert "GB/T 2260" in e.value.message_zh and "GB/T 2260" in e.value.message_en


def test_older_numbers_are_not_national() -> None:
    assert parse_national("DEMO-20261129-00001") is None
