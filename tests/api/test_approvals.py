"""Cross-province transfer approvals through the API (部令第23号 第二十一–二十八条; the reference
lists the rules under that range, the article of each is not confirmed): entered by the
producer with its scan's hash in the ledger; a booking or manifest to a receiver in another
province is refused without an approval that covers it, and when a change needs a new
application; transfers within the park's province are unaffected."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

import sqlalchemy as sa

from hwtrace.services import auth as auth_svc
from hwtrace.services import directory as D
from hwtrace.store.tables import Enterprise
from tests.api.test_transport import _accept, _request, _stored
from tests.factories import CONTRACT_PDF, PASSWORD, PERMITS, World, page_client, random_uscc

CODE = "900-041-49"


def add_receiver(world: World, key: str, province: str | None, until: dt.date | None) -> None:
    """Register a receiver ``key`` (admin ``<key>admin``) in ``province`` whose operating permit
    runs to ``until``, with a confirmed contract with p1 and p2."""
    permits: dict[str, Any] = {"operating": dict(PERMITS["receiver"]["operating"])}
    if until:
        permits["operating"]["valid_until"] = until.isoformat()
    ent = D.create_enterprise(
        world.ctx,
        actor=None,
        new=D.NewEnterprise(
            uscc=random_uscc(),
            name=f"{key} 外省处置 {uuid.uuid4().hex[:6]}",
            kind="receiver",
            permits=permits,
            province_code=province,
        ),
    )
    world.ids[key] = ent.id
    username = f"{key}admin_{uuid.uuid4().hex[:6]}"
    D.create_user(
        world.ctx,
        actor=None,
        new=D.NewUser(username=username, password=PASSWORD, role="admin", enterprise_id=ent.id),
    )
    world.tokens[f"{key}admin"] = auth_svc.login(
        world.ctx, username=username, password=PASSWORD, remote_addr="127.0.0.1"
    ).token
    for p in ("p1", "p2"):
        world.contracts[(p, key)] = world.add_contract(p, key)


def enter(world: World, receiver: str = "rx", who: str = "p1admin", **kw: Any) -> Any:
    today = world.ctx.today()
    body = {
        "number": f"浙环危转〔{today.year}〕{uuid.uuid4().hex[:6]}号",
        "authority": "江苏省生态环境厅",
        "receiver_id": world.ids[receiver],
        "method": "D10",
        "valid_from": (today - dt.timedelta(days=10)).isoformat(),
        "valid_to": (today + dt.timedelta(days=100)).isoformat(),
        "approved_t": {CODE: "0.2"},
        **kw,
    }
    return world.as_(who).post("/api/v1/transfer-approvals", body)


def _refused(r: Any, code: str) -> dict[str, Any]:
    body = r.get_json()
    assert r.status_code == 409 and body["code"] == code, body
    assert "第二十一至二十八条" in body["message"] and "arts. 21-28" in body["message_en"]
    return body  # type: ignore[no-any-return]


def test_a_booking_across_provinces_needs_an_approval_art_21_28(world: World) -> None:
    """No approval: refused; with one entered, accepted and counted against it; the booking
    says which approval covers it."""
    today = world.ctx.today()
    add_receiver(world, "rx", "33", today + dt.timedelta(days=300))
    (a,) = _stored(world, "p1", 1)
    body = _refused(_request(world, "p1", [a], receiver="rx"), "approval.missing")
    assert "外省" in body["message"] and "another province" in body["message_en"]
    pdf = base64.b64encode(CONTRACT_PDF).decode()
    doc = {"name": "approval.pdf", "type": "application/pdf", "content_base64": pdf}
    r = enter(world, document=doc)
    assert r.status_code == 201, r.get_json()
    approval = r.get_json()
    assert approval["valid_today"] and approval["lines"][0]["remaining_t"] == "0.200000"
    assert approval["document_sha256"] == hashlib.sha256(CONTRACT_PDF).hexdigest()
    r = _request(world, "p1", [a], receiver="rx")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["approval_id"] == approval["id"]
    listed = world.as_("p1op").get("/api/v1/transfer-approvals").get_json()
    mine = next(x for x in listed if x["id"] == approval["id"])
    assert mine["lines"][0]["used_t"] == "0.100000"
    assert mine["lines"][0]["remaining_t"] == "0.100000"
    # the ledger has the entry with the scan's hash; another producer does not see it
    entries = world.as_("park").get("/api/v1/ledger/entries?limit=1000").get_json()
    entry = next(e for e in entries if e["subject"] == approval["subject"])
    assert entry["type"] == "approval.enter"
    assert approval["id"] not in [
        x["id"] for x in world.as_("p2op").get("/api/v1/transfer-approvals").get_json()
    ]


def test_same_province_transfers_need_no_approval(world: World) -> None:
    """A receiver in the park's province (recorded, or not recorded) needs no approval, and
    an approval for one is refused."""
    add_receiver(world, "rs", "32", None)
    (a,) = _stored(world, "p1", 1)
    r = _request(world, "p1", [a], receiver="rs")
    assert r.status_code == 201 and r.get_json()["approval_id"] is None, r.get_json()
    r = enter(world, receiver="rs")
    assert r.status_code == 409 and r.get_json()["code"] == "approval.not_cross_province"


def test_validity_limits_at_entry_art_21_28(world: World) -> None:
    """At most 12 months, never beyond the receiver's operating permit."""
    today = world.ctx.today()
    add_receiver(world, "rx", "33", today + dt.timedelta(days=200))
    r = enter(
        world, valid_from=today.isoformat(), valid_to=(today + dt.timedelta(days=400)).isoformat()
    )
    assert r.status_code == 400 and r.get_json()["code"] == "approval.validity_too_long"
    r = enter(world, valid_to=(today + dt.timedelta(days=201)).isoformat())
    body = r.get_json()
    assert r.status_code == 400 and body["code"] == "approval.beyond_receiver_permit", body
    assert enter(world, valid_to=(today + dt.timedelta(days=200)).isoformat()).status_code == 201
    # only the producer itself or the park enters it
    assert enter(world, who="p1op").status_code == 403
    r = enter(world, who="park", producer_id=world.ids["p2"])
    assert r.status_code == 201 and r.get_json()["producer_id"] == world.ids["p2"]


def test_changes_that_need_a_new_application_art_21_28(world: World) -> None:
    """Method changed, receiver changed, kinds changed."""
    add_receiver(world, "rx", "33", None)
    add_receiver(world, "ry", "34", None)
    (a,) = _stored(world, "p1", 1)
    assert enter(world, method="D9").status_code == 201
    _refused(_request(world, "p1", [a], receiver="rx"), "approval.method_changed")
    _refused(_request(world, "p1", [a], receiver="ry"), "approval.receiver_changed")
    (b,) = _stored(world, "p2", 1)
    assert enter(world, who="p2admin", approved_t={"271-001-02": "5"}).status_code == 201
    body = _refused(_request(world, "p2", [b], receiver="rx"), "approval.kinds_changed")
    assert body["context"]["codes"] == [CODE] and "须重新申请" in body["message"]


def test_outside_the_validity_a_new_application_is_needed_art_21_28(world: World) -> None:
    """Approvals ended and not yet begun do not cover today."""
    today = world.ctx.today()
    add_receiver(world, "rx", "33", None)
    (b,) = _stored(world, "p2", 1)
    for start, end in [(-200, -1), (1, 100)]:
        r = enter(
            world,
            who="p2admin",
            valid_from=(today + dt.timedelta(days=start)).isoformat(),
            valid_to=(today + dt.timedelta(days=end)).isoformat(),
        )
        assert r.status_code == 201, r.get_json()
    body = _refused(_request(world, "p2", [b], receiver="rx"), "approval.not_valid")
    assert "须重新申请" in body["message"]


def test_cumulative_weight_over_the_approved_amount_art_21_28(world: World) -> None:
    """The weight of every booking and manifest under the approval counts; cancelling gives
    it back; the manifest is checked again."""
    add_receiver(world, "rx", "33", None)
    a, b, c = _stored(world, "p1", 3, weight="100")
    assert enter(world, approved_t={CODE: "0.2"}).status_code == 201  # 200 kg
    r = _request(world, "p1", [a, b], receiver="rx")
    assert r.status_code == 201, r.get_json()
    first = r.get_json()["id"]
    body = _refused(_request(world, "p1", [c], receiver="rx"), "approval.weight_exceeded")
    assert body["context"]["remaining_kg"] == "0.000" and "须重新申请" in body["message"]
    # the manifest of the first booking is still within the approval
    assert _accept(world, first).status_code == 200
    r = world.as_("p1op").post(f"/api/v1/bookings/{first}/manifest")
    assert r.status_code == 201, r.get_json()
    entries = world.as_("park").get("/api/v1/ledger/entries?limit=1000").get_json()
    created = next(e for e in entries if e["subject"] == r.get_json()["number"])
    assert created["payload"]["approval"].startswith("approval-")


def test_manifest_refused_when_the_receiver_no_longer_qualifies_art_21_28(world: World) -> None:
    """Between booking and manifest the receiver's permit expired (or the approval was
    withdrawn): the manifest is refused."""
    add_receiver(world, "rx", "33", world.ctx.today() + dt.timedelta(days=200))
    a, b = _stored(world, "p1", 2)
    assert enter(world).status_code == 201
    bids = []
    for code in (a, b):
        r = _request(world, "p1", [code], receiver="rx")
        assert r.status_code == 201, r.get_json()
        bids.append(r.get_json()["id"])
        assert _accept(world, bids[-1]).status_code == 200
    with world.ctx.uow() as uow:
        ent = uow.session.get(Enterprise, world.ids["rx"])
        assert ent is not None
        op = dict(ent.permits["operating"])
        op["valid_until"] = (world.ctx.today() - dt.timedelta(days=1)).isoformat()
        uow.session.execute(
            sa.update(Enterprise).where(Enterprise.id == ent.id).values(permits={"operating": op})
        )
        uow.commit()
    r = world.as_("p1op").post(f"/api/v1/bookings/{bids[0]}/manifest")
    _refused(r, "approval.receiver_unqualified")


def test_a_withdrawn_approval_covers_nothing(world: World) -> None:
    add_receiver(world, "rx", "33", None)
    (a,) = _stored(world, "p1", 1)
    aid = enter(world).get_json()["id"]
    r = _request(world, "p1", [a], receiver="rx")
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    assert _accept(world, bid).status_code == 200
    url = f"/api/v1/transfer-approvals/{aid}/withdraw"
    assert world.as_("p2admin").post(url, {"reason": "x"}).status_code == 404
    r = world.as_("p1admin").post(url, {"reason": "录入错误"})
    assert r.status_code == 200 and r.get_json()["withdrawn"] is True, r.get_json()
    assert world.as_("p1admin").post(url, {"reason": "again"}).status_code == 409
    _refused(world.as_("p1op").post(f"/api/v1/bookings/{bid}/manifest"), "approval.missing")


def test_the_park_records_a_receivers_province_on_its_form(world: World) -> None:
    """The enterprise form takes the province (GB/T 2260); the enterprise page shows it."""
    client = page_client(world.app, world.usernames["park"])
    client.get("/enterprises/new")
    with client.session_transaction() as sess:
        csrf = sess["csrf"]
    uscc = random_uscc()
    r = client.post(
        "/enterprises/new",
        data={
            "csrf": csrf,
            "uscc": uscc,
            "name": f"外省处置 {uscc[-6:]}",
            "kind": "receiver",
            "province_code": "33",
            "operating_number": "ZJ-1",
            "operating_codes": CODE,
            "annual_capacity_t": "100",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "33 浙江省" in page
    listed = world.as_("park").get("/api/v1/enterprises?kind=receiver").get_json()
    assert next(e for e in listed if e["uscc"] == uscc)["province_code"] == "33"
    bad = {"csrf": csrf, "uscc": random_uscc(), "name": "x", "kind": "producer"}
    r = client.post("/enterprises/new", data={**bad, "province_code": "99"})
    assert r.status_code == 400 and "行政区划代码" in r.get_data(as_text=True)
