"""Offline printing: codes reserved in advance are registered later, once each, by their owner."""

from __future__ import annotations

from tests.factories import World


def _reserve(world: World, who: str = "p1op", count: int = 5) -> dict:
    r = world.as_(who).post(
        "/api/v1/code-reservations", {"profile_id": world.profiles["p1"], "count": count}
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def test_reserved_codes_register_once(world: World) -> None:
    res = _reserve(world)
    assert len(set(res["codes"])) == 5
    op = world.as_("p1op")
    code = res["codes"][2]
    r = op.post(
        "/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "4", "code": code}
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["code"] == code
    again = op.post(
        "/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "4", "code": code}
    )
    assert again.status_code == 409 and again.get_json()["code"] == "code.used"
    # online allocation never hands out a reserved code
    online = op.register(world.profiles["p1"])["code"]
    assert online not in res["codes"]
    listed = op.get("/api/v1/code-reservations").get_json()
    assert listed[-1]["count"] == 5 and listed[-1]["used"] == 1


def test_reservation_is_a_ledger_entry(world: World) -> None:
    res = _reserve(world, count=3)
    entries = world.as_("park").get("/api/v1/ledger/entries?type=codes.reserve").get_json()
    assert entries[-1]["payload"]["first"] == res["codes"][0]
    assert entries[-1]["payload"]["last"] == res["codes"][-1]


def test_foreign_or_unreserved_codes_refused(world: World) -> None:
    res = _reserve(world)
    r = world.as_("p2op").post(
        "/api/v1/batches",
        {"profile_id": world.profiles["p2"], "weight_kg": "1", "code": res["codes"][0]},
    )
    assert r.status_code == 409 and r.get_json()["code"] == "code.not_reserved"
    # a well-formed code past the reserved block
    op = world.as_("p1op")
    last = res["codes"][-1]
    from schemas import formats

    p = formats.validate_code(last)
    beyond = formats.format_code(uscc=p.uscc, waste_code=p.waste_code, day=p.day, seq=p.seq + 50)
    r = op.post(
        "/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "1", "code": beyond}
    )
    assert r.status_code == 409 and r.get_json()["code"] == "code.not_reserved"
    # a misread code
    r = op.post(
        "/api/v1/batches",
        {
            "profile_id": world.profiles["p1"],
            "weight_kg": "1",
            "code": last[:-1] + ("0" if last[-1] != "0" else "1"),
        },
    )
    assert r.status_code == 400 and r.get_json()["code"].startswith("code.")


def test_only_producers_reserve(world: World) -> None:
    for who in ("t", "r1", "park", "auditor"):
        r = world.as_(who).post(
            "/api/v1/code-reservations", {"profile_id": world.profiles["p1"], "count": 2}
        )
        assert r.status_code in (403, 404), who
    r = world.as_("p1op").post(
        "/api/v1/code-reservations", {"profile_id": world.profiles["p1"], "count": 501}
    )
    assert r.status_code == 400
