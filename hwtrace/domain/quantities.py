"""Weights: Decimal kilograms at the edges, integer grams inside (exact on every database)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hwtrace.domain.errors import BadValue

MAX_BATCH_KG = Decimal("100000")  # 100 t: anything above is a typo, not a batch


def kg_to_g(value: str | int | Decimal, *, field: str = "weight_kg") -> int:
    """Parse a positive kg amount (string, int or Decimal; never float) to whole grams."""
    if isinstance(value, (bool, float)):
        raise BadValue(
            zh=f'{field} 须为十进制字符串（如 "12.5"）',
            en=f'{field} must be a decimal string such as "12.5"',
            detail={"field": field},
        )
    try:
        kg = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadValue(
            zh=f"{field} 不是有效的数字", en=f"{field} is not a number", detail={"field": field}
        ) from None
    if not kg.is_finite() or kg <= 0 or kg > MAX_BATCH_KG:
        raise BadValue(
            zh=f"{field} 须大于 0 且不超过 {MAX_BATCH_KG} 千克",
            en=f"{field} must be > 0 and at most {MAX_BATCH_KG} kg",
            detail={"field": field, "value": str(value)},
        )
    grams = (kg * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if grams == 0:
        raise BadValue(zh=f"{field} 过小", en=f"{field} is below one gram", detail={"field": field})
    return int(grams)


def g_to_kg(grams: int) -> str:
    """Format grams as a kg decimal string with three decimals ("12.500")."""
    return str((Decimal(grams) / 1000).quantize(Decimal("0.001")))
