"""Storage rules (GB 18597-2023): incompatible wastes are never stored together.

The incompatibility table is reference data (``schemas/reference/incompatibility.json``):
pairs of hazard characteristics or waste categories that must not share a room.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import schemas
from hwtrace.domain.errors import Conflict


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
        f"不相容的危险废物不能同库贮存：库房「{room_name}」中已有批次 {code}"
        f"（{rule['reason_zh']}）",
        f"incompatible with batch {code} already in room {room_name}: {rule['reason_en']}",
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
