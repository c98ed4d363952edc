"""Names where the server wants ids: a waste profile, a room, an enterprise or a manifest is
given as its number or its name (a waste profile also by its waste code, an enterprise by its
USCC), looked up in the reference data cached at login or ``refresh``; and the lists an
operator picks from (``hwtrace-pda profiles | rooms | manifests``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

#: The cached list of each kind of reference and the fields its name may be given as.
FIELDS: dict[str, tuple[str, ...]] = {
    "profiles": ("name", "waste_code"),
    "rooms": ("name",),
    "enterprises": ("name", "uscc"),
    "manifests": ("number",),
}


class UnknownRef(Exception):
    """No reference, or several, answer to the text; ``matches`` lists the several."""

    def __init__(self, text: str, matches: list[dict[str, Any]]) -> None:
        super().__init__(text)
        self.text = text
        self.matches = matches


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def resolve(kind: str, items: list[dict[str, Any]], text: str | int) -> dict[str, Any]:
    """The one item of ``items`` that ``text`` names: its id, else a field equal to the text,
    else the only item whose fields contain it.

    :raises UnknownRef: none or several match.
    """
    raw = str(text).strip()
    if raw.isdigit():
        by_id = [i for i in items if str(i.get("id")) == raw]
        if by_id:
            return by_id[0]
    want = _norm(raw)
    if not want:
        raise UnknownRef(raw, [])
    fields = FIELDS[kind]
    exact = [i for i in items if any(_norm(str(i.get(f) or "")) == want for f in fields)]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise UnknownRef(raw, exact)
    part = [i for i in items if any(want in _norm(str(i.get(f) or "")) for f in fields)]
    if len(part) == 1:
        return part[0]
    raise UnknownRef(raw, part)


def label(kind: str, item: dict[str, Any]) -> str:
    """How an item is shown in a list or an error."""
    if kind == "profiles":
        return f"{item['waste_code']} {item['name']}"
    if kind == "manifests":
        return str(item["number"])
    return str(item["name"])


def _profile(p: dict[str, Any], names: dict[int, str]) -> str:
    return f"{p['waste_code']}  {p['name']}  {p.get('form', '')}  {p.get('packaging', '')}"


def _room(r: dict[str, Any], names: dict[int, str]) -> str:
    cats = ",".join(r.get("allowed_categories") or [])
    return f"{r['name']}  {cats}  {r.get('stored_kg', '-')}/{r.get('capacity_kg', '-')} kg"


def _enterprise(e: dict[str, Any], names: dict[int, str]) -> str:
    return f"{e['name']}  {e.get('kind', '')}  {e.get('uscc', '')}"


def _manifest(m: dict[str, Any], names: dict[int, str]) -> str:
    def who(key: str) -> str:
        return names.get(m.get(key) or 0, str(m.get(key) or ""))

    status = m.get("status_zh") or m.get("status") or ""
    return f"{status}  {who('producer_id')} → {who('receiver_id')}  ({who('transporter_id')})"


ROWS: dict[str, Callable[[dict[str, Any], dict[int, str]], str]] = {
    "profiles": _profile,
    "rooms": _room,
    "enterprises": _enterprise,
    "manifests": _manifest,
}


def rows(kind: str, items: list[dict[str, Any]], names: dict[int, str] | None = None) -> list[str]:
    """One line per item: its number (a manifest's number is its name), then what it is;
    ``names`` are the enterprises' names by id."""
    out = []
    for i in items:
        key = str(i["number"]) if kind == "manifests" else f"{i['id']:>4}"
        out.append(f"{key}  {ROWS[kind](i, names or {})}")
    return out
