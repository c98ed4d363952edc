"""Loading through the API (and the handheld's offline sync) refused by 《危险废物转移管理办法》
第十三条第三款: the shipper checks the carrier's permits, its vehicle and its personnel, and that
the label matches the manifest; if not, it does not load. Each refusal has its stable code and
the article, writes nothing (the ledger does not grow, the line stays pending), and loading
works once the cause is put right. The fleet API: who keeps vehicles and personnel."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa

from hwtrace.store.tables import Batch, Enterprise
from tests.api.test_transport import _manifest, _size, _stored
from tests.factories import World
from tests.pages.handheld import payload

ARTICLE = "第十三条第三款"


def _load(world: World, number: str, code: str, **body: Any) -> Any:
    return world.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": code, **body})


def _refused(world: World, number: str, code: str, expected: str, **body: Any) -> dict[str, Any]:
    """The load is refused with ``expected`` citing the article, and nothing is written."""
    size = _size(world)
    r = _load(world, number, code, **body)
    problem: dict[str, Any] = r.get_json()
    assert r.status_code == 409, problem
    assert problem["code"] == expected, problem
    assert ARTICLE in problem["message"] and "art. 13 para. 3" in problem["message_en"]
    assert _size(world) == size
    lines = world.as_("t").get(f"/api/v1/manifests/{number}").get_json()["lines"]
    assert {ln["code"]: ln["outcome"] for ln in lines}[code] == "PENDING"
    return problem


def _loads(world: World, number: str, code: str, **body: Any) -> None:
    r = _load(world, number, code, **body)
    assert r.status_code == 200, r.get_json()


def _ready(world: World, n: int = 1, weight: str = "100") -> tuple[str, list[str]]:
    codes = _stored(world, "p1", n, weight)
    return _manifest(world, "p1", codes), codes


def _put_vehicle(world: World, **change: Any) -> None:
    v = next(
        x
        for x in world.as_("tadmin").get("/api/v1/vehicles").get_json()
        if x["id"] == world.vehicle_id
    )
    body = {k: v[k] for k in ("certificate_no", "certificate_valid_until", "dangerous_goods")}
    r = world.as_("tadmin").put(f"/api/v1/vehicles/{world.vehicle_id}", {**body, **change})
    assert r.status_code == 200, r.get_json()


def _put_driver(world: World, **change: Any) -> None:
    p = next(
        x
        for x in world.as_("tadmin").get("/api/v1/transport-staff").get_json()
        if x["id"] == world.staff_id
    )
    keys = ("name", "role", "qualification_no", "qualification_valid_until", "user_id")
    body = {k: p[k] for k in keys}
    r = world.as_("tadmin").put(f"/api/v1/transport-staff/{world.staff_id}", {**body, **change})
    assert r.status_code == 200, r.get_json()


def _set_transport_permit(world: World, permit: dict[str, Any]) -> None:
    # Set below the API: permits are issued by the authority and expire with time.
    with world.ctx.db.write_session() as s:
        s.get_one(Enterprise, world.ids["t"]).permits = permit
        s.commit()


def _yesterday(world: World) -> str:
    return (world.ctx.today() - dt.timedelta(days=1)).isoformat()


def test_carrier_permit_missing_or_expired_refuses_loading(world: World) -> None:
    """第十三条第三款: the carrier's dangerous-goods transport permit."""
    number, (code,) = _ready(world)
    _set_transport_permit(world, {})
    _refused(world, number, code, "loading.carrier_permit_missing")
    _set_transport_permit(world, {"transport": {"number": "P-1", "valid_until": _yesterday(world)}})
    p = _refused(world, number, code, "loading.carrier_permit_expired")
    assert p["context"]["valid_until"] == _yesterday(world)
    today = world.ctx.today().isoformat()
    _set_transport_permit(world, {"transport": {"number": "P-1", "valid_until": today}})
    _loads(world, number, code)


def test_unknown_vehicle_refuses_loading(world: World) -> None:
    """第十三条第三款: a vehicle the carrier has not registered (the booking named another
    plate), or one it retired."""
    codes = _stored(world, "p1", 1)
    r = world.as_("p1op").post(
        "/api/v1/bookings",
        {
            "codes": codes,
            "transporter_id": world.ids["t"],
            "receiver_id": world.ids["r1"],
            "planned_method": "D10",
            "window_start": dt.datetime.now(dt.UTC).isoformat(),
            "window_end": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).isoformat(),
        },
    )
    bid = r.get_json()["id"]
    accept = {
        "vehicle_plate": "苏E99999",
        "driver_user_id": world.user_ids["t"],
        "driver_licence": "320500000001",
    }
    assert world.as_("t").post(f"/api/v1/bookings/{bid}/accept", accept).status_code == 200
    number = world.as_("p1op").post(f"/api/v1/bookings/{bid}/manifest").get_json()["number"]
    assert world.as_("p1op").act(codes[0], "unstore").status_code == 200
    p = _refused(world, number, codes[0], "loading.vehicle_unknown")
    assert p["context"]["plate"] == "苏E99999"
    # The registered vehicle, retired, is refused the same way.
    number2, (code2,) = _ready(world)
    _put_vehicle(world, active=False)
    _refused(world, number2, code2, "loading.vehicle_unknown")
    _put_vehicle(world, active=True)
    _loads(world, number2, code2)


def test_vehicle_certificate_expired_or_not_approved_refuses_loading(world: World) -> None:
    """第十三条第三款: the vehicle's road-transport certificate (道路运输证) must be valid and
    cover dangerous goods."""
    number, (code,) = _ready(world)
    _put_vehicle(world, certificate_valid_until=_yesterday(world))
    _refused(world, number, code, "loading.vehicle_certificate_expired")
    _put_vehicle(world, certificate_valid_until=world.ctx.today().isoformat())
    _put_vehicle(world, dangerous_goods=False)
    _refused(world, number, code, "loading.vehicle_not_approved")
    _put_vehicle(world, dangerous_goods=True)
    _loads(world, number, code)


def test_driver_unqualified_or_expired_refuses_loading(world: World) -> None:
    """第十三条第三款: the manifest's driver must be a registered driver of the carrier with a
    valid dangerous-goods qualification certificate (从业资格证)."""
    number, (code,) = _ready(world)
    _put_driver(world, user_id=None)  # the login is nobody's registered driver
    _refused(world, number, code, "loading.driver_unqualified")
    _put_driver(world, user_id=world.user_ids["t"], role="escort")
    _refused(world, number, code, "loading.driver_unqualified")
    _put_driver(world, role="driver", qualification_valid_until=_yesterday(world))
    _refused(world, number, code, "loading.driver_qualification_expired")
    _put_driver(world, qualification_valid_until=world.ctx.today().isoformat())
    # The transporter's admin loading for the driver is checked against the manifest's driver.
    r = world.as_("tadmin").post(f"/api/v1/manifests/{number}/load", {"code": code})
    assert r.status_code == 200, r.get_json()
    checked = world.as_("t").get(f"/api/v1/batches/{code}/history").get_json()[-1]["payload"]
    assert checked["loading_check"] == {
        "article": ARTICLE,
        "transport_permit": "苏交运管许可苏字320500000001号",
        "vehicle_certificate": "苏交运管苏字320500123456号",
        "driver_qualification": "320500000001",
        "label": "code",
    }


def test_label_not_on_the_manifest_refuses_loading(world: World) -> None:
    """第十三条第三款 (and 第十一条(一)): a label of a batch that is not on this manifest."""
    number, _ = _ready(world)
    (stray,) = _stored(world, "p1", 1)
    size = _size(world)
    r = _load(world, number, stray, label=payload(world.ctx, stray))
    assert r.status_code == 409 and r.get_json()["code"] == "manifest.not_on_manifest"
    assert ARTICLE in r.get_json()["message"]
    assert _size(world) == size


def test_label_whose_waste_code_differs_from_the_manifest_line_refuses_loading(
    world: World,
) -> None:
    """第十三条第三款: the label's waste code against the manifest line's. hwtrace never writes
    such a line (the code embeds the waste code and a correction cannot change it); a row
    imported or edited outside it can hold one, and loading refuses it."""
    number, (code,) = _ready(world)
    label = payload(world.ctx, code)
    with world.ctx.db.write_session() as s:
        s.execute(sa.update(Batch).where(Batch.code == code).values(waste_code="900-249-08"))
        s.commit()
    p = _refused(world, number, code, "loading.label_waste_code", label=label)
    assert p["context"]["manifest_waste_code"] == "900-249-08"
    assert p["context"]["label_waste_code"] == "900-041-49"
    _refused(world, number, code, "loading.label_waste_code")  # the bare code says the same


def test_label_weight_beyond_the_tolerance_refuses_loading(world: World) -> None:
    """第十三条第三款: a label printed before the weight was corrected (25.5 kg) against the
    manifest line (30 kg: more than the 1 % tolerance) is refused; the reprinted label loads."""
    op = world.as_("p1op")
    b = op.register(world.profiles["p1"], "25.5")
    code = b["code"]
    assert op.act(code, "label").status_code == 200
    old_label = payload(world.ctx, code)
    r = op.post(
        f"/api/v1/batches/{code}/corrections",
        {"corrects_seq": b["last_seq"], "reason": "复称", "weight_kg": "30"},
    )
    assert r.status_code == 200, r.get_json()
    assert op.act(code, "store", room_id=world.rooms["p1"]).status_code == 200
    number = _manifest(world, "p1", [code])
    p = _refused(world, number, code, "loading.label_weight", label=old_label)
    assert (p["context"]["label_kg"], p["context"]["manifest_kg"]) == ("25.500", "30.000")
    assert p["context"]["tolerance_pct"] == "1"
    # A QR payload of another batch than the code sent is a scanning error.
    (other,) = _stored(world, "p1", 1)
    r = _load(world, number, code, label=payload(world.ctx, other))
    assert r.status_code == 400 and r.get_json()["code"] == "loading.label_code_differs"
    _loads(world, number, code, label=payload(world.ctx, code))
    checked = world.as_("t").get(f"/api/v1/batches/{code}/history").get_json()[-1]["payload"]
    assert checked["loading_check"]["label"] == "qr"


def test_offline_sync_of_a_refused_loading_is_refused_alone(world: World) -> None:
    """第十三条第三款 through the handheld's queue: a load replayed by /sync is checked as the
    single request; the refused item writes nothing, the good one loads."""
    number, (a, b) = _ready(world, 2)
    _put_vehicle(world, certificate_valid_until=_yesterday(world))
    key = uuid.uuid4().hex[:12]

    def item(k: str, code: str) -> dict[str, str]:
        body = json.dumps({"code": code, "label": payload(world.ctx, code)}, ensure_ascii=False)
        return {"key": f"{key}-{k}", "path": f"/manifests/{number}/load", "body": body}

    size = _size(world)
    r = world.as_("t").post("/api/v1/sync", {"items": [item("a", a)]})
    (res,) = r.get_json()["results"]
    assert res["status"] == 409 and res["body"]["code"] == "loading.vehicle_certificate_expired"
    assert _size(world) == size
    _put_vehicle(world, certificate_valid_until=world.ctx.today().isoformat())
    r = world.as_("t").post("/api/v1/sync", {"items": [item("b", b)]})
    assert [x["status"] for x in r.get_json()["results"]] == [200]


def test_fleet_is_kept_by_the_transporters_admin_and_seen_by_the_park(world: World) -> None:
    until = (world.ctx.today() + dt.timedelta(days=30)).isoformat()
    body = {
        "plate": "苏E 6D218",
        "certificate_no": "苏交运管苏字320500777777号",
        "certificate_valid_until": until,
        "dangerous_goods": True,
    }
    for who in ("t", "p1admin", "park"):
        assert world.as_(who).post("/api/v1/vehicles", body).status_code == 403
    r = world.as_("tadmin").post("/api/v1/vehicles", body)
    assert r.status_code == 201 and r.get_json()["plate"] == "苏E6D218"
    r = world.as_("tadmin").post("/api/v1/vehicles", body)
    assert r.status_code == 409 and r.get_json()["code"] == "fleet.duplicate"
    r = world.as_("tadmin").post("/api/v1/vehicles", {**body, "plate": "E6D218"})
    assert r.status_code == 400 and r.get_json()["code"] == "transport.invalid_plate"
    mine = {v["plate"] for v in world.as_("t").get("/api/v1/vehicles").get_json()}
    assert mine == {"苏E12345", "苏E6D218"}
    park = world.as_("park").get(f"/api/v1/vehicles?enterprise_id={world.ids['t']}").get_json()
    assert {v["plate"] for v in park} == mine
    assert world.as_("p1op").get("/api/v1/vehicles").status_code == 403
    staff = {
        "name": "李押运",
        "role": "escort",
        "qualification_no": "320500000099",
        "qualification_valid_until": until,
    }
    r = world.as_("tadmin").post("/api/v1/transport-staff", staff)
    assert r.status_code == 201 and r.get_json()["role_zh"] == "押运员"
    r = world.as_("tadmin").post("/api/v1/transport-staff", {**staff, "name": "重复"})
    assert r.status_code == 409 and r.get_json()["code"] == "fleet.duplicate"
    # A login of another enterprise, or one linked to another person already, is refused.
    other = {**staff, "qualification_no": "320500000098", "user_id": world.user_ids["p1op"]}
    r = world.as_("tadmin").post("/api/v1/transport-staff", other)
    assert r.status_code == 409 and r.get_json()["code"] == "transport.driver_invalid"
    r = world.as_("tadmin").post(
        "/api/v1/transport-staff", {**other, "user_id": world.user_ids["t"]}
    )
    assert r.status_code == 409 and r.get_json()["code"] == "fleet.duplicate"
    names = {p["name"] for p in world.as_("park").get("/api/v1/transport-staff").get_json()}
    assert {"王师傅", "李押运"} <= names
