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


def test_a_refused_item_rolls_back_alone_and_the_items_around_it_stand(
    ctx: object, world: World
) -> None:
    """On SQLite groups of items commit together (a savepoint per item), on PostgreSQL each item
    is its own transaction; either way a refused item in the middle of a group leaves no trace,
    the items around it stand, the same key twice in one batch is applied once, and the ledger
    verifies with each batch's chain intact."""
    from hwtrace.api.sync import GROUP
    from hwtrace.services import audit

    op = world.as_("p1op")
    n = GROUP + 7  # two groups
    codes = [op.register(world.profiles["p1"])["code"] for _ in range(n)]
    items = [
        _item(f"g-label-{i}", f"/batches/{c}/events", {"action": "label"})
        for i, c in enumerate(codes)
    ]
    # A store of a batch not yet labelled is refused (illegal transition) mid-group, after its
    # savepoint has already locked the batch row.
    items.insert(
        5,
        _item(
            "g-store-early",
            f"/batches/{codes[10]}/events",
            {"action": "store", "room_id": world.rooms["p1"]},
        ),
    )
    # The same key and body twice in one batch: the second answers from the first.
    items.insert(8, items[3])
    # Then the first batch stored, in the second group.
    items.append(
        _item(
            "g-store-0",
            f"/batches/{codes[0]}/events",
            {"action": "store", "room_id": world.rooms["p1"]},
        )
    )
    size = _size(world)
    r = op.post("/api/v1/sync", {"items": items})
    assert r.status_code == 200, r.get_json()
    res = r.get_json()["results"]
    assert len(res) == len(items)
    statuses = [x["status"] for x in res]
    assert statuses[5] == 409 and res[5]["body"]["code"] == "batch.illegal_transition"
    assert statuses[8] == 200 and res[8]["replayed"] is True and res[3]["replayed"] is False
    assert all(s == 200 for i, s in enumerate(statuses) if i != 5)
    assert _size(world) == size + n + 1  # n labels and one store, nothing for the refusal
    assert res[-1]["body"]["status"] == "STORED"
    for c in codes[:12]:
        history = op.get(f"/api/v1/batches/{c}/history").get_json()
        seqs = [e["seq"] for e in history]
        prevs = [e["payload"].get("prev") for e in history[1:]]
        assert prevs == seqs[:-1], (c, history)
    report = audit.verify(ctx)  # type: ignore[arg-type]
    assert report.ok, report
