"""An Idempotency-Key applies a request at most once: a retry returns the same result and
writes no second ledger entry; the same key for another body is refused."""

from __future__ import annotations

import threading

from tests.factories import World


def _entries(world: World) -> int:
    return len(world.as_("park").get("/api/v1/ledger/entries?limit=1000").get_json())


def test_register_retry_is_not_doubled(world: World) -> None:
    op = world.as_("p1op")
    body = {"profile_id": world.profiles["p1"], "weight_kg": "3"}
    h = {"Idempotency-Key": "pda1:000001"}
    a = op.post("/api/v1/batches", body, headers=h)
    n = _entries(world)
    b = op.post("/api/v1/batches", body, headers=h)
    assert a.status_code == b.status_code == 201  # the replay answers as the original did
    assert b.headers["Idempotent-Replayed"] == "true"
    assert a.get_json()["code"] == b.get_json()["code"]
    assert _entries(world) == n
    assert op.get("/api/v1/batches").get_json()["total"] == 1


def test_event_retry_after_success_returns_success(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    h = {"Idempotency-Key": "pda1:000002"}
    a = op.post(f"/api/v1/batches/{code}/events", {"action": "label"}, headers=h)
    b = op.post(f"/api/v1/batches/{code}/events", {"action": "label"}, headers=h)
    assert a.status_code == b.status_code == 200
    assert b.get_json()["status"] == "LABELLED"
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    assert [e["type"] for e in hist].count("batch.label") == 1


def test_same_key_other_request_conflicts(world: World) -> None:
    op = world.as_("p1op")
    h = {"Idempotency-Key": "pda1:000003"}
    assert (
        op.post(
            "/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "1"}, headers=h
        ).status_code
        == 201
    )
    r = op.post(
        "/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "2"}, headers=h
    )
    assert r.status_code == 409 and r.get_json()["code"] == "request.idempotency_conflict"


def test_keys_are_per_user(world: World) -> None:
    h = {"Idempotency-Key": "shared-key-1"}
    a = world.as_("p1op").post(
        "/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "1"}, headers=h
    )
    b = world.as_("p2op").post(
        "/api/v1/batches", {"profile_id": world.profiles["p2"], "weight_kg": "1"}, headers=h
    )
    assert a.status_code == b.status_code == 201
    assert a.get_json()["code"] != b.get_json()["code"]


def test_concurrent_duplicates_apply_once(world: World) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    results: list[int] = []

    def send() -> None:
        r = world.as_("p1op").post(
            f"/api/v1/batches/{code}/events",
            {"action": "label"},
            headers={"Idempotency-Key": "pda1:concurrent"},
        )
        results.append(r.status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 6
    hist = world.as_("p1op").get(f"/api/v1/batches/{code}/history").get_json()
    assert [e["type"] for e in hist].count("batch.label") == 1
