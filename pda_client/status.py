"""The handheld's status: what waits to sync, what was refused, which reserved codes are left."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pda_client import term
from pda_client.store import Item

if TYPE_CHECKING:
    from pda_client.pda import Pda


def report(pda: Pda, *, as_json: bool = False, limit: int = 20) -> dict[str, Any]:
    """Print what waits to sync, what was refused and which codes are reserved (as JSON with
    ``as_json``); return it."""
    counts = pda.store.counts()
    user = pda.store.current_user()
    me = pda.store.me() or {}
    data: dict[str, Any] = {
        **counts,
        "user": user,
        "server": pda.server or pda.store.meta("server"),
        "enterprise": (me.get("enterprise") or {}).get("name"),
        "reserved": [
            {"profile_id": p, "produced_on": d, "free": n}
            for (p, d), n in (pda.store.free_codes(user).items() if user else [])
        ],
        "refused_items": [_item_json(i) for i in pda.store.items("refused", limit=limit)],
        "queued_items": [_item_json(i) for i in pda.store.items("queued", limit=limit)],
    }
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1), file=pda.out)
        return data
    _print(pda, data)
    return data


def _print(pda: Pda, data: dict[str, Any]) -> None:
    m, out = pda.msg, pda.out
    term.info(
        m("status_title", queued=data["queued"], refused=data["refused"], done=data["done"]),
        out,
    )
    term.info(
        m(
            "status_user",
            username=data["user"] or "-",
            enterprise=data["enterprise"] or "-",
            server=data["server"] or "-",
        ),
        out,
    )
    for r in data["reserved"]:
        term.info(
            m("status_codes", profile=r["profile_id"], day=r["produced_on"], n=r["free"]), out
        )
    if data["queued_items"]:
        term.info(m("status_queued_title"), out)
        for i in data["queued_items"]:
            term.info(
                m(
                    "status_queued_item",
                    id=i["id"],
                    created=i["created_at"][:19],
                    action=m.action(i["action"]),
                    code=i["code"],
                    user=i["username"],
                    error=i["last_error"] or "",
                ),
                out,
            )
    if data["refused_items"]:
        term.warn(m("status_refused_title"), out)
        for i in data["refused_items"]:
            message = m.server(i["message_zh"], i["message_en"])
            term.refuse(
                m(
                    "status_refused_item",
                    id=i["id"],
                    action=m.action(i["action"]),
                    code=i["code"],
                    message=message,
                ),
                out,
            )


def _item_json(i: Item) -> dict[str, Any]:
    return {
        "id": i.id,
        "action": i.action,
        "code": i.code,
        "username": i.username,
        "created_at": i.created_at,
        "attempts": i.attempts,
        "last_error": i.last_error,
        "http_status": i.http_status,
        "error_code": i.error_code,
        "message_zh": i.message_zh,
        "message_en": i.message_en,
    }
