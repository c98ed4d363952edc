"""《危险废物转移管理办法》第二十条: a transfer made on an emergency paper manifest is entered
afterwards by the 移出人 with the paper's number and a scan (its SHA-256 in the ledger); the
manifest is marked "paper" in the ledger and its JSON; the receiver receives it as any other;
an entry later than 10 working days after the transfer is accepted, marked late, and warned
about with its deadline's date and the article, linked to its handbook rule."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import subprocess
from typing import Any

from hwtrace.domain.rules import BY_ID
from hwtrace.services import workdays
from tests.factories import CONTRACT_PDF, World

ARTICLE = "第二十条"


def _stored(world: World, n: int, produced_on: dt.date) -> list[str]:
    p1op = world.as_("p1op")
    codes = [
        p1op.register(world.profiles["p1"], produced_on=produced_on.isoformat())["code"]
        for _ in range(n)
    ]
    for c in codes:
        world.walk(c, "STORED")
    return codes


def _body(world: World, codes: list[str], day: dt.date, number: str, **extra: Any) -> Any:
    return {
        "paper_number": number,
        "transferred_on": day.isoformat(),
        "reason": "省级系统故障，使用纸质联单",
        "codes": codes,
        "transporter_id": world.ids["t"],
        "driver_user_id": world.user_ids["t"],
        "vehicle_plate": "苏E12345",
        "driver_licence": "320500000001",
        "receiver_id": world.ids["r1"],
        "planned_method": world.method_d,
        "scan": {
            "name": "paper.pdf",
            "type": "application/pdf",
            "content_base64": base64.b64encode(CONTRACT_PDF).decode(),
        },
        **extra,
    }


def _deadline(world: World, day: dt.date) -> dt.date:
    with world.ctx.db.read_session() as s:
        return workdays.calendar_in(s, world.ctx).add_working_days(day, 10)


def _entries(world: World, subject: str) -> list[dict[str, Any]]:
    r = world.as_("park").get(f"/api/v1/ledger/entries?subject={subject}&limit=100")
    assert r.status_code == 200, r.get_json()
    return list(r.get_json())


def test_art20_a_paper_transfer_is_entered_with_its_scan_and_marked_paper(world: World) -> None:
    today = world.ctx.today()
    day = today - dt.timedelta(days=1)
    codes = _stored(world, 2, day - dt.timedelta(days=2))
    r = world.as_("p1op").post("/api/v1/paper-manifests", _body(world, codes, day, "ZZ-2026-001"))
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    number, paper = got["manifest"], got["paper"]
    assert len(number) == 14 and number.isdigit()
    assert paper["number"] == "ZZ-2026-001" and paper["transferred_on"] == day.isoformat()
    assert paper["deadline"] == _deadline(world, day).isoformat() and paper["late"] is False
    assert paper["scan"]["sha256"] == hashlib.sha256(CONTRACT_PDF).hexdigest()
    assert ARTICLE in paper["article"]
    # the ledger marks it paper, with the scan's hash; each batch was taken out and loaded
    [create] = [e for e in _entries(world, number) if e["type"] == "manifest.create"]
    assert create["payload"]["paper"]["scan"]["sha256"] == paper["scan"]["sha256"]
    assert create["payload"]["paper"]["number"] == "ZZ-2026-001"
    hist = world.as_("p1op").get(f"/api/v1/batches/{codes[0]}/history").get_json()
    types = [e["type"] for e in hist]
    assert types[-3:] == ["manifest.create", "batch.unstore", "batch.load"][-3:] or (
        "batch.load" in types and "batch.unstore" in types
    )
    load = [e for e in hist if e["type"] == "batch.load"][-1]
    assert load["payload"]["paper"] == "ZZ-2026-001" and load["payload"]["manifest"] == number
    m = world.as_("r1").get(f"/api/v1/manifests/{number}").get_json()
    assert m["status"] == "IN_TRANSIT"
    assert m["paper"]["number"] == "ZZ-2026-001" and m["paper"]["late"] is False
    assert m["paper"]["scan"]["sha256"] == paper["scan"]["sha256"]
    # the manifest's PDF says it was entered from the paper manifest
    pdf = world.as_("r1").get(f"/api/v1/manifests/{number}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert "据纸质联单补录" in text and "ZZ-2026-001" in text, text
    # the scan, as entered, for the parties; strangers do not see it
    listed = world.as_("r1").get("/api/v1/paper-manifests").get_json()
    [row] = [x for x in listed if x["manifest"] == number]
    scan = world.as_("r1").get(f"/api/v1/paper-manifests/{row['id']}/scan")
    assert scan.status_code == 200 and scan.data == CONTRACT_PDF
    assert world.as_("p2op").get(f"/api/v1/paper-manifests/{row['id']}/scan").status_code == 404
    assert all(
        x["manifest"] != number for x in world.as_("p2op").get("/api/v1/paper-manifests").get_json()
    )
    # the receiver receives it as any other manifest
    for c in codes:
        r = world.as_("r1").post(
            f"/api/v1/manifests/{number}/receive", {"code": c, "weight_kg": "25.5"}
        )
        assert r.status_code == 200, r.get_json()
    assert world.as_("r1").post(f"/api/v1/manifests/{number}/confirm").status_code == 200
    # the same paper number twice is refused; nothing else was written
    again = _stored(world, 1, day)
    r = world.as_("p1op").post("/api/v1/paper-manifests", _body(world, again, day, "zz-2026-001"))
    assert r.status_code == 409 and r.get_json()["code"] == "paper.duplicate"
    assert world.as_("p1op").get(f"/api/v1/batches/{again[0]}").get_json()["status"] == "STORED"
    warnings = world.as_("p1admin").get("/api/v1/warnings").get_json()
    assert not [w for w in warnings["items"] if w["kind"] == "paper_manifest_late"]


def test_art20_an_entry_after_ten_working_days_is_accepted_with_a_warning(world: World) -> None:
    today = world.ctx.today()
    day = today - dt.timedelta(days=25)
    deadline = _deadline(world, day)
    assert deadline < today
    codes = _stored(world, 1, day)
    r = world.as_("p1op").post("/api/v1/paper-manifests", _body(world, codes, day, "P-LATE-1"))
    assert r.status_code == 201, r.get_json()
    paper = r.get_json()["paper"]
    assert paper["late"] is True and paper["deadline"] == deadline.isoformat()
    for who in ("p1admin", "park"):
        found = world.as_(who).get("/api/v1/warnings").get_json()["items"]
        [w] = [x for x in found if x["kind"] == "paper_manifest_late"]
        assert deadline.isoformat() in w["message"] and ARTICLE in w["message"]
        assert w["facts"]["deadline"] == deadline.isoformat()
        assert w["rule"] == "transfer.paper-manifest"
    rule = BY_ID["transfer.paper-manifest"]
    assert ARTICLE in rule.source_zh
    others = world.as_("p2admin").get("/api/v1/warnings").get_json()["items"]
    assert not [x for x in others if x["kind"] == "paper_manifest_late"]


def test_art20_what_a_paper_entry_must_carry(world: World) -> None:
    today = world.ctx.today()
    codes = _stored(world, 1, today)
    post = world.as_("p1op").post
    r = post("/api/v1/paper-manifests", _body(world, codes, today + dt.timedelta(days=1), "F1"))
    assert r.status_code == 400 and r.get_json()["code"] == "paper.transfer_day"
    exe = {"name": "x.exe", "type": "application/pdf", "content_base64": ""}
    body = _body(world, codes, today, "F2")
    body["scan"] = {**exe, "content_base64": base64.b64encode(b"").decode() or "===="}
    assert post("/api/v1/paper-manifests", body).status_code == 400
    r = post("/api/v1/paper-manifests", _body(world, codes, today, "F3", reason=" "))
    assert r.status_code == 400 and r.get_json()["code"] == "paper.reason"
    r = post("/api/v1/paper-manifests", _body(world, codes, today - dt.timedelta(days=3), "F4"))
    assert r.status_code == 409 and r.get_json()["code"] == "paper.before_production"
    # the transporter, the receiver and the park do not enter paper manifests
    for who in ("t", "r1", "park"):
        r = world.as_(who).post("/api/v1/paper-manifests", _body(world, codes, today, "F5"))
        assert r.status_code == 403, (who, r.get_json())
    assert world.as_("p1op").get(f"/api/v1/batches/{codes[0]}").get_json()["status"] == "STORED"


def test_art20_a_paper_transfer_across_provinces_is_checked_against_its_approval(
    world: World,
) -> None:
    """A paper manifest to a receiver in another province is held to the cross-province
    approval (第二十一–二十八条) as it stood on the paper's day: without one the entry is refused
    and nothing is written; an approval that began after that day does not cover it; one valid
    on the day does, and the transfer counts against its weight."""
    from tests.api.test_approvals import add_receiver, enter

    today = world.ctx.today()
    day = today - dt.timedelta(days=3)
    add_receiver(world, "rx", "33", today + dt.timedelta(days=300))
    codes = _stored(world, 1, day - dt.timedelta(days=1))
    body = _body(world, codes, day, f"ZX-{day.isoformat()}", receiver_id=world.ids["rx"])
    body["planned_method"] = "D10"
    r = world.as_("p1op").post("/api/v1/paper-manifests", body)
    assert r.status_code == 409 and r.get_json()["code"] == "approval.missing", r.get_json()
    assert world.as_("p1op").get(f"/api/v1/batches/{codes[0]}").get_json()["status"] == "STORED"
    later = enter(world, valid_from=today.isoformat())
    assert later.status_code == 201, later.get_json()
    r = world.as_("p1op").post("/api/v1/paper-manifests", body)
    assert r.status_code == 409 and r.get_json()["code"] == "approval.not_valid", r.get_json()
    covering = enter(world, valid_from=(day - dt.timedelta(days=5)).isoformat())
    assert covering.status_code == 201, covering.get_json()
    r = world.as_("p1op").post("/api/v1/paper-manifests", body)
    assert r.status_code == 201, r.get_json()
    number = r.get_json()["manifest"]
    [create] = [e for e in _entries(world, number) if e["type"] == "manifest.create"]
    assert create["payload"]["approval"] == covering.get_json()["subject"]
    listed = world.as_("p1op").get("/api/v1/transfer-approvals").get_json()
    mine = next(x for x in listed if x["id"] == covering.get_json()["id"])
    assert mine["lines"][0]["used_t"] != "0.000000"
