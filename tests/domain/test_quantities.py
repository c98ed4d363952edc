from decimal import Decimal

import pytest

from hwtrace.domain.errors import BadValue
from hwtrace.domain.quantities import g_to_kg, kg_to_g


@pytest.mark.parametrize(
    ("text", "grams"),
    [("1", 1000), ("12.5", 12500), ("0.001", 1), (Decimal("3.1415"), 3142), (7, 7000)],
)
def test_kg_to_g(text: str, grams: int) -> None:
    assert kg_to_g(text) == grams


@pytest.mark.parametrize(
    "bad", ["0", "-1", "abc", "NaN", "Infinity", "1e9", "", 1.5, True, "0.0001"]
)
def test_kg_to_g_refuses(bad: object) -> None:
    with pytest.raises(BadValue):
        kg_to_g(bad)  # type: ignore[arg-type]


def test_g_to_kg() -> None:
    assert g_to_kg(12500) == "12.500"
    assert g_to_kg(1) == "0.001"
