"""Transfers through the API: bookings, manifests, loading, receipt, discrepancies, disposal.

Whole journeys with two producers, one transporter and two receivers, including a partial
rejection, a weight discrepancy, a cancelled booking and missing batches; each party sees only
its own bookings and manifests; the manifest PDF's QR decodes to its number; the ledger verifies
and every journey is provable from the signed checkpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hwtrace.services import audit
from hwtrace.store.tables import Enterprise
from tests.api.test_ledger_api import _root_from_note
from tests.factories import World
from tests.support import rfc6962


def _stored(world: World, producer: str, n: int, weight: str = "100") -> list[str]:
    op = world.as_(f"{producer}op")
    codes = []
    for _ in range(n):
        code = op.register(world.profiles[producer], weight)["code"]
        assert op.act(code, "label").status_code == 200
        r = op.act(code, "store", room_id=world.rooms[producer])
        assert r.status_code == 200, r.get_json()
        codes.append(code)
    return codes


def _window(hours: int = 8) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    return {
        "window_start": now.isoformat(),
        "window_end": (now + dt.timedelta(hours=hours)).isoformat(),
    }


def _request(world: World, producer: str, codes: list[str], receiver: str = "r1") -> Any:
    return world.as_(f"{producer}op").post(
        "/api/v1/bookings",
        {
            "codes": codes,
            "transporter_id": world.ids["t"],
            "receiver_id": world.ids[receiver],
            "planned_method": "D10",
            **_window(),
        },
    )


def _accept(world: World, booking_id: int) -> Any:
    return world.as_("t").post(
        f"/api/v1/bookings/{booking_id}/accept",
        {
            "vehicle_plate": "苏E12345",
            "driver_user_id": world.user_ids["t"],
            "driver_licence": "320500000001",
        },
    )


def _manifest(world: World, producer: str, codes: list[str], receiver: str = "r1") -> str:
    r = _request(world, producer, codes, receiver)
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    assert _accept(world, bid).status_code == 200
    r = world.as_(f"{producer}op").post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 201, r.get_json()
    number: str = r.get_json()["number"]
    for c in codes:
        r = world.as_(f"{producer}op").act(c, "unstore")
        assert r.status_code == 200, r.get_json()
    return number


def _load(world: World, number: str, codes: list[str]) -> None:
    for c in codes:
        r = world.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": c})
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["status"] == "IN_TRANSIT"


def _size(world: World) -> int:
    with world.ctx.db.read_session() as s:
        return int(world.ctx.log.size(s.connection()))


def _prove(world: World, subject: str) -> list[str]:
    """Prove every entry about ``subject`` from a fresh signed checkpoint; return their types."""
    audit.sign_checkpoint(world.ctx)
    out = audit.prove_subject(world.ctx, subject=subject)
    size, root = _root_from_note(out["checkpoint"])
    types = []
    for e in out["entries"]:
        leaf = base64.b64decode(e["leaf"])
        assert rfc6962.verify_inclusion(
            e["index"], size, rfc6962.leaf_hash(leaf), [bytes.fromhex(h) for h in e["proof"]], root
        )
        types.append(json.loads(leaf)["type"])
    return types


def test_journeys_with_discrepancies_end_in_disposal_and_prove(world: World) -> None:
    # p1 -> r1: three batches; exact, +5 % weight, partial rejection.
    a, b, c = _stored(world, "p1", 3)
    n1 = _manifest(world, "p1", [a, b, c], "r1")
    # p2 -> r2: two batches; one rejected wholly, one lost on the road.
    d, e = _stored(world, "p2", 2)
    n2 = _manifest(world, "p2", [d, e], "r2")
    _load(world, n1, [a, b, c])
    _load(world, n2, [d, e])
    for n in (n1, n2):
        r = world.as_("t").post(f"/api/v1/manifests/{n}/depart", {})
        assert r.status_code == 200 and r.get_json()["status"] == "IN_TRANSIT", r.get_json()
        assert r.get_json()["receipt_due_at"]

    r1 = world.as_("r1")
    r = r1.post(f"/api/v1/manifests/{n1}/receive", {"code": a, "weight_kg": "100.4"})
    assert r.status_code == 200, r.get_json()
    r = r1.post(
        f"/api/v1/manifests/{n1}/receive",
        {"code": b, "weight_kg": "105", "scale_frame": "02202020303130353030"},
    )
    assert r.status_code == 200 and r.get_json()["received_weight_kg"] == "105.000"
    r = r1.post(
        f"/api/v1/manifests/{n1}/receive",
        {"code": c, "weight_kg": "100", "rejected_kg": "12.5", "reason": "混入不明液体"},
    )
    assert r.status_code == 200, r.get_json()
    r = r1.post(f"/api/v1/manifests/{n1}/confirm")
    assert r.get_json()["status"] == "RECEIVED"
    outcomes = {ln["code"]: ln["outcome"] for ln in r.get_json()["lines"]}
    assert outcomes == {a: "ACCEPTED", b: "ACCEPTED", c: "PARTIAL"}

    r2 = world.as_("r2")
    r = r2.post(
        f"/api/v1/manifests/{n2}/receive",
        {"code": d, "weight_kg": "100", "reject": True, "reason": "包装破损"},
    )
    assert r.status_code == 200 and r.get_json()["status"] == "REJECTED"
    r = r2.post(f"/api/v1/manifests/{n2}/confirm")
    assert {ln["code"]: ln["outcome"] for ln in r.get_json()["lines"]} == {
        d: "REJECTED",
        e: "MISSING",
    }

    # Discrepancies: flagged to the producer and the park, each kind once.
    kinds = {
        (x["code"], x["kind"]) for x in world.as_("p1op").get("/api/v1/discrepancies").get_json()
    }
    assert kinds == {(b, "weight"), (c, "partial_rejection")}
    park = {
        (x["code"], x["kind"]) for x in world.as_("park").get("/api/v1/discrepancies").get_json()
    }
    assert park == kinds | {(d, "rejection"), (e, "missing_at_receipt")}
    weight = next(
        x for x in world.as_("p1op").get("/api/v1/discrepancies").get_json() if x["code"] == b
    )
    assert weight["facts"]["difference_pct"] == "5.00" and weight["facts"]["tolerance_pct"] == "1"

    # Disposal: the manifest completes when the last accepted batch is disposed of.
    for code, action, method in (
        (a, "dispose", "D10"),
        (b, "utilize", "R2"),
        (c, "dispose", "D10"),
    ):
        assert r1.act(code, action, method=method).status_code == 200
    m = world.as_("p1op").get(f"/api/v1/manifests/{n1}").get_json()
    assert m["status"] == "COMPLETED" and m["completed_at"]
    assert m["paper"] is None  # an electronic manifest from the start

    # The rejected batch goes back into p2's storage and off the manifest.
    r = world.as_("p2op").act(d, "store", room_id=world.rooms["p2"])
    assert r.status_code == 200 and r.get_json()["receiver_id"] is None

    # Resolution is a new entry; a second one is refused.
    did = weight["id"]
    r = world.as_("p1admin").post(f"/api/v1/discrepancies/{did}/resolve", {"reason": "包装含水"})
    assert r.status_code == 200 and r.get_json()["resolved"]
    r = world.as_("p1admin").post(f"/api/v1/discrepancies/{did}/resolve", {"reason": "again"})
    assert r.status_code == 409 and r.get_json()["code"] == "discrepancy.resolved"

    # Where each kilogram of c went: received 100, 12.5 rejected, the rest disposed of (D10).
    hist = world.as_("p1op").get(f"/api/v1/batches/{c}/history").get_json()
    receipt = next(h for h in hist if h["type"] == "batch.receive")
    assert receipt["payload"]["rejected_kg"] == "12.500" and receipt["payload"]["manifest"] == n1
    assert hist[-1]["type"] == "batch.dispose" and hist[-1]["payload"]["method"]["code"] == "D10"

    assert audit.verify(world.ctx).ok
    types = _prove(world, b)
    assert types[0] == "batch.register" and types[-1] == "discrepancy.resolve"
    assert "batch.load" in types and "batch.receive" in types and "batch.utilize" in types
    assert _prove(world, n1) == [
        "manifest.create",
        "manifest.depart",
        "manifest.confirm",
        "manifest.complete",
    ]


def test_missing_batch_at_loading_is_reported_before_departure(world: World) -> None:
    a, b = _stored(world, "p1", 2)
    number = _manifest(world, "p1", [a, b])
    _load(world, number, [a])
    size = _size(world)
    r = world.as_("t").post(f"/api/v1/manifests/{number}/depart", {})
    assert r.status_code == 409 and r.get_json()["code"] == "manifest.missing_batches"
    assert r.get_json()["context"]["missing"] == [b]
    assert _size(world) == size
    # A batch that is not on this manifest is refused at loading, and nothing is written.
    (other,) = _stored(world, "p1", 1)
    size = _size(world)
    r = world.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": other})
    assert r.status_code == 409 and r.get_json()["code"] == "manifest.not_on_manifest"
    assert _size(world) == size
    r = world.as_("t").post(
        f"/api/v1/manifests/{number}/depart", {"missing_reason": "桶未找到，待下次转运"}
    )
    assert r.status_code == 200
    lines = {ln["code"]: ln["outcome"] for ln in r.get_json()["lines"]}
    assert lines == {a: "LOADED", b: "NOT_LOADED"}
    left = world.as_("p1op").get(f"/api/v1/batches/{b}").get_json()
    assert left["status"] == "AWAITING_PICKUP" and left["transporter_id"] is None
    kinds = [x["kind"] for x in world.as_("park").get("/api/v1/discrepancies").get_json()]
    assert kinds == ["missing_at_loading"]
    # The left-behind batch can go back to storage and be booked again.
    assert world.as_("p1op").act(b, "store", room_id=world.rooms["p1"]).status_code == 200
    assert _request(world, "p1", [b]).status_code == 201


def test_booking_cancel_decline_reschedule(world: World) -> None:
    a, b = _stored(world, "p1", 2)
    r = _request(world, "p1", [a])
    bid = r.get_json()["id"]
    assert r.get_json()["status"] == "REQUESTED"
    # The same batch cannot be on two open bookings.
    r = _request(world, "p1", [a, b])
    assert r.status_code == 409 and r.get_json()["code"] == "booking.batch_taken"
    r = world.as_("p1op").post(
        f"/api/v1/bookings/{bid}/reschedule", {**_window(24), "reason": "车间停产检修"}
    )
    assert r.status_code == 200 and r.get_json()["status"] == "REQUESTED"
    assert _accept(world, bid).get_json()["status"] == "ACCEPTED"
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/cancel", {"reason": ""})
    assert r.status_code == 400
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/cancel", {"reason": "改由其他单位处置"})
    assert r.status_code == 200 and r.get_json()["status"] == "CANCELLED"
    assert world.as_("p1op").get(f"/api/v1/batches/{a}").get_json()["transporter_id"] is None
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 409 and r.get_json()["code"] == "booking.illegal_transition"
    # Declined by the transporter: the batches are free again.
    bid2 = _request(world, "p1", [a, b]).get_json()["id"]
    r = world.as_("t").post(f"/api/v1/bookings/{bid2}/decline", {"reason": "车辆检修"})
    assert r.status_code == 200 and r.get_json()["status"] == "DECLINED"
    assert _request(world, "p1", [a, b]).status_code == 201
    types = _prove(world, f"booking-{bid}")
    assert types == ["booking.request", "booking.reschedule", "booking.accept", "booking.cancel"]


def test_receiver_permit_and_capacity_are_enforced(world: World) -> None:
    admin = world.as_("p1admin")
    oil = world.add_profile("p1", "900-249-08", "废机油", "液态", ["T", "I"])
    rooms = [
        admin.post(
            "/api/v1/storage-rooms",
            {"name": name, "capacity_kg": "100000", "allowed_categories": [cat]},
        ).get_json()["id"]
        for name, cat in (("油库", "HW08"), ("大库", "HW49"))
    ]
    # r1's permit allows 50 t a year (set below the API: permits are issued by the authority).
    with world.ctx.db.write_session() as s:
        ent = s.get_one(Enterprise, world.ids["r1"])
        ent.permits = {"operating": {**ent.permits["operating"], "annual_capacity_t": "50"}}
        s.commit()
    op = admin  # the admin registers any profile of its enterprise
    codes = []
    for profile, weight, room in ((oil, "10", rooms[0]), (world.profiles["p1"], "60000", rooms[1])):
        code = op.register(profile, weight)["code"]
        op.act(code, "label")
        assert op.act(code, "store", room_id=room).status_code == 200
        codes.append(code)
    r = _request(world, "p1", [codes[0]])
    assert r.status_code == 409 and r.get_json()["code"] == "permit.code_not_covered"
    assert "900-249-08" in r.get_json()["message"]
    r = _request(world, "p1", [codes[1]])
    assert r.status_code == 409 and r.get_json()["code"] == "permit.capacity_exceeded"
    # A receiver is not a transporter; a past window is refused.
    r = op.post(
        "/api/v1/bookings",
        {
            "codes": [codes[1]],
            "transporter_id": world.ids["r1"],
            "receiver_id": world.ids["r1"],
            "planned_method": "D10",
            **_window(),
        },
    )
    assert r.status_code == 409 and r.get_json()["code"] == "enterprise.wrong_kind"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    r = op.post(
        "/api/v1/bookings",
        {
            "codes": [codes[1]],
            "transporter_id": world.ids["t"],
            "receiver_id": world.ids["r1"],
            "planned_method": "D10",
            "window_start": past.isoformat(),
            "window_end": (past + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 400


def test_accept_checks_plate_and_driver(world: World) -> None:
    (a,) = _stored(world, "p1", 1)
    r = _request(world, "p1", [a])
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    body = {"vehicle_plate": "ABC", "driver_user_id": world.user_ids["t"], "driver_licence": "1"}
    r = world.as_("t").post(f"/api/v1/bookings/{bid}/accept", body)
    assert r.status_code == 400 and r.get_json()["code"] == "transport.invalid_plate"
    body = {**body, "vehicle_plate": "苏E12345", "driver_user_id": world.user_ids["r1"]}
    r = world.as_("t").post(f"/api/v1/bookings/{bid}/accept", body)
    assert r.status_code == 409 and r.get_json()["code"] == "transport.driver_invalid"
    # Only the booking's transporter accepts; the producer cannot.
    body["driver_user_id"] = world.user_ids["t"]
    r = world.as_("p1op").post(f"/api/v1/bookings/{bid}/accept", body)
    assert r.status_code == 403


def test_each_party_sees_only_its_own_bookings_and_manifests(world: World) -> None:
    a1 = _stored(world, "p1", 1)
    a2 = _stored(world, "p2", 1)
    n1 = _manifest(world, "p1", a1, "r1")
    n2 = _manifest(world, "p2", a2, "r2")
    expected = {
        "p1op": {n1},
        "p1admin": {n1},
        "p2op": {n2},
        "t": {n1, n2},
        "r1": {n1},
        "r2": {n2},
        "park": {n1, n2},
        "auditor": {n1, n2},
    }
    for who, numbers in expected.items():
        caller = world.as_(who)
        seen = {m["number"] for m in caller.get("/api/v1/manifests").get_json()}
        assert seen == numbers, who
        for n in (n1, n2):
            status = caller.get(f"/api/v1/manifests/{n}").status_code
            assert status == (200 if n in numbers else 404), (who, n)
            pdf = caller.get(f"/api/v1/manifests/{n}/pdf").status_code
            assert pdf == (200 if n in numbers else 404), (who, n)
        bookings = caller.get("/api/v1/bookings").get_json()
        assert len(bookings) == len(numbers), who
        # Ledger entries about a manifest are visible to exactly its parties.
        entries = caller.get(f"/api/v1/ledger/entries?subject={n1}").get_json()
        assert bool(entries) == (n1 in numbers), who
    # Mutations by a non-party are refused and change nothing.
    size = _size(world)
    assert world.as_("r2").post(f"/api/v1/manifests/{n1}/confirm").status_code == 404
    assert world.as_("auditor").post(f"/api/v1/manifests/{n1}/depart", {}).status_code == 403
    assert (
        world.as_("p2op").post(f"/api/v1/manifests/{n1}/cancel", {"reason": "x"}).status_code == 404
    )
    assert _size(world) == size


@pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm") and shutil.which("pdffonts")),
    reason="zbar-tools and poppler-utils are needed (scripts/bootstrap.sh installs them)",
)
def test_manifest_pdf_qr_decodes_to_its_number(world: World, tmp_path: Path) -> None:
    codes = _stored(world, "p1", 2)
    number = _manifest(world, "p1", codes)
    r = world.as_("r1").get(f"/api/v1/manifests/{number}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf = tmp_path / "m.pdf"
    pdf.write_bytes(r.data)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    cjk = [ln for ln in fonts.stdout.splitlines() if "HwtraceCJK" in ln or "WenQuanYi" in ln]
    assert cjk and all(" yes " in ln for ln in cjk), fonts.stdout
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "p")], check=True, timeout=60
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", str(next(tmp_path.glob("p*.png")))],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert out.startswith("QR-Code:HWM1|"), out
    assert out.strip().split("|")[1] == number
    assert out.strip().split("|")[2] == "2"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "危险废物转移联单" in text and codes[0] in text and "苏E12345" in text


def test_booking_window_may_lie_days_ahead(world: World) -> None:
    (a,) = _stored(world, "p1", 1)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    r = world.as_("p1op").post(
        "/api/v1/bookings",
        {
            "codes": [a],
            "transporter_id": world.ids["t"],
            "receiver_id": world.ids["r1"],
            "planned_method": "D10",
            "window_start": start.isoformat(),
            "window_end": (start + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert r.status_code == 201, r.get_json()
    r = world.as_("p1op").post(
        "/api/v1/bookings",
        {
            "codes": [a],
            "transporter_id": world.ids["t"],
            "receiver_id": world.ids["r1"],
            "planned_method": "D10",
            "window_start": "2026-13-01T00:00:00Z",
            "window_end": "2026-12-01T00:00:00Z",
        },
    )
    assert r.status_code == 400


def test_business_date_is_the_park_local_date(world: World) -> None:
    """At 07:00 in Suzhou (23:00 UTC the day before) a new code carries the local date."""
    saved = world.ctx.clock
    world.ctx.clock = lambda: dt.datetime(2026, 11, 24, 23, 0, tzinfo=dt.UTC)
    try:
        assert world.ctx.today() == dt.date(2026, 11, 25)
    finally:
        world.ctx.clock = saved
