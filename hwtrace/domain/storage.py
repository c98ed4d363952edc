"""Storage rules (GB 18597-2023): a room is its producer's, takes the categories it allows up to
its capacity, and incompatible wastes are never stored together.

The incompatibility table is reference data (``schemas/reference/incompatibility.json``):
pairs of hazard characteristics or waste categories that must not share a room.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import schemas
from hwtrace.domain.errors import Conflict
from hwtrace.domain.quantities import g_to_kg


@cache
def _rules() -> list[dict[str, Any]]:
    return list(schemas.reference("incompatibility")["rules"])


def _tags(waste_code: str, hazards: list[str]) -> set[str]:
    return {f"HW{waste_code[-2:]}", *hazards}


def find_incompatible(
    new: tuple[str, list[str]], present: list[tuple[Any, str, list[str]]]
) -> tuple[Any, dict[str, Any]] | None:
    """Return (key, rule) of the first present waste the new one may not share a room with.

    ``new`` is (waste code, hazards); ``present`` lists (key, waste code, hazards), the key being
    whatever names that waste to the caller (a batch code, a profile id).
    """
    mine = _tags(*new)
    for key, waste_code, hazards in present:
        theirs = _tags(waste_code, hazards)
        for rule in _rules():
            a, b = set(rule["a"]), set(rule["b"])
            if (mine & a and theirs & b) or (mine & b and theirs & a):
                return key, rule
    return None


def incompatible(code: str, rule: dict[str, Any], room_name: str) -> Conflict:
    """Return the ``storage.incompatible`` refusal naming batch ``code`` already in the room."""
    return Conflict(
        zh=f"不相容的危险废物不能同库贮存：库房「{room_name}」中已有批次 {code}"
        f"（{rule['reason_zh']}）",
        en=f"incompatible with batch {code} already in room {room_name}: {rule['reason_en']}",
        code="storage.incompatible",
        detail={"batch": code, "rule": rule.get("id")},
    )


def check_compatible(
    *,
    new: tuple[str, list[str]],
    present: list[tuple[str, str, list[str]]],
    room_name: str,
) -> None:
    """Raise ``storage.incompatible`` if the new waste may not share the room with one present.

    ``new`` is (waste code, hazards); ``present`` lists (batch code, waste code, hazards).
    """
    found = find_incompatible(new, present)
    if found is not None:
        raise incompatible(found[0], found[1], room_name)


def check_room_owner(room_enterprise_id: int | None, producer_id: int) -> None:
    """Refuse a room that does not exist (None) or belongs to another producer."""
    if room_enterprise_id is None or room_enterprise_id != producer_id:
        raise Conflict(
            zh="库房不属于该批次的产废单位",
            en="the room does not belong to the batch's producer",
            code="storage.room_mismatch",
        )


def check_room_category(room_name: str, allowed: list[str], category: str) -> None:
    """Refuse a waste category the room may not hold (an empty list allows every category)."""
    if allowed and category not in allowed:
        raise Conflict(
            zh=f"库房「{room_name}」不允许贮存 {category} 类废物",
            en=f"room {room_name} may not hold {category}",
            code="storage.category_not_allowed",
            detail={"allowed": allowed},
        )


def check_room_capacity(room_name: str, *, stored_g: int, adding_g: int, capacity_g: int) -> None:
    """Refuse a batch that would take the room over its capacity."""
    if stored_g + adding_g > capacity_g:
        raise Conflict(
            zh=f"库房「{room_name}」容量不足（已存 {g_to_kg(stored_g)} 千克，"
            f"容量 {g_to_kg(capacity_g)} 千克）",
            en=f"room {room_name} would be over capacity",
            code="storage.capacity",
            detail={"stored_kg": g_to_kg(stored_g), "capacity_kg": g_to_kg(capacity_g)},
        )
