"""Property-based: generated hostile strings and structures sent into every JSON body and query of
the API and into the forms find no 500 (hypothesis)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwtrace.api.routing import ROUTES, body_schema
from tests.factories import World, page_client

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "p2op\n",
            "\x00",
            "\u202egnp.exe",
            "=CMD|' /C calc'!A0",
            "<script>alert(1)</script>",
            "'; DROP TABLE batch; --",
            "../../etc/passwd",
            "%00",
            "9" * 400,
            "-1",
            "1e309",
            "NaN",
            "\ud800",
            "２５．５",
            "HW08",
            "900-041-49",
            "2026-13-45",
            "999999999999999999999999",
        ]
    ),
)
# what a URL or a form can carry at all (a lone surrogate cannot be encoded)
NO_SURROGATES = HOSTILE_TEXT.filter(lambda s: not any("\ud800" <= c <= "\udfff" for c in s))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    HOSTILE_TEXT,
)
HOSTILE_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(HOSTILE_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


# bodies no JSON encoder would write: deep nesting, broken UTF-8, truncation, bare values
RAW_BODIES = [
    b"[" * 5000,
    b'{"a":' * 3000,
    b"\xff\xfe\x00",
    b"",
    b'{"name": "x"',
    b"null",
    b"1e999999",
    b'{"a": NaN}',
    b'{"a": 1, "a": 2}',
]


def _property_names(name: str) -> list[str]:
    schema = body_schema(name).schema
    return sorted((schema.get("properties") or {}).keys())


def _body(draw: Any, name: str) -> Any:
    """A body: any JSON at all, or the schema's own keys holding hostile values."""
    if draw(st.booleans()):
        return draw(HOSTILE_JSON)
    keys = _property_names(name)
    chosen = draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    return {k: draw(HOSTILE_JSON) for k in chosen}


def _url(rule: str, draw: Any) -> str:
    return "/api/v1" + re.sub(
        r"<(?:int:)?([a-z_]+)>",
        lambda m: (
            str(draw(st.one_of(st.integers(0, 2**40), st.just(1))))
            if "int:" in m.group(0)
            else draw(st.sampled_from(["x", "91320500MA1XY00107", "%0A", "..", "ü"]))
        ),
        rule,
    )


WRITES = [d for d in ROUTES if d.body is not None]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_body_or_query_of_the_api_answers_500(world: World, data: st.DataObject) -> None:
    doc = data.draw(st.sampled_from(ROUTES), label="route")
    who = data.draw(st.sampled_from(["p1op", "p1admin", "park", "t", "r1"]), label="who")
    url = _url(doc.rule, data.draw)
    query = {
        q["name"]: data.draw(NO_SURROGATES)
        for q in doc.query
        if q["in"] == "query" and data.draw(st.booleans())
    }
    kw: dict[str, Any] = {"query_string": query}
    if doc.body is not None:
        raw = data.draw(st.sampled_from([None, None, None, *RAW_BODIES]), label="raw")
        kw["data"] = raw if raw is not None else json.dumps(_body(data.draw, doc.body))
        kw["content_type"] = "application/json"
    caller = world.as_(who)
    r = caller.client.open(
        url,
        method=doc.method,
        headers={"Authorization": f"Bearer {caller.token}"},
        **kw,
    )
    assert r.status_code < 500, (doc.method, url, kw, r.get_data(as_text=True)[:500])
    if r.status_code >= 400:
        problem = r.get_json()
        assert problem["code"] and problem["message"] and problem["message_en"]


FORMS = [
    ("/m/register", ["profile_id", "weight_kg", "package_count", "container_volume_l", "process"]),
    ("/m/scan/store", ["code", "room_id", "reason"]),
    ("/profiles", ["waste_code", "name", "form", "hazards", "packaging", "main_components"]),
    ("/warnings/ack", ["key", "note", "back"]),
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_answers_500(world: World, app: Flask, data: st.DataObject) -> None:
    client = page_client(app, world.usernames["p1admin"])
    with client.session_transaction() as sess:
        csrf = sess.get("csrf", "")
    url, fields = data.draw(st.sampled_from(FORMS), label="form")
    form = {f: data.draw(NO_SURROGATES) for f in fields}
    form["csrf"] = csrf
    r = client.post(url, data=form)
    assert r.status_code < 500, (url, form, r.get_data(as_text=True)[:500])
    # and the login form
    anon = app.test_client()
    anon.get("/login")
    with anon.session_transaction() as sess:
        token = sess.get("csrf", "")
    creds = {
        "username": data.draw(NO_SURROGATES),
        "password": data.draw(NO_SURROGATES),
        "csrf": token,
    }
    r = anon.post("/login", data=creds)
    assert r.status_code < 500, (creds, r.get_data(as_text=True)[:500])


def _form_token(client: Any, path: str) -> str:
    """The CSRF token of the form on ``path``, as the browser has it."""
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert m, path
    return m.group(1)


def test_a_form_refuses_control_characters_and_writes_nothing(world: World, app: Flask) -> None:
    client = page_client(app, world.usernames["p1admin"])
    csrf = _form_token(client, "/profiles")
    before = world.as_("p1admin").get("/api/v1/waste-profiles").get_json()
    for hostile in ("废矿物油\r\nSIZE 100 mm", "废矿物油\x1b@", "\u202egnp.exe"):
        r = client.post(
            "/profiles",
            data={
                "csrf": csrf,
                "waste_code": "900-249-08",
                "name": hostile,
                "form": "液态",
                "hazards": "T,I",
                "packaging": "桶",
            },
        )
        assert r.status_code == 400, r.get_data(as_text=True)[:300]
        assert "控制字符" in r.get_data(as_text=True)
    assert world.as_("p1admin").get("/api/v1/waste-profiles").get_json() == before


def test_a_list_typed_one_item_a_line_is_not_refused(world: World, app: Flask) -> None:
    client = page_client(app, world.usernames["park"])
    csrf = _form_token(client, "/enterprises/new")
    r = client.post(
        "/enterprises/new",
        data={"csrf": csrf, "kind": "receiver", "operating_codes": "900-041-49\r\n271-001-02"},
    )
    assert "控制字符" not in r.get_data(as_text=True)
    assert r.status_code < 500
