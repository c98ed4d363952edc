"""The other reference vocabularies read from ``schemas/``: utilization/disposal method codes (a
partial, provisional list), waste forms and packaging types."""

from __future__ import annotations

from functools import cache
from typing import Any

import schemas
from hwtrace.domain.errors import BadValue

# -- utilization / disposal methods (provisional) ---------------------------------------------

_METHOD_TABLE = "method-codes-partial"
_GROUP_EN = {
    "利用": "utilization",
    "处置": "disposal",
    "处置/利用": "disposal or utilization",
    "医疗废物处置": "medical waste disposal",
    "其他": "other",
}


@cache
def _methods() -> dict[str, dict[str, Any]]:
    english = {r["code"]: r["name_en"] for r in schemas.reference("method-names-en")["items"]}
    return {
        r["code"]: {
            "code": r["code"],
            "group": r["group"],
            "group_en": _GROUP_EN.get(r["group"], r["group"]),
            "name_zh": r["name_zh"],
            "name_en": english[r["code"]],
            "name": r["name_zh"],
        }
        for r in schemas.table(_METHOD_TABLE)
    }


def method_name(code: str, lang: str) -> str:
    """A method's name in ``lang`` (zh or en; English from ``method-names-en.json``), empty for
    a code not in the list."""
    row = _methods().get(code)
    if row is None:
        return ""
    return str(row["name_en"] if lang == "en" else row["name_zh"])


def methods_status() -> dict[str, Any]:
    """Whether the method list is provisional, and the codes known to be missing from it."""
    src = schemas.source(_METHOD_TABLE)
    return {
        "provisional": bool(src.get("provisional")),
        "missing": list(src.get("missing", [])),
        "note": src.get("missing_note", ""),
        "source": src["source"],
    }


def disposal_method(code: str | None) -> dict[str, Any]:
    """Return a utilization/disposal method by code, or raise ``value.invalid``."""
    row = _methods().get(code or "")
    if row is None:
        raise BadValue(
            zh="利用处置方式代码无效",
            en="unknown utilization/disposal method code",
            detail={"method": code, "known": sorted(_methods())},
        )
    return {"code": row["code"], "name": row["name_zh"]}


def disposal_methods() -> list[dict[str, Any]]:
    """Return every utilization/disposal method of the (provisional) list, in its order."""
    return list(_methods().values())


# -- other vocabularies -----------------------------------------------------------------------


def _names(ref: str, key: str) -> set[str]:
    data = schemas.reference(ref)
    return {row[key] for row in data["items"]}


def check_form(form: str) -> None:
    """Refuse a waste form that is not in the reference list (固态, 液态, ...)."""
    known = _names("waste_forms", "name_zh")
    if form not in known:
        raise BadValue(
            zh=f"废物形态「{form}」无效",
            en=f"unknown waste form {form!r}",
            detail={"known": sorted(known)},
        )


def check_packaging(packaging: str) -> None:
    """Refuse a packaging type that is not in the reference list."""
    known = _names("packaging_types", "name_zh")
    if packaging not in known:
        raise BadValue(
            zh=f"包装方式「{packaging}」无效",
            en=f"unknown packaging {packaging!r}",
            detail={"known": sorted(known)},
        )


def waste_forms() -> list[dict[str, str]]:
    """The waste forms of the reference list (固态, 半固态, 液态, ...), in its order."""
    return list(schemas.reference("waste_forms")["items"])


def packaging_types() -> list[dict[str, str]]:
    """The packaging types of the reference list (桶, 袋, ...), in its order."""
    return list(schemas.reference("packaging_types")["items"])
