"""POST /sync: queued handheld actions in one request, each exactly as its single request."""

from __future__ import annotations

import json

from tests.api.test_transport import _size
from tests.factories import World


def _item(key: str, path: str, body: dict[str, object]) -> dict[str, str]:
    return {"key": key, "path": path, "body": json.dumps(body, ensure_ascii=False)}


def test_sync_applies_items_in_order_and_never_twice(world: World) -> None:
    op = world.as_("p1op")
    codes = [op.register(world.profiles["p1"])["code"] for _ in range(3)]
    bad = codes[0][:-1] + ("A" if codes[0][-1] != "A" else "B")
    items = [
        _item(f"k-label-{i}", f"/batches/{c}/events", {"action": "label"})
        for i, c in enumerate(codes)
    ]
    items.insert(2, _item("k-misread-1", f"/batches/{bad}/events", {"action": "label"}))
    items.append(
        _item(
            "k-store-0",
            f"/batches/{codes[0]}/events",
            {"action": "store", "room_id": world.rooms["p1"]},
        )
    )
    items.append(_item("k-booking-1", "/bookings", {"codes": codes}))  # not a syncable action
    size = _size(world)
    r = op.post("/api/v1/sync", {"items": items})
    assert r.status_code == 200, r.get_json()
    res = r.get_json()["results"]
    assert [x["status"] for x in res] == [200, 200, 400, 200, 200, 400]
    assert res[2]["body"]["code"].startswith("code.")
    assert res[4]["body"]["status"] == "STORED"
    assert _size(world) == size + 4
    # The same batch again: every applied item is a replay, nothing new in the ledger.
    r = op.post("/api/v1/sync", {"items": items})
    again = r.get_json()["results"]
    assert [x["replayed"] for x in again] == [True, True, False, True, True, False]
    assert _size(world) == size + 4
    # A single request with an item's key and body is a replay too.
    r = op.post(
        f"/api/v1/batches/{codes[1]}/events",
        {"action": "label"},
        headers={"Idempotency-Key": "k-label-1"},
    )
    assert r.status_code == 200 and r.headers.get("Idempotent-Replayed") == "true"
    # The same key with another body is a conflict, per item.
    r = op.post(
        "/api/v1/sync",
        {
            "items": [
                _item("k-label-0", f"/batches/{codes[0]}/events", {"action": "void", "reason": "x"})
            ]
        },
    )
    assert r.get_json()["results"][0]["status"] == 409
    assert _size(world) == size + 4


def test_sync_is_scoped_and_authenticated(world: World) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    item = _item("k-foreign-1", f"/batches/{code}/events", {"action": "label"})
    r = world.as_("p2op").post("/api/v1/sync", {"items": [item]})
    assert r.get_json()["results"][0]["status"] == 404
    r = world.app.test_client().post("/api/v1/sync", json={"items": [item]})
    assert r.status_code == 401
    r = world.as_("auditor").post("/api/v1/sync", {"items": [item]})
    assert r.get_json()["results"][0]["status"] == 403
    assert world.as_("p1op").get(f"/api/v1/batches/{code}").get_json()["status"] == "REGISTERED"
