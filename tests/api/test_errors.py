"""Bad input gets a JSON problem with a stable code, never a 500 and never a partial write."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from hwtrace.api import load_routes
from tests.factories import World


def _concrete(rule: str) -> str:
    return re.sub(r"<\w+>", "X", re.sub(r"<int:\w+>", "1", rule))


@pytest.mark.parametrize(
    "route", [r for r in load_routes() if not r.public], ids=lambda r: f"{r.method} {r.rule}"
)
def test_every_endpoint_requires_authentication(client: FlaskClient, route: object) -> None:
    r = client.open("/api/v1" + _concrete(route.rule), method=route.method, json={})  # type: ignore[attr-defined]
    assert r.status_code == 401
    body = r.get_json()
    assert body["code"] == "auth.required" and body["message"] and body["message_en"]


def test_not_json_and_broken_json(world: World) -> None:
    op = world.as_("p1op")
    r = op.client.post(
        "/api/v1/batches",
        data="weight=1",
        headers={
            "Authorization": f"Bearer {op.token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert r.status_code == 415 and r.get_json()["code"] == "request.not_json"
    r = op.client.post(
        "/api/v1/batches",
        data="{not json",
        headers={"Authorization": f"Bearer {op.token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.get_json()["code"] == "request.invalid"


def test_wrong_types_and_unknown_fields(world: World) -> None:
    op = world.as_("p1op")
    for body in [
        {"profile_id": "1", "weight_kg": "1"},
        {"profile_id": 1},
        {"profile_id": 1, "weight_kg": "1", "evil": True},
        [],
        "x",
        None,
    ]:
        r = op.post("/api/v1/batches", body)
        assert r.status_code in (400, 415), body
        assert r.get_json()["code"].startswith("request.")
    assert op.get("/api/v1/batches").get_json()["total"] == 0


def test_oversized_body(world: World) -> None:
    op = world.as_("p1op")
    r = op.post("/api/v1/batches", {"profile_id": 1, "weight_kg": "1", "remarks": "x" * 400_000})
    assert r.status_code == 413 and r.get_json()["code"] == "request.too_large"


def test_unknown_route_and_method(world: World, client: FlaskClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    r = world.as_("p1op").delete("/api/v1/batches")
    assert r.status_code == 405 and r.get_json()["code"] == "method_not_allowed"


def test_unknown_waste_code_refused(world: World) -> None:
    r = world.as_("p1admin").post(
        "/api/v1/waste-profiles",
        {
            "waste_code": "999-999-99",
            "name": "x",
            "form": "固态",
            "hazards": ["T"],
            "packaging": "袋",
        },
    )
    assert r.status_code == 400 and r.get_json()["code"] == "waste.unknown_code"


def test_bad_uscc_refused(world: World) -> None:
    r = world.as_("park").post(
        "/api/v1/enterprises", {"uscc": "91320500MA1XY00010", "name": "x", "kind": "producer"}
    )
    assert r.status_code == 400
    assert r.get_json()["code"] in ("enterprise.invalid_uscc",)


def test_bad_query_parameters(world: World) -> None:
    op = world.as_("p1op")
    for q in ["limit=abc", "limit=100000", "status=NOPE", "offset=-1"]:
        r = op.get(f"/api/v1/batches?{q}")
        assert r.status_code == 400, q


def test_floats_nan_surrogates_and_huge_ids(world: World) -> None:
    op = world.as_("p1op")
    h = {"Authorization": f"Bearer {op.token}", "Content-Type": "application/json"}
    pid = world.profiles["p1"]
    for raw in [
        f'{{"profile_id": {pid}, "weight_kg": "1", "package_count": 1.0}}',
        f'{{"profile_id": {pid}, "weight_kg": "1", "package_count": NaN}}',
        f'{{"profile_id": {pid}, "weight_kg": "1", "remarks": "\\ud917"}}',
        '{"profile_id": 99999999999999999999, "weight_kg": "1"}',
    ]:
        r = op.client.post("/api/v1/batches", data=raw, headers=h)
        assert r.status_code == 400, raw
        assert r.get_json()["code"] == "request.invalid"
    assert op.get("/api/v1/enterprises/99999999999999999999").status_code == 404
    assert op.get("/api/v1/ledger/entries/99999999999999999999").status_code == 404
    r = op.get("/api/v1/batches?limit=1&limit=2")
    assert r.status_code == 400
    assert op.get("/api/v1/batches").get_json()["total"] == 0


def test_a_dropped_database_connection_is_a_retryable_503_not_a_500(
    world: World, database_url: str
) -> None:
    """PostgreSQL only: pooled connections are not pinged on checkout (a round trip a request),
    so a connection the server dropped is found by the request that uses it. That request gets
    ``db.unavailable`` (503, Retry-After), nothing is written, and a retry reconnects."""
    import sqlalchemy as sa

    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SQLite has no server connections to drop)")
    op = world.as_("p1op")
    profile = world.profiles["p1"]
    assert op.get("/api/v1/me").status_code == 200
    assert op.get("/api/v1/batches").status_code == 200
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        killed = c.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalar()
    admin.dispose()
    assert killed and killed >= 1
    statuses = []
    for _ in range(6):
        r = op.post("/api/v1/batches", {"profile_id": profile, "weight_kg": "3"})
        statuses.append(r.status_code)
        if r.status_code == 201:
            break
        assert r.status_code == 503, r.get_json()
        body = r.get_json()
        assert body["code"] == "db.unavailable" and body["message"] and body["message_en"]
        assert r.headers["Retry-After"] == "1"
    assert statuses[-1] == 201 and 503 in statuses, statuses
    # Exactly the one batch that was acknowledged exists.
    assert op.get("/api/v1/batches").get_json()["total"] == 1
