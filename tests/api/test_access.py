"""Tenant isolation: every endpoint × role × foreign enterprise.

p1 and p2 are producers, t the transporter, r1/r2 receivers, park/auditor the park roles. A
batch of p1 handed to t and r1 must be visible to exactly p1, t, r1, park and auditor.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World

ALL = ["p1op", "p1admin", "p2op", "p2admin", "t", "r1", "r2", "park", "auditor"]
SEES_P1_BATCH = {"p1op", "p1admin", "t", "r1", "park", "auditor"}


@pytest.fixture
def handed(world: World) -> dict[str, Any]:
    """A p1 batch in transit (t carrying it to r1), and a p2 batch still at p2."""
    code1 = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code1, "IN_TRANSIT")
    code2 = world.as_("p2op").register(world.profiles["p2"])["code"]
    return {"p1": code1, "p2": code2}


@pytest.mark.parametrize("who", ALL)
def test_batch_read_endpoints(world: World, handed: dict[str, Any], who: str) -> None:
    c = world.as_(who)
    code = handed["p1"]
    expect = 200 if who in SEES_P1_BATCH else 404
    assert c.get(f"/api/v1/batches/{code}").status_code == expect
    assert c.get(f"/api/v1/batches/{code}/history").status_code == expect
    listed = {b["code"] for b in c.get("/api/v1/batches?limit=500").get_json()["items"]}
    assert (code in listed) == (who in SEES_P1_BATCH)
    p2_visible = who in {"p2op", "p2admin", "park", "auditor"}
    assert (handed["p2"] in listed) == p2_visible
    assert c.get(f"/api/v1/batches/{handed['p2']}").status_code == (200 if p2_visible else 404)


@pytest.mark.parametrize("who", ALL)
def test_batch_write_endpoints(world: World, handed: dict[str, Any], who: str) -> None:
    c = world.as_(who)
    code = handed["p2"]  # a REGISTERED batch of p2: only p2's users may label it
    r = c.act(code, "label")
    if who in ("p2op", "p2admin"):
        assert r.status_code == 200
    elif who in ("park", "auditor"):
        assert r.status_code == 403 and r.get_json()["code"] == "auth.forbidden"
    else:
        assert r.status_code == 404
    r = c.post("/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": "1"})
    if who in ("p1op", "p1admin"):
        assert r.status_code == 201
    elif who in ("p2op", "p2admin"):
        assert r.status_code == 404  # p1's profile is not theirs
    else:
        assert r.status_code == 403


@pytest.mark.parametrize("who", ALL)
def test_master_data_endpoints(world: World, who: str) -> None:
    c = world.as_(who)
    park_role = who in ("park", "auditor")
    own = {
        "p1op": "p1",
        "p1admin": "p1",
        "p2op": "p2",
        "p2admin": "p2",
        "t": "t",
        "r1": "r1",
        "r2": "r2",
        "park": "park",
        "auditor": "park",
    }[who]
    foreign = "p2" if own != "p2" else "p1"
    assert c.get(f"/api/v1/enterprises/{world.ids[own]}").status_code == 200
    assert c.get(f"/api/v1/enterprises/{world.ids[foreign]}").status_code == (
        200 if park_role else 404
    )
    listed = {e["id"]: e for e in c.get("/api/v1/enterprises").get_json()}
    assert (world.ids[foreign] in listed) == park_role
    if not park_role:
        # counterparties appear in the directory, without their private fields
        assert "contact_phone" not in listed[world.ids["t"]] or own == "t"
    r = c.get(f"/api/v1/waste-profiles/{world.profiles['p1']}")
    assert r.status_code == (200 if own == "p1" or park_role else 404)
    profiles = {p["id"] for p in c.get("/api/v1/waste-profiles").get_json()}
    assert (world.profiles["p1"] in profiles) == (own == "p1" or park_role)
    rooms = {p["id"] for p in c.get("/api/v1/storage-rooms").get_json()}
    assert (world.rooms["p1"] in rooms) == (own == "p1" or park_role)
    users = c.get("/api/v1/users")
    if who.endswith("op") or who in ("t", "r1", "r2"):
        assert users.status_code == 403
    else:
        names = {u["username"] for u in users.get_json()}
        assert (world.usernames["p1op"] in names) == (own == "p1" or park_role)


@pytest.mark.parametrize("who", ALL)
def test_admin_only_writes(world: World, who: str) -> None:
    from tests.factories import random_uscc

    c = world.as_(who)
    r = c.post("/api/v1/enterprises", {"uscc": random_uscc(), "name": "新单位", "kind": "producer"})
    assert r.status_code == (201 if who == "park" else 403)
    r = c.post(
        "/api/v1/users",
        {
            "username": f"new_{who}_{world.ids['p1']}",
            "password": "longenough1",
            "role": "operator",
            "enterprise_id": world.ids["p1"],
        },
    )
    # a park admin creates users anywhere; an enterprise admin only in its own enterprise
    assert r.status_code == (201 if who in ("p1admin", "park") else 403)
    r = c.post(
        "/api/v1/waste-profiles",
        {
            "waste_code": "900-041-49",
            "name": "x",
            "form": "固态",
            "hazards": ["T"],
            "packaging": "袋",
        },
    )
    assert r.status_code == (201 if who in ("p1admin", "p2admin") else 403)
    r = c.post("/api/v1/storage-rooms", {"name": f"room-{who}", "capacity_kg": "10"})
    assert r.status_code == (201 if who in ("p1admin", "p2admin") else 403)
    r = c.post("/api/v1/ledger/verify")
    assert r.status_code == (200 if who in ("park", "auditor") else 403)


@pytest.mark.parametrize("who", ALL)
def test_ledger_endpoints_are_scoped(world: World, handed: dict[str, Any], who: str) -> None:
    c = world.as_(who)
    park = world.as_("park")
    all_entries = park.get("/api/v1/ledger/entries?limit=1000").get_json()
    p2_reg = next(e for e in all_entries if e["subject"] == handed["p2"])
    p1_reg = next(e for e in all_entries if e["subject"] == handed["p1"])
    seen = {e["seq"] for e in c.get("/api/v1/ledger/entries?limit=1000").get_json()}
    sees_p2 = who in ("p2op", "p2admin", "park", "auditor")
    assert (p2_reg["seq"] in seen) == sees_p2
    assert (p1_reg["seq"] in seen) == (who in SEES_P1_BATCH)
    assert c.get(f"/api/v1/ledger/entries/{p2_reg['seq']}").status_code == (200 if sees_p2 else 404)
    assert c.get(f"/api/v1/ledger/entries/{p2_reg['seq']}/proof").status_code == (
        200 if sees_p2 else 404
    )
    assert c.get("/api/v1/ledger/checkpoint").status_code == 200


def test_other_park_is_invisible(world: World, app: Any, database_url: str, tmp_path: Any) -> None:
    """A second park on the same database: none of its users sees the first park's data."""
    from hwtrace import create_app
    from hwtrace.keys import init_keys
    from tests.conftest import TEST_CONFIG
    from tests.factories import build_world

    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    init_keys(tmp_path / "k2", "hwtrace.local/test", None)
    other_app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": database_url,
            "PARK_CODE": "OTHER" + str(world.ids["p1"]),
            "LEDGER_KEY_FILE": str(tmp_path / "k2"),
        }
    )
    other = build_world(other_app, other_app.extensions["hwtrace"])
    for who in ("park", "auditor", "p1op"):
        c = other.as_(who)
        assert c.get(f"/api/v1/batches/{code}").status_code == 404
        assert code not in {b["code"] for b in c.get("/api/v1/batches").get_json()["items"]}
        assert c.get(f"/api/v1/enterprises/{world.ids['p1']}").status_code == 404
    other_app.extensions["hwtrace"].db.dispose()
