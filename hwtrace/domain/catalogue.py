"""The national waste catalogue and the other reference vocabularies, read from ``schemas/``."""

from __future__ import annotations

from functools import cache
from typing import Any

import schemas
from hwtrace.domain.errors import BadValue


@cache
def _catalogue() -> dict[str, dict[str, Any]]:
    data = schemas.reference("waste_catalogue")
    return {row["code"]: row for row in data["codes"]}


@cache
def _methods() -> dict[str, dict[str, Any]]:
    data = schemas.reference("disposal_methods")
    return {row["code"]: row for row in data["methods"]}


def waste_entry(code: str) -> dict[str, Any]:
    """Return the catalogue row of a waste code, or raise ``waste.unknown_code``."""
    row = _catalogue().get(code)
    if row is None:
        raise BadValue(
            f"废物代码 {code} 不在《国家危险废物名录》中",
            f"waste code {code} is not in the national catalogue",
            code="waste.unknown_code",
            detail={"waste_code": code},
        )
    return row


def search(q: str, *, category: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Return catalogue rows whose code or description contains ``q``."""
    out = []
    for row in _catalogue().values():
        if category and row["category"] != category:
            continue
        if q and q not in row["code"] and q not in row.get("description", ""):
            continue
        out.append(row)
        if len(out) >= limit:
            break
    return out


def disposal_method(code: str | None) -> dict[str, Any]:
    """Return a utilization/disposal method by code, or raise ``value.invalid``."""
    row = _methods().get(code or "")
    if row is None:
        raise BadValue(
            "利用处置方式代码无效",
            "unknown utilization/disposal method code",
            detail={"method": code, "known": sorted(_methods())},
        )
    return {"code": row["code"], "name": row.get("name_zh") or row.get("name")}


def disposal_methods() -> list[dict[str, Any]]:
    """Return every utilization/disposal method."""
    return list(_methods().values())


def _names(ref: str, key: str) -> set[str]:
    data = schemas.reference(ref)
    return {row[key] for row in data["items"]}


def check_form(form: str) -> None:
    """Refuse a waste form that is not in the reference list (固态, 液态, ...)."""
    known = _names("waste_forms", "name_zh")
    if form not in known:
        raise BadValue(
            f"废物形态「{form}」无效",
            f"unknown waste form {form!r}",
            detail={"known": sorted(known)},
        )


def check_packaging(packaging: str) -> None:
    """Refuse a packaging type that is not in the reference list."""
    known = _names("packaging_types", "name_zh")
    if packaging not in known:
        raise BadValue(
            f"包装方式「{packaging}」无效",
            f"unknown packaging {packaging!r}",
            detail={"known": sorted(known)},
        )
