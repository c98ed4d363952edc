"""《危险废物转移管理办法》第十八条第二款: a mismatch at receipt tells the 移出人 at once (the
outbox row commits with the receipt; the e-mail reaches a real SMTP server; the shipper's to-do
shows it), the receiver decides about each batch with a reason (a ledger entry), and the report
to the receiving place's authority is the receiver's and the park's only (PDF with its
SHA-256, CSV, XLSX). 第十二条(一): the receiver's check finds name, characteristics, form or
packaging not as declared."""

from __future__ import annotations

import csv
import io
import subprocess
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from hwtrace.notifier import Notifier
from tests.factories import World, page_client
from tests.support.live_server import free_port

ARTICLE = "第十八条第二款"


def _in_transit(world: World, n: int, weight: str = "25.5") -> tuple[str, list[str]]:
    p1op = world.as_("p1op")
    codes = [p1op.register(world.profiles["p1"], weight=weight)["code"] for _ in range(n)]
    for c in codes:
        world.walk(c, "STORED")
    world._scan_out(codes)
    world._load_and_depart(codes)
    return world.manifests[codes[0]], codes


def _receive(world: World, number: str, code: str, kg: str, **extra: Any) -> Any:
    return world.as_("r1").post(
        f"/api/v1/manifests/{number}/receive", {"code": code, "weight_kg": kg, **extra}
    )


def _deliveries(world: World, hook: int) -> list[dict[str, Any]]:
    r = world.as_("p1admin").get(f"/api/v1/webhooks/{hook}/deliveries")
    assert r.status_code == 200, r.get_json()
    return [d for d in r.get_json() if d["event"] == "receipt.mismatch"]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def test_art18_2_a_mismatch_notifies_the_shipper_with_its_receipt(world: World) -> None:
    """第十八条第二款: the 移出人 is told at once; the notification commits with the receipt."""
    r = world.as_("p1admin").post(
        "/api/v1/webhooks",
        {"url": "http://127.0.0.1:9/h", "events": ["receipt.mismatch"], "secret": "s"},
    )
    assert r.status_code == 201, r.get_json()
    hook = int(r.get_json()["id"])
    r = world.as_("p1admin").put(
        "/api/v1/me/notifications",
        {"email": "shipper@p1.example", "email_events": ["receipt.mismatch"]},
    )
    assert r.status_code == 200, r.get_json()
    number, (ok_code, odd, bad) = _in_transit(world, 3)
    # within tolerance and as declared: nothing to tell
    assert _receive(world, number, ok_code, "25.5").status_code == 200
    assert _deliveries(world, hook) == []
    # a refused receipt (aspects without saying what was found) queues nothing either
    r = _receive(world, number, odd, "25.5", mismatch=["packaging"])
    assert r.status_code == 400 and r.get_json()["code"] == "receipt.aspect_note"
    assert _deliveries(world, hook) == []
    # packaging not as declared (第十二条(一) check), then a weight far off
    r = _receive(world, number, odd, "25.5", mismatch=["packaging"], mismatch_note="桶破损")
    assert r.status_code == 200, r.get_json()
    r = _receive(world, number, bad, "31")
    assert r.status_code == 200, r.get_json()
    log = _deliveries(world, hook)
    assert len(log) == 2 and {d["status"] for d in log} == {"pending"}
    found = {b["code"]: b for d in log for b in d["body"]["data"]["batches"]}
    assert found[odd]["kind"] == "mismatch" and found[odd]["facts"]["aspects"] == ["packaging"]
    assert found[bad]["kind"] == "weight"
    assert all(ARTICLE in d["body"]["data"]["article"] for d in log)
    # the e-mail reaches a real SMTP server
    inbox = _Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        n = Notifier(world.ctx, smtp_url=f"smtp://127.0.0.1:{port}", smtp_from="hw@park.example")
        n.run_once()
        mails = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
        mine = [m for m in mails if m["To"] == "shipper@p1.example"]
        assert len(mine) == 2
        assert all(m["X-Hwtrace-Event"] == "receipt.mismatch" for m in mine)
        subjects = [str(m["Subject"]) for m in mine]
        assert all("接收核对不符" in x and number in x for x in subjects)
    finally:
        smtp.stop()
    # the shipper's to-do shows it until it is explained
    page = page_client(world.app, world.usernames["p1admin"]).get("/inbox").get_data(as_text=True)
    assert f'data-kind="mismatch" data-ref="{number}"' in page
    # the receiver's to-do asks for its decisions
    page = page_client(world.app, world.usernames["r1"]).get("/inbox").get_data(as_text=True)
    assert f'data-kind="receipt" data-ref="{number}"' in page


def test_art18_2_missing_batches_at_confirmation_notify_the_shipper(world: World) -> None:
    r = world.as_("p1admin").post(
        "/api/v1/webhooks",
        {"url": "http://127.0.0.1:9/h", "events": ["receipt.mismatch"], "secret": "s"},
    )
    hook = int(r.get_json()["id"])
    number, (a, b) = _in_transit(world, 2)
    assert _receive(world, number, a, "25.5").status_code == 200
    r = world.as_("r1").post(f"/api/v1/manifests/{number}/confirm")
    assert r.status_code == 200, r.get_json()
    [d] = _deliveries(world, hook)
    assert [x["code"] for x in d["body"]["data"]["batches"]] == [b]
    assert d["body"]["data"]["batches"][0]["kind"] == "missing_at_receipt"


def _decide(world: World, number: str, code: str, decision: str, reason: str = "复核") -> Any:
    return world.as_("r1").post(
        f"/api/v1/manifests/{number}/decisions",
        {"code": code, "decision": decision, "reason": reason},
    )


def test_art18_2_the_receiver_decides_each_batch_with_a_reason(world: World) -> None:
    """第十八条第二款: the receiver decides whether to accept; each decision is a ledger entry."""
    number, (plain, heavy, leaky, odd) = _in_transit(world, 4)
    assert _receive(world, number, plain, "25.5").status_code == 200
    assert _receive(world, number, heavy, "30").status_code == 200
    assert _receive(world, number, leaky, "20").status_code == 200
    r = _receive(world, number, odd, "25.5", mismatch=["form", "name"], mismatch_note="液态")
    assert r.status_code == 200
    # nothing to decide about a batch that matched
    r = _decide(world, number, plain, "accept")
    assert r.status_code == 409 and r.get_json()["code"] == "receipt.no_mismatch"
    # a reason is required; the decision is one of three
    r = _decide(world, number, heavy, "accept", " ")
    assert r.status_code in (400, 422)
    r = _decide(world, number, heavy, "keep")
    assert r.status_code in (400, 422)
    # only the receiver decides
    r = world.as_("p1admin").post(
        f"/api/v1/manifests/{number}/decisions",
        {"code": heavy, "decision": "accept", "reason": "x"},
    )
    assert r.status_code == 403
    r = _decide(world, number, heavy, "accept_measured", "磅差经复核属实")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["accepted_kg"] == "30.000" or r.get_json()["accepted_kg"].startswith("30")
    r = _decide(world, number, heavy, "accept")
    assert r.status_code == 409 and r.get_json()["code"] == "receipt.decided"
    r = _decide(world, number, leaky, "accept", "差额为包装物")
    assert r.status_code == 201 and r.get_json()["accepted_kg"].startswith("25.5")
    r = _decide(world, number, odd, "reject_return", "形态与联单不符，退回")
    assert r.status_code == 201 and r.get_json()["accepted_kg"] in ("0", "0.000")
    b = world.as_("r1").get(f"/api/v1/batches/{odd}").get_json()
    assert b["status"] == "REJECTED"
    hist = world.as_("p1op").get(f"/api/v1/batches/{odd}/history").get_json()
    [entry] = [e for e in hist if e["type"] == "batch.decide"]
    assert entry["payload"]["decision"] == "reject_return"
    assert entry["payload"]["reason"] == "形态与联单不符，退回"
    assert ARTICLE in entry["payload"]["article"]
    # the returned batch goes back into the producer's storage
    r = world.as_("p1op").act(odd, "store", room_id=world.rooms["p1"])
    assert r.status_code == 200, r.get_json()


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def test_art18_2_the_report_to_the_authority_is_the_receivers_and_the_parks(
    world: World, tmp_path: Path
) -> None:
    number, (heavy, odd) = _in_transit(world, 2)
    assert _receive(world, number, heavy, "30").status_code == 200
    r = _receive(world, number, odd, "25.5", mismatch=["packaging"], mismatch_note="包装袋破损")
    assert r.status_code == 200
    assert _decide(world, number, heavy, "accept_measured", "以实测为准").status_code == 201
    url = f"/api/v1/manifests/{number}/receipt-report"
    rep = world.as_("r1").get(url).get_json()
    assert rep["undecided"] == [odd]
    rows = {r[0]: r for r in rep["content"]["rows"]}
    assert set(rows) == {heavy, odd}
    assert rows[heavy][3].startswith("25.5") and rows[heavy][4].startswith("30")
    assert rows[heavy][8] == "按实测量接收" and rows[odd][8] == "待决定"
    assert "包装方式" in rows[odd][6] and "包装袋破损" in rows[odd][6]
    assert ARTICLE in rep["content"]["article"] and rep["content"]["zone"] == "北京时间"
    assert world.as_("park").get(url).get_json()["sha256"] == rep["sha256"]
    assert world.as_("auditor").get(url).status_code == 200
    # scoped: the other parties may not read it, strangers do not see the manifest
    assert world.as_("p1admin").get(url).status_code == 403
    assert world.as_("t").get(url).status_code == 403
    assert world.as_("p2op").get(url).status_code == 404
    assert world.as_("r2").get(url).status_code == 404
    pdf = world.as_("r1").get(url + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data, tmp_path)
    assert "接收核对不符情况报告" in text and ARTICLE in text and number in text
    assert f"SHA-256 {rep['sha256']}" in text and "北京时间" in text
    assert world.as_("p1admin").get(url + ".pdf").status_code == 403
    raw = world.as_("park").get(url + ".csv")
    assert raw.status_code == 200 and raw.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert table[0][:4] == ["联单编号", "移出人", "承运人", "接受人"]
    assert "接收时间（北京时间）" in table[0] and table[0][-1] == "SHA-256"
    assert {row[4] for row in table[1:]} == {heavy, odd}
    assert all(row[-1] == rep["sha256"] for row in table[1:])
    x = world.as_("r1").get(url + ".xlsx")
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.data)).active
    assert sheet is not None and sheet.max_row == 3
    assert world.as_("r1").get(url + ".doc").status_code == 404
