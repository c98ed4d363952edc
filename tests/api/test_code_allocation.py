"""Code allocation under concurrency: many simultaneous registrations, distinct valid codes,
contiguous ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from schemas import formats
from tests.factories import World


def test_200_concurrent_allocations_are_distinct_and_valid(world: World) -> None:
    def register(i: int) -> str:
        c = world.as_("p1op" if i % 2 else "p1admin")
        r = c.post("/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "1"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["code"]  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(register, range(200)))
    assert len(set(codes)) == 200
    for c in codes:
        formats.validate_code(c)
    verify = world.as_("park").post("/api/v1/ledger/verify").get_json()
    assert verify["ok"], verify
