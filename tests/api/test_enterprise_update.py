"""The park administrator changes an enterprise's record after registration: a renewed
operating permit (its new validity then bounds cross-province approvals, 部令第23号
第二十一–二十八条) or the province. Each change is an ``enterprise.update`` ledger entry with the
reason and the previous values; a bad permit, no reason or no change is refused and writes
nothing; only the park administrator may change a record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.test_approvals import add_receiver, enter
from tests.factories import World


def _entries(world: World, uscc: str) -> list[dict[str, Any]]:
    r = world.as_("park").get(f"/api/v1/ledger/entries?subject={uscc}&limit=100")
    assert r.status_code == 200, r.get_json()
    return [e for e in r.get_json() if e["type"] == "enterprise.update"]


def _operating(world: World, key: str) -> dict[str, Any]:
    ent = world.as_("park").get(f"/api/v1/enterprises/{world.ids[key]}").get_json()
    return dict(ent["permits"]["operating"])


def test_a_renewed_permit_lets_a_longer_approval_in_art_21_28(world: World) -> None:
    today = world.ctx.today()
    add_receiver(world, "rx", "33", today + dt.timedelta(days=60))
    long_to = (today + dt.timedelta(days=200)).isoformat()
    r = enter(world, valid_to=long_to)
    assert r.get_json()["code"] == "approval.beyond_receiver_permit", r.get_json()
    old = _operating(world, "rx")
    renewed = {**old, "number": old["number"] + "-R", "valid_until": "2099-12-31"}
    uscc = world.as_("park").get(f"/api/v1/enterprises/{world.ids['rx']}").get_json()["uscc"]
    before = len(_entries(world, uscc))
    r = world.as_("park").put(
        f"/api/v1/enterprises/{world.ids['rx']}",
        {"reason": "许可证换发", "permits": {"operating": renewed}},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["permits"]["operating"]["valid_until"] == "2099-12-31"
    [entry] = _entries(world, uscc)[before:]
    assert entry["payload"]["reason"] == "许可证换发"
    assert entry["payload"]["previous_permits"]["operating"]["number"] == old["number"]
    assert entry["payload"]["permits"]["operating"]["number"] == renewed["number"]
    r = enter(world, valid_to=long_to)
    assert r.status_code == 201, r.get_json()


def test_the_province_changes_and_can_return_to_the_parks(world: World) -> None:
    rid = world.ids["r1"]
    uscc = world.as_("park").get(f"/api/v1/enterprises/{rid}").get_json()["uscc"]
    before = len(_entries(world, uscc))
    r = world.as_("park").put(
        f"/api/v1/enterprises/{rid}", {"reason": "迁址", "province_code": "33"}
    )
    assert r.status_code == 200 and r.get_json()["province_code"] == "33", r.get_json()
    r = world.as_("park").put(f"/api/v1/enterprises/{rid}", {"reason": "回迁", "province_code": ""})
    assert r.status_code == 200 and r.get_json()["province_code"] is None, r.get_json()
    got = _entries(world, uscc)[before:]
    assert [e["payload"].get("previous_province_code") for e in got] == [None, "33"]


def test_bad_changes_are_refused_and_write_nothing(world: World) -> None:
    rid = world.ids["r1"]
    uscc = world.as_("park").get(f"/api/v1/enterprises/{rid}").get_json()["uscc"]
    before = len(_entries(world, uscc))
    old = _operating(world, "r1")
    url = f"/api/v1/enterprises/{rid}"
    cases = [
        ({"permits": {"operating": old}}, 400, "request.invalid"),  # no reason
        ({"reason": " ", "permits": {"operating": old}}, 400, None),
        ({"reason": "换证", "permits": {"operating": old}}, 400, "enterprise.no_change"),
        ({"reason": "换证", "permits": {"operating": {**old, "codes": ["999-999-99"]}}}, 400, None),
        (
            {"reason": "换证", "permits": {"operating": {**old, "valid_until": "2001-01-01"}}},
            400,
            None,
        ),
        ({"reason": "换证", "province_code": "99"}, 400, "value.division_code"),
    ]
    for body, status, code in cases:
        r = world.as_("park").put(url, body)
        got = r.get_json()
        assert r.status_code == status, (body, got)
        assert got["message"] and got["message_en"], got
        if code:
            assert got["code"] == code, (body, got)
    assert len(_entries(world, uscc)) == before
    assert _operating(world, "r1") == old


def test_only_the_park_administrator_changes_a_record(world: World) -> None:
    body = {"reason": "换证", "province_code": "33"}
    for who in ("p1admin", "r1", "auditor"):
        r = world.as_(who).put(f"/api/v1/enterprises/{world.ids['r1']}", body)
        assert r.status_code in (403, 404), (who, r.get_json())
    r = world.as_("p1admin").put(f"/api/v1/enterprises/{world.ids['p1']}", body)
    assert r.status_code == 403, r.get_json()
