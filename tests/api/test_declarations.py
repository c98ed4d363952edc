"""Declarations through the API: the park sets a producer's management class; the producer
reviews the report of a period built from the ledger, submits it (the ledger entry fixes the
content's hash), corrects it by a new version with a reason; PDF and XLSX; the to-do list; who
may see and do what."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from hwtrace.domain.declarations import PeriodKind, c_headers
from hwtrace.store.tables import Enterprise
from tests.factories import World


def _last_month() -> tuple[str, dt.datetime]:
    first = dt.date.today().replace(day=1)
    last = first - dt.timedelta(days=1)
    mid = dt.datetime(last.year, last.month, 15, 2, tzinfo=dt.UTC)
    return f"{last.year}-{last.month:02d}", mid


def _classify(world: World, who: str = "p1", cls: str = "key") -> None:
    r = world.as_("park").put(
        f"/api/v1/enterprises/{world.ids[who]}/management-class", {"management_class": cls}
    )
    assert r.status_code == 200 and r.get_json()["management_class"] == cls, r.get_json()


def test_review_submit_and_correct(world: World) -> None:
    _classify(world)
    period, mid = _last_month()
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"], "25.5", client_ts=mid.isoformat())["code"]
    assert op.act(code, "label", client_ts=mid.isoformat()).status_code == 200
    admin = world.as_("p1admin")
    rep = admin.get(f"/api/v1/declarations/report?period={period}").get_json()
    assert rep["table"] == "C.1" and rep["headers"] == c_headers(PeriodKind.MONTH)
    assert rep["wastes"] == [
        {
            "waste_code": "900-041-49",
            "opening_t": "0.000000",
            "generated_t": "0.025500",
            "self_t": "0.000000",
            "out_t": "0.000000",
            "closing_t": "0.025500",
        }
    ]
    row = rep["rows"][0]
    assert row[1] == "废包装桶" and row[4] == "900-041-49" and row[8] == "0.025500"
    # the operator may not declare; a report that changed since review is refused
    body = {"period": period, "reviewed_sha256": rep["sha256"]}
    r = op.post("/api/v1/declarations", body)
    assert r.status_code == 403
    r = admin.post("/api/v1/declarations", {**body, "reviewed_sha256": "0" * 64})
    assert r.status_code == 409 and r.get_json()["code"] == "declaration.changed"
    r = admin.post("/api/v1/declarations", body)
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert d["version"] == 1 and d["content_sha256"] == rep["sha256"]
    # the ledger entry carries the content's hash
    subject = f"declaration:{_uscc(world)}:{period}"
    entries = world.as_("park").get(f"/api/v1/ledger/entries?subject={subject}").get_json()
    items = entries["items"] if isinstance(entries, dict) else entries
    assert [e["type"] for e in items] == ["declaration.submit"]
    assert items[0]["payload"]["content_sha256"] == rep["sha256"]
    # a correction is a new version, with a reason
    r = admin.post("/api/v1/declarations", body)
    assert r.status_code == 400 and r.get_json()["code"] == "declaration.reason_required"
    r = admin.post("/api/v1/declarations", {**body, "reason": "补录漏报批次"})
    assert r.status_code == 201 and r.get_json()["version"] == 2
    versions = admin.get("/api/v1/declarations").get_json()
    assert [(v["period"], v["version"]) for v in versions] == [(period, 2), (period, 1)]
    # PDF (draft and as submitted) and XLSX
    pdf = admin.get(f"/api/v1/declarations/report.pdf?period={period}&version=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert admin.get(f"/api/v1/declarations/report.pdf?period={period}").data[:4] == b"%PDF"
    x = admin.get(f"/api/v1/declarations/report.xlsx?period={period}")
    assert x.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(x.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == c_headers(PeriodKind.MONTH)
    assert rows[1][4] == "900-041-49" and rows[1][8] == "0.025500"


def _uscc(world: World, who: str = "p1") -> str:
    with world.ctx.db.read_session() as s:
        return s.get_one(Enterprise, world.ids[who]).uscc


def test_what_may_not_be_declared(world: World) -> None:
    admin = world.as_("p1admin")
    period, _ = _last_month()
    sha = admin.get(f"/api/v1/declarations/report?period={period}").get_json()["sha256"]
    # no class yet: nothing to declare
    r = admin.post("/api/v1/declarations", {"period": period, "reviewed_sha256": sha})
    assert r.status_code == 409 and r.get_json()["code"] == "declaration.not_required"
    _classify(world, cls="simplified")
    r = admin.post("/api/v1/declarations", {"period": period, "reviewed_sha256": sha})
    assert r.status_code == 409 and r.get_json()["code"] == "declaration.not_required"
    today = dt.date.today()
    r = admin.post("/api/v1/declarations", {"period": str(today.year), "reviewed_sha256": sha})
    assert r.status_code == 409 and r.get_json()["code"] == "declaration.period_open"
    r = admin.get("/api/v1/declarations/report?period=2026-13")
    assert r.status_code == 400 and r.get_json()["code"] == "declaration.invalid_period"


def test_the_to_do_list_and_the_park_view(world: World) -> None:
    _classify(world)
    _classify(world, "p2", "key")
    with world.ctx.db.write_session() as s:  # classes set ten weeks ago
        for who in ("p1", "p2"):
            s.get_one(Enterprise, world.ids[who]).class_since = dt.date.today() - dt.timedelta(
                days=70
            )
        s.commit()
    period, _ = _last_month()
    admin = world.as_("p1admin")
    sha = admin.get(f"/api/v1/declarations/report?period={period}").get_json()["sha256"]
    assert (
        admin.post("/api/v1/declarations", {"period": period, "reviewed_sha256": sha}).status_code
        == 201
    )
    due = admin.get("/api/v1/declarations/due").get_json()
    by = {d["period"]: d for d in due}
    assert by[period]["version"] == 1
    # declared today: late only when today is past the 15th (HJ 1259-2022 §7.2)
    assert by[period]["late"] is (dt.date.today().day > 15)
    assert by[period]["deadline"] == dt.date.today().replace(day=15).isoformat()
    assert len(due) >= 2 and all(d["enterprise_id"] == world.ids["p1"] for d in due)
    open_ = [d for d in due if d["version"] == 0]
    assert open_ and due[0]["version"] == 0  # open ones first
    park = world.as_("park").get("/api/v1/declarations/due").get_json()
    mine = [d for d in park if d["enterprise_id"] in (world.ids["p1"], world.ids["p2"])]
    assert {d["enterprise_id"] for d in mine} == {world.ids["p1"], world.ids["p2"]}
    lates = [d["late"] for d in park]
    assert lates == sorted(lates, reverse=True)  # the late ones first


ENDPOINTS = [
    ("PUT", "/api/v1/enterprises/{p1}/management-class"),
    ("GET", "/api/v1/declarations/report?period=2025-01"),
    ("GET", "/api/v1/declarations/report.xlsx?period=2025-01"),
    ("GET", "/api/v1/declarations/report.pdf?period=2025-01"),
    ("POST", "/api/v1/declarations"),
    ("GET", "/api/v1/declarations"),
    ("GET", "/api/v1/declarations/due"),
]


def test_every_endpoint_needs_a_login(world: World) -> None:
    anon = world.app.test_client()
    for method, url in ENDPOINTS:
        r = anon.open(url.format(p1=world.ids["p1"]), method=method, json={})
        assert r.status_code == 401 and r.get_json()["code"] == "auth.required", url


@pytest.mark.parametrize("who", ["p1admin", "p1op", "p2admin", "t", "r1", "park", "auditor"])
def test_who_may_see_and_do_what(world: World, who: str) -> None:
    caller = world.as_(who)
    p1 = world.ids["p1"]
    r = caller.put(f"/api/v1/enterprises/{p1}/management-class", {"management_class": "key"})
    assert r.status_code == (200 if who == "park" else 403), who
    # p1's report: p1's users and the park; another producer is told it does not exist
    r = caller.get(f"/api/v1/declarations/report?period=2025-01&enterprise_id={p1}")
    expected = {"p1admin": 200, "p1op": 200, "park": 200, "auditor": 200, "p2admin": 404}
    assert r.status_code == expected.get(who, 404), (who, r.get_json())
    r = caller.get(f"/api/v1/declarations?enterprise_id={p1}")
    assert r.status_code == expected.get(who, 404), who
    # only producers have reports of their own
    r = caller.get("/api/v1/declarations/report?period=2025-01")
    assert r.status_code == (200 if who in ("p1admin", "p1op", "p2admin") else 409), (
        who,
        r.get_json(),
    )
    r = caller.post("/api/v1/declarations", {"period": "2025-01", "reviewed_sha256": "0" * 64})
    assert r.status_code in ((409,) if who in ("p1admin", "p2admin") else (403,)), who
    r = caller.get("/api/v1/declarations/due")
    assert r.status_code == 200 and isinstance(r.get_json(), list)


def test_content_hash_is_the_canonical_content(world: World) -> None:
    admin = world.as_("p1admin")
    period, _ = _last_month()
    rep = admin.get(f"/api/v1/declarations/report?period={period}").get_json()
    assert len(rep["sha256"]) == 64
    # the report changes when the ledger does: a batch registered in that month
    mid = _last_month()[1]
    world.as_("p1op").register(world.profiles["p1"], "10", client_ts=mid.isoformat())
    again = admin.get(f"/api/v1/declarations/report?period={period}").get_json()
    assert again["sha256"] != rep["sha256"]
