"""Input hardening: patterns anchored at both ends, no control characters in text, a depth limit
for JSON, 413 for any oversize body, permits checked when written and read defensively, room
categories from the catalogue, idempotent replays that answer as the original did, and the
security headers on every response."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

import schemas
from hwtrace import create_app
from hwtrace.domain.transport import read_permits
from hwtrace.services.context import Context
from hwtrace.store.tables import Enterprise
from schemas import formats
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, World, page_client, random_uscc


def _new_user(world: World, username: str) -> Any:
    return world.as_("p2admin").post(
        "/api/v1/users", {"username": username, "password": PASSWORD, "role": "operator"}
    )


def test_a_trailing_newline_is_not_part_of_any_pattern(world: World) -> None:
    # "p2op\n" used to be accepted as a user that shows as "p2op" (a look-alike account)
    r = _new_user(world, "lookalike\n")
    assert r.status_code == 400, r.get_json()
    assert _new_user(world, "lookalike").status_code == 201
    # the same for a query parameter with a pattern, and for the shared code formats
    r = world.as_("p1op").get("/api/v1/batches", query_string={"waste_code": "900-041-49\n"})
    assert r.status_code == 400
    assert formats.is_waste_code_format("900-041-49") and not formats.is_waste_code_format(
        "900-041-49\n"
    )
    v = schemas.strict_validator({"type": "string", "pattern": "^[a-z]+$"})
    assert v.is_valid("abc") and not v.is_valid("abc\n")
    assert schemas.ecma_pattern(r"^a[$]\$b$") == r"^a[$]\$b\Z"


def test_no_dollar_anchor_in_python_patterns() -> None:
    """Every regular expression of the server and the libraries ends with \\Z or uses
    fullmatch: a ``$`` at the end of a compiled pattern would let a final newline through."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    bad = []
    for pkg in ("hwtrace", "schemas", "pda_client", "printer", "ledger"):
        for path in (root / pkg).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text("utf-8")
            for m in re.finditer(r"re\.compile\(\s*((?:r?\"[^\"]*\"\s*)+)", text):
                if re.search(r"(?<!\\)\$\"\s*$", m.group(1)):
                    bad.append(f"{path.relative_to(root)}: {m.group(1)[:60]}")
    assert not bad, bad


def test_control_characters_refused_in_text(world: World) -> None:
    park = world.as_("park")
    for name in ("测试\x07单位", "line\nbreak", "tab\there", "\u202egnp.exe", "del\x7f", "c1\x85"):
        r = park.post(
            "/api/v1/enterprises", {"uscc": random_uscc(), "name": name, "kind": "producer"}
        )
        assert r.status_code == 400, (name, r.get_json())
        assert r.get_json()["code"] == "request.control_chars"
    # keys of an object too, and query strings
    r = park.post(
        "/api/v1/enterprises",
        {"uscc": random_uscc(), "name": "ok", "kind": "producer", "x\x00": 1},
    )
    assert r.status_code == 400 and r.get_json()["code"] == "request.control_chars"
    r = world.as_("p1op").get("/api/v1/batches", query_string={"q": "a\x1bb"})
    assert r.status_code == 400 and r.get_json()["code"] == "request.control_chars"


def test_deep_json_is_400_not_500(world: World, client: FlaskClient) -> None:
    h = {"Content-Type": "application/json"}
    r = client.post("/api/v1/auth/login", data=b"[" * 100_000, headers=h)
    assert r.status_code == 400 and r.get_json()["code"] == "request.too_deep"
    deep = json.dumps({"username": "x", "password": "y", "z": json.loads("[" * 40 + "]" * 40)})
    r = client.post("/api/v1/auth/login", data=deep, headers=h)
    assert r.status_code == 400 and r.get_json()["code"] == "request.too_deep"


def test_oversize_chunked_body_is_413(world: World, client: FlaskClient) -> None:
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    env = {"wsgi.input_terminated": True}
    body = b'{"username": "' + b"x" * (limit + 10) + b'", "password": "y"}'
    r = client.post(
        "/api/v1/auth/login", input_stream=io.BytesIO(body), headers=chunked, environ_overrides=env
    )
    assert r.status_code == 413 and r.get_json()["code"] == "request.too_large"
    # with a Content-Length as well
    r = client.post("/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    # a chunked body under the limit still works
    small = json.dumps({"username": world.usernames["p1op"], "password": PASSWORD}).encode()
    r = client.post(
        "/api/v1/auth/login", input_stream=io.BytesIO(small), headers=chunked, environ_overrides=env
    )
    assert r.status_code == 200, r.get_json()


def test_permits_checked_on_write(world: World) -> None:
    park = world.as_("park")
    for bad in (
        {"operating": "yes"},
        {"operating": {"number": "JS1", "codes": "900-041-49"}},
        {"operating": {"number": ["JS1"], "codes": ["900-041-49"]}},
        {"other": {}},
    ):
        r = park.post(
            "/api/v1/enterprises",
            {"uscc": random_uscc(), "name": "许可测试", "kind": "receiver", "permits": bad},
        )
        assert r.status_code == 400, (bad, r.get_json())
        assert r.get_json()["code"] == "enterprise.invalid_permits"
    good = {"operating": {"number": "JS1", "codes": ["900-041-49"], "annual_capacity_t": "10"}}
    r = park.post(
        "/api/v1/enterprises",
        {"uscc": random_uscc(), "name": "许可测试", "kind": "receiver", "permits": good},
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["permits"]["operating"]["codes"] == ["900-041-49"]


def _store_permits(ctx: Context, enterprise_id: int, permits: Any) -> None:
    with ctx.db.write_session() as s:
        ent = s.get_one(Enterprise, enterprise_id)
        ent.permits = permits
        s.commit()


def test_a_malformed_stored_permit_causes_no_500(world: World, ctx: Context) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.as_("p1op").act(code, "label")
    world.as_("p1op").act(code, "store", room_id=world.rooms["p1"])
    admin = world.as_("park")
    for bad in (
        "junk",
        [1, 2],
        {"operating": "yes"},
        {"operating": {"number": "JS1", "codes": 5, "annual_capacity_t": "lots"}},
        {"operating": {"number": ["x"], "codes": ["900-041-49"]}},
    ):
        _store_permits(ctx, world.ids["r1"], bad)
        r = world.as_("p1op").post(
            "/api/v1/bookings",
            {
                "codes": [code],
                "transporter_id": world.ids["t"],
                "receiver_id": world.ids["r1"],
                "window_start": "2030-01-01T08:00:00+08:00",
                "window_end": "2030-01-01T18:00:00+08:00",
                "planned_method": world.method_d,
            },
        )
        assert r.status_code == 409, (bad, r.get_json())
        assert r.get_json()["code"] == "permit.missing"
        r = admin.get(f"/api/v1/enterprises/{world.ids['r1']}")
        assert r.status_code == 200 and r.get_json()["permits"] == {}
    _store_permits(ctx, world.ids["t"], {"transport": {"number": "T1", "valid_until": 20300101}})
    assert admin.get(f"/api/v1/enterprises/{world.ids['t']}").get_json()["permits"] == {}
    # the reader keeps what is well-formed
    assert read_permits(
        {"operating": {"number": "JS1", "codes": ["900-041-49", 7, "x"], "annual_capacity_t": 5}}
    ) == {"operating": {"number": "JS1", "codes": ["900-041-49"], "annual_capacity_t": "5"}}


def test_a_malformed_stored_permit_keeps_the_console_page_up(
    world: World, ctx: Context, app: Flask
) -> None:
    _store_permits(ctx, world.ids["r1"], {"operating": {"number": "JS1", "codes": 5}})
    client = page_client(app, world.usernames["park"])
    r = client.get(f"/enterprises/{world.ids['r1']}")
    assert r.status_code == 200


def test_room_categories_only_from_the_catalogue(world: World) -> None:
    admin = world.as_("p1admin")
    r = admin.post(
        "/api/v1/storage-rooms",
        {"name": "假类别库", "capacity_kg": "10", "allowed_categories": ["HW99"]},
    )
    assert r.status_code == 400 and r.get_json()["code"] == "catalogue.unknown_category"
    r = admin.post(
        "/api/v1/storage-rooms",
        {"name": "真类别库", "capacity_kg": "10", "allowed_categories": ["HW08"]},
    )
    assert r.status_code == 201 and r.get_json()["allowed_categories"] == ["HW08"]


def test_idempotent_replay_answers_exactly_as_the_original(world: World) -> None:
    op = world.as_("p1op")
    key = {"Idempotency-Key": "replay-test-0001"}
    body = {"profile_id": world.profiles["p1"], "weight_kg": "12.5"}
    first = op.post("/api/v1/batches", body, headers=key)
    assert first.status_code == 201
    # the batch moves on; the replay still answers what the registration answered
    assert op.act(first.get_json()["code"], "label").status_code == 200
    again = op.post("/api/v1/batches", body, headers=key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


def test_nosniff_everywhere_and_hsts_when_secure(
    world: World, client: FlaskClient, database_url: str, tmp_path: Any
) -> None:
    for r in (
        client.get("/healthz"),
        client.get("/api/v1/me"),
        client.get("/api/v1/nowhere"),
        client.get("/login"),
    ):
        assert r.headers["X-Content-Type-Options"] == "nosniff", r.request.path
        assert "Strict-Transport-Security" not in r.headers
    r = client.get("/healthz", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    # X-Forwarded-Proto counts only from a trusted proxy
    r = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers
    behind = create_app(
        {
            **TEST_CONFIG,
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "PARK_CODE": world.ctx.settings.park_code,
            "LEDGER_KEY_FILE": str(tmp_path / "ledger.key"),
            "SECRET_KEY": "test",
            "TRUSTED_PROXIES": 1,
        }
    )
    try:
        r = behind.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        behind.extensions["hwtrace"].db.dispose()


def test_an_id_beyond_the_database_integer_is_no_such_row(world: World) -> None:
    """An id over PostgreSQL's integer range in a URL is answered 404 before any query (it used
    to reach the database and come back as a 500 there)."""
    for path in (
        "/api/v1/bookings/2147483648",
        "/api/v1/contracts/99999999999999999999",
        "/api/v1/bookings/2147483647",
    ):
        r = world.as_("p1admin").get(path)
        assert r.status_code == 404, (path, r.status_code, r.get_data(as_text=True)[:200])
        assert r.get_json()["code"] in ("not_found", "no_route"), r.get_json()
    # whatever the method (a rule refused after matching made werkzeug answer 405)
    for big in ("2147483648", "21473586530276383"):
        r = world.as_("p1admin").put(f"/api/v1/users/{big}/authorizations", {"profile_ids": [1]})
        assert r.status_code == 404, (big, r.status_code)
