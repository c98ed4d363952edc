"""Contracts through the API: registered by the producer with its signed document, confirmed by
the receiver; bookings and manifests are refused without a confirmed contract in force that
covers each waste with quantity left; warnings before a contract ends and when most of it is
used; the document's hash is in the ledger; each endpoint answers only the parties and the park.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

import pytest

from tests.api.test_transport import _request, _stored
from tests.factories import CONTRACT_PDF, World


def _terminate_defaults(world: World, producer: str, receiver: str = "r1") -> None:
    cid = world.contracts[(producer, receiver)]
    r = world.as_(f"{producer}admin").post(
        f"/api/v1/contracts/{cid}/terminate", {"reason": "改签新合同"}
    )
    assert r.status_code == 200 and r.get_json()["status"] == "TERMINATED", r.get_json()


def _accept(world: World, bid: int) -> None:
    r = world.as_("t").post(
        f"/api/v1/bookings/{bid}/accept",
        {
            "vehicle_plate": "苏E12345",
            "driver_user_id": world.user_ids["t"],
            "driver_licence": "320500000001",
        },
    )
    assert r.status_code == 200, r.get_json()


def test_booking_without_a_covering_contract_is_refused(world: World) -> None:
    _terminate_defaults(world, "p1")
    (a,) = _stored(world, "p1", 1)
    r = _request(world, "p1", [a])
    body = r.get_json()
    assert r.status_code == 409 and body["code"] == "contract.not_covered", body
    assert "900-041-49" in body["message"] and "900-041-49" in body["message_en"]
    assert "合同" in body["message"] and "contract" in body["message_en"]
    # A contract the receiver has not confirmed does not count; once confirmed it does.
    cid = world.add_contract("p1", "r1", {"900-041-49": "5"}, confirm=False)
    assert _request(world, "p1", [a]).get_json()["code"] == "contract.not_covered"
    r = world.as_("r1admin").post(f"/api/v1/contracts/{cid}/confirm")
    assert r.status_code == 200 and r.get_json()["in_force"] is True
    r = _request(world, "p1", [a])
    assert r.status_code == 201, r.get_json()
    # A contract that has not started yet, or has ended, does not cover either.
    _terminate_defaults(world, "p2", "r2")
    (b,) = _stored(world, "p2", 1)
    today = dt.date.today()
    world.add_contract(
        "p2", "r2", valid_from=today + dt.timedelta(days=3), valid_to=today + dt.timedelta(days=90)
    )
    world.add_contract(
        "p2", "r2", valid_from=today - dt.timedelta(days=90), valid_to=today - dt.timedelta(days=1)
    )
    r = _request(world, "p2", [b], receiver="r2")
    assert r.status_code == 409 and r.get_json()["code"] == "contract.not_covered"
    # Another receiver's contract is not a cover for this one.
    assert _request(world, "p2", [b], receiver="r1").status_code == 201


def test_quantity_left_is_counted_and_released(world: World) -> None:
    _terminate_defaults(world, "p1")
    cid = world.add_contract("p1", "r1", {"900-041-49": "0.05"})  # 50 kg
    a, b = _stored(world, "p1", 2, weight="25.5")
    r = _request(world, "p1", [a])
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    r = _request(world, "p1", [b])
    body = r.get_json()
    assert r.status_code == 409 and body["code"] == "contract.quantity_exceeded", body
    assert body["context"] == {
        "waste_code": "900-041-49",
        "remaining_kg": "24.500",
        "requested_kg": "25.500",
    }
    c = world.as_("p1admin").get(f"/api/v1/contracts/{cid}").get_json()
    assert c["lines"] == [
        {
            "waste_code": "900-041-49",
            "quantity_t": "0.050000",
            "used_t": "0.025500",
            "remaining_t": "0.024500",
            "used_pct": 51,
        }
    ]
    # Cancelling the first booking gives its quantity back.
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/cancel", {"reason": "合并转运"})
    assert r.status_code == 200
    assert _request(world, "p1", [b]).status_code == 201
    c = world.as_("p1admin").get(f"/api/v1/contracts/{cid}").get_json()
    assert c["lines"][0]["used_t"] == "0.025500"


def test_manifest_is_refused_when_the_contract_ended_since_the_booking(world: World) -> None:
    (a,) = _stored(world, "p1", 1)
    r = _request(world, "p1", [a])
    assert r.status_code == 201
    bid = r.get_json()["id"]
    _accept(world, bid)
    cid = world.contracts[("p1", "r1")]
    r = world.as_("r1admin").post(f"/api/v1/contracts/{cid}/terminate", {"reason": "停产检修"})
    assert r.status_code == 200
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 409 and r.get_json()["code"] == "contract.not_covered"
    booking = world.as_("p1op").get(f"/api/v1/bookings/{bid}").get_json()
    assert booking["status"] == "ACCEPTED"  # nothing half-written
    world.add_contract("p1", "r1")
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 201, r.get_json()


def test_a_contract_naming_a_transporter_binds_the_booking(world: World) -> None:
    _terminate_defaults(world, "p1")
    body = _body(world, "p1", "r1")
    # a transporter that is not a transporter is refused
    r = world.as_("p1admin").post("/api/v1/contracts", {**body, "transporter_id": world.ids["r2"]})
    assert r.status_code == 409 and r.get_json()["code"] == "enterprise.wrong_kind"
    r = world.as_("p1admin").post("/api/v1/contracts", {**body, "transporter_id": world.ids["t"]})
    assert r.status_code == 201
    cid = r.get_json()["id"]
    # the named transporter sees it; it is not confirmed yet
    assert world.as_("t").get(f"/api/v1/contracts/{cid}").get_json()["status"] == "PROPOSED"
    assert world.as_("r1admin").post(f"/api/v1/contracts/{cid}/confirm").status_code == 200
    (a,) = _stored(world, "p1", 1)
    assert _request(world, "p1", [a]).status_code == 201


def _body(world: World, producer: str, receiver: str, **over: Any) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "number": f"HT-{over.pop('n', 'X')}-{world.usernames[producer + 'admin']}",
        "receiver_id": world.ids[receiver],
        "valid_from": today.isoformat(),
        "valid_to": (today + dt.timedelta(days=364)).isoformat(),
        "quantities_t": {"900-041-49": "12.5"},
        "document": {
            "name": "合同扫描件.pdf",
            "type": "application/pdf",
            "content_base64": base64.b64encode(CONTRACT_PDF).decode(),
        },
        **over,
    }


def test_document_hash_in_the_ledger_and_steps_are_entries(world: World) -> None:
    r = world.as_("p1admin").post("/api/v1/contracts", _body(world, "p1", "r2", n="H"))
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    sha = hashlib.sha256(CONTRACT_PDF).hexdigest()
    assert c["document"]["sha256"] == sha and c["status"] == "PROPOSED"
    assert c["producer"].startswith("p1 ") and c["receiver"].startswith("r2 ")
    doc = world.as_("r2").get(f"/api/v1/contracts/{c['id']}/document")
    assert doc.status_code == 200 and doc.data == CONTRACT_PDF
    assert doc.headers["Content-Type"] == "application/pdf"
    assert world.as_("r2admin").post(f"/api/v1/contracts/{c['id']}/confirm").status_code == 200
    r = world.as_("r2admin").post(f"/api/v1/contracts/{c['id']}/confirm")
    assert r.status_code == 409 and r.get_json()["code"] == "contract.illegal_transition"
    entries = world.as_("park").get(f"/api/v1/ledger/entries?subject=contract-{c['id']}")
    assert entries.status_code == 200, entries.get_json()
    items = entries.get_json()
    items = items["items"] if isinstance(items, dict) else items
    types = [e["type"] for e in items]
    assert types == ["contract.propose", "contract.confirm"]
    assert items[0]["payload"]["document"]["sha256"] == sha
    assert items[0]["payload"]["quantities_t"] == {"900-041-49": "12.500000"}
    assert items[1]["payload"]["document_sha256"] == sha


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"valid_to": "2020-01-01"}, "contract.invalid_term"),
        ({"quantities_t": {"999-999-99": "1"}}, "waste.unknown_code"),
        ({"quantities_t": {"900-041-49": "0"}}, "value.invalid"),
        ({"quantities_t": {}}, "request.invalid"),
        (
            {"document": {"name": "x.pdf", "type": "application/pdf", "content_base64": "@@@@"}},
            "contract.document_invalid",
        ),
        ({"receiver_id": 0}, "request.invalid"),
    ],
)
def test_bad_contracts_are_refused(world: World, over: dict[str, Any], code: str) -> None:
    r = world.as_("p1admin").post("/api/v1/contracts", _body(world, "p1", "r1", **over))
    assert r.status_code in (400, 409) and r.get_json()["code"] == code, r.get_json()
    assert r.get_json()["message"] and r.get_json()["message_en"]


def test_duplicate_number_is_refused(world: World) -> None:
    body = _body(world, "p1", "r1", n="D")
    assert world.as_("p1admin").post("/api/v1/contracts", body).status_code == 201
    r = world.as_("p1admin").post("/api/v1/contracts", body)
    assert r.status_code == 409 and r.get_json()["code"] == "contract.duplicate"


def test_warnings_before_expiry_and_when_most_is_used(world: World) -> None:
    today = dt.date.today()
    _terminate_defaults(world, "p1")
    cid = world.add_contract(
        "p1",
        "r1",
        {"900-041-49": "0.03"},
        valid_from=today - dt.timedelta(days=300),
        valid_to=today + dt.timedelta(days=10),
    )
    (a,) = _stored(world, "p1", 1, weight="25.5")  # 85 % of 30 kg
    assert _request(world, "p1", [a]).status_code == 201
    for who in ("p1admin", "r1", "park"):
        w = world.as_(who).get("/api/v1/warnings").get_json()
        mine = [i for i in w["items"] if i["subject"] == f"contract-{cid}"]
        kinds = sorted(i["kind"] for i in mine)
        assert kinds == ["contract_expiring", "contract_nearly_used"], (who, mine)
    w = world.as_("p2admin").get("/api/v1/warnings").get_json()
    assert not [i for i in w["items"] if i["subject"] == f"contract-{cid}"]


WRITERS = {
    "propose": ("POST", "/api/v1/contracts"),
    "confirm": ("POST", "/api/v1/contracts/{id}/confirm"),
    "refuse": ("POST", "/api/v1/contracts/{id}/refuse"),
    "terminate": ("POST", "/api/v1/contracts/{id}/terminate"),
}
# users of enterprises that are not party to the contract: it does not exist for them (404
# before any role check); the parties' other users are refused by their role
STRANGERS = ("p2admin", "r2admin", "t")
READERS = ["/api/v1/contracts/{id}", "/api/v1/contracts/{id}/document"]


def test_every_endpoint_needs_a_login(world: World) -> None:
    cid = world.contracts[("p1", "r1")]
    anon = world.app.test_client()
    for method, url in [
        *WRITERS.values(),
        *(("GET", u) for u in READERS),
        ("GET", "/api/v1/contracts"),
    ]:
        r = anon.open(url.format(id=cid), method=method, json={"reason": "x"})
        assert r.status_code == 401 and r.get_json()["code"] == "auth.required", url


@pytest.mark.parametrize(
    "who", ["p1admin", "p1op", "p2admin", "r1admin", "r1", "r2admin", "t", "park", "auditor"]
)
def test_who_sees_and_does_what(world: World, who: str) -> None:
    cid = world.contracts[("p1", "r1")]
    caller = world.as_(who)
    sees = who in ("p1admin", "p1op", "r1admin", "r1", "park", "auditor")
    for url in READERS:
        r = caller.get(url.format(id=cid))
        assert r.status_code == (200 if sees else 404), (who, url)
    listed = {c["id"] for c in caller.get("/api/v1/contracts").get_json()}
    assert (cid in listed) is sees
    # only a producer's administrator registers
    r = caller.post("/api/v1/contracts", _body(world, "p1", "r1", n=who))
    assert r.status_code == (201 if who in ("p1admin", "p2admin") else 403), (who, r.get_json())
    # confirming and refusing are the receiver administrator's (the contract is confirmed already)
    for step in ("confirm", "refuse"):
        r = caller.post(f"/api/v1/contracts/{cid}/{step}", {"reason": "不认可"})
        expected = 409 if who == "r1admin" else 404 if who in STRANGERS else 403
        assert r.status_code == expected, (who, step, r.get_json())
    r = caller.post(f"/api/v1/contracts/{cid}/terminate", {"reason": "终止"})
    expected = 200 if who in ("p1admin", "r1admin") else 404 if who in STRANGERS else 403
    assert r.status_code == expected, (who, r.get_json())
