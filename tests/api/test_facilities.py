"""Facilities over the API: every storage room has a facility code; zones and
utilization/disposal facilities are made by an enterprise's admin; a facility's page lists what
it holds, its limits and its alarms; its sign decodes to the page's address; each endpoint is
scoped to the facility's enterprise and the park."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.factories import World
from tests.printer.conftest import zbar

ALL = ["p1op", "p1admin", "p2op", "p2admin", "t", "r1", "r2", "park", "auditor"]
SEES_P1 = {"p1op", "p1admin", "park", "auditor"}


def _storage(world: World, who: str = "p1admin", ent: str = "p1") -> dict[str, object]:
    rows = world.as_(who).get(f"/api/v1/facilities?enterprise_id={world.ids[ent]}").get_json()
    (room,) = [f for f in rows if f["kind"] == "storage" and f["room_id"] == world.rooms[ent]]
    return room


def test_rooms_are_storage_facilities_with_codes(world: World) -> None:
    room = _storage(world)
    assert room["code"] == "TS001" and room["kind_zh"] == "贮存设施" and room["name"] == "1号库"
    admin = world.as_("p1admin")
    r = admin.post(
        "/api/v1/storage-rooms", {"name": "2号库", "capacity_kg": "500", "allowed_categories": []}
    )
    codes = [f["code"] for f in admin.get("/api/v1/facilities").get_json()]
    assert r.status_code == 201 and codes == ["TS001", "TS002"]


def test_zones_and_disposal_facilities(world: World) -> None:
    admin = world.as_("p1admin")
    room = world.rooms["p1"]
    z = admin.post(
        "/api/v1/facilities",
        {"kind": "zone", "name": "A 区", "room_id": room, "allowed_categories": ["HW49"]},
    )
    assert z.status_code == 201 and z.get_json()["code"] == "TS001-01", z.get_json()
    again = admin.post("/api/v1/facilities", {"kind": "zone", "name": "B 区", "room_id": room})
    assert again.get_json()["code"] == "TS001-02"
    outside = admin.post(
        "/api/v1/facilities",
        {"kind": "zone", "name": "C 区", "room_id": room, "allowed_categories": ["HW08"]},
    )
    assert outside.status_code == 409
    assert outside.get_json()["code"] == "storage.category_not_allowed"
    d = admin.post("/api/v1/facilities", {"kind": "disposal", "name": "焚烧炉", "methods": ["D10"]})
    assert d.status_code == 201 and d.get_json()["code"] == "TS002"
    assert d.get_json()["methods"] == ["D10"]
    bad = admin.post("/api/v1/facilities", {"kind": "disposal", "name": "x", "methods": ["Z9"]})
    assert bad.status_code == 400
    storage = admin.post("/api/v1/facilities", {"kind": "storage", "name": "x"})
    assert storage.status_code == 400  # the schema: storage facilities come with rooms
    foreign = world.as_("p2admin").post(
        "/api/v1/facilities", {"kind": "zone", "name": "x", "room_id": room}
    )
    assert foreign.status_code == 404


def test_the_page_lists_what_is_stored_its_limits_and_alarms(world: World) -> None:
    op = world.as_("p1op")
    old = (world.ctx.today() - dt.timedelta(days=350)).isoformat()
    fresh = op.register(world.profiles["p1"], "12.5")["code"]
    aging = op.register(world.profiles["p1"], "3", produced_on=old)["code"]
    for code in (fresh, aging):
        assert op.act(code, "label").status_code == 200
        assert op.act(code, "store", room_id=world.rooms["p1"]).status_code == 200
    room = _storage(world)
    page = op.get(f"/api/v1/facilities/{room['id']}").get_json()
    assert [b["code"] for b in page["stored"]] == [aging, fresh]  # oldest first
    assert page["stored_kg"] == "15.500" and page["hazards"] == ["T", "In"]
    assert page["limits"]["capacity_kg"] == "1000.000"
    assert page["limits"]["allowed_categories"] == ["HW49"]
    assert page["limits"]["storage_limit_days"] == 365
    alarms = {(a["kind"], a["subject"]) for a in page["alarms"]}
    assert ("storage_near_limit", aging) in alarms and all(s != fresh for _, s in alarms)


def test_the_sign_opens_the_facility_page(world: World, tmp_path: Path) -> None:
    admin = world.as_("p1admin")
    room = _storage(world)
    uscc = admin.get(f"/api/v1/enterprises/{world.ids['p1']}").get_json()["uscc"]
    r = admin.get(f"/api/v1/facilities/{room['id']}/sign?format=pdf&page=A3")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    (tmp_path / "s.pdf").write_bytes(r.data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "100",
            "-png",
            "-singlefile",
            str(tmp_path / "s.pdf"),
            str(tmp_path / "s"),
        ],
        check=True,
    )
    assert zbar(tmp_path / "s.png") == [f"http://localhost/f/{uscc}/TS001"]
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "危险废物贮存设施" in text and "设施编码：TS001" in text
    png = admin.get(f"/api/v1/facilities/{room['id']}/sign?format=png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert admin.get(f"/api/v1/facilities/{room['id']}/sign?format=tspl").status_code == 400


@pytest.mark.parametrize("who", ALL)
def test_facility_endpoints_are_scoped(world: World, who: str) -> None:
    room = _storage(world)
    c = world.as_(who)
    expect = 200 if who in SEES_P1 else 404
    assert c.get(f"/api/v1/facilities/{room['id']}").status_code == expect
    assert c.get(f"/api/v1/facilities/{room['id']}/sign?format=png").status_code == expect
    listed = {f["id"] for f in c.get("/api/v1/facilities").get_json()}
    assert (room["id"] in listed) == (who in SEES_P1)
    made = c.post("/api/v1/facilities", {"kind": "disposal", "name": "设施", "methods": ["D10"]})
    if who in ("p1admin", "p2admin"):
        assert made.status_code == 201
    else:
        assert made.status_code == 403, (who, made.get_json())
