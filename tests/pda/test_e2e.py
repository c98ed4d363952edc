"""``hwtrace-pda`` end to end against the real server (gunicorn): a scanner, a printer and a
scale on pseudo-terminals; the server's batches and ledger are checked afterwards."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from hwtrace.demo.common import DEMO_LICENCE, DEMO_PLATE
from pda_client.scale import make_mettler
from schemas import formats
from tests.factories import random_uscc
from tests.pda.conftest import Park, PdaCli, Pty
from tests.support.live_server import free_port

CODE_RE = re.compile(r"\b[0-9A-Z]{38}\b")
HW49 = "900-041-49"


def codes_in(text: str) -> list[str]:
    """The identification codes in the client's output, in order, once each."""
    return list(dict.fromkeys(CODE_RE.findall(text)))


def label_bytes(park: Park, code: str, fmt: str = "escpos", profile: str = "escpos-4inch") -> bytes:
    """The server's own rendering of a label."""
    req = urllib.request.Request(
        f"{park.url}/api/v1/batches/{code}/label?format={fmt}&profile={profile}",
        headers={"Authorization": f"Bearer {park.token('p1op')}"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return bytes(resp.read())


def register_labelled(
    pda: PdaCli, park: Park, tmp: Path, n: int = 1, weight: str = "1.5"
) -> list[str]:
    """Register ``n`` batches of the HW49 profile and print their labels to a file."""
    out = f"{tmp}/labels-{uuid.uuid4().hex[:6]}.bin"
    r = pda.ok(
        "register",
        "--profile",
        str(park.profile(HW49)),
        "--weight",
        weight,
        "--volume",
        "30",
        "--count",
        str(n),
        "--printer",
        f"file://{out}",
    )
    got = codes_in(r.stdout)
    assert len(got) == n, r.stdout
    return got


def wrong_check(code: str) -> str:
    """The code with its check character misread."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_login_stores_a_device_token(park: Park, pda: PdaCli) -> None:
    st = pda.status()
    assert st["user"] == "p1op" and st["server"] == park.url and st["queued"] == 0
    tokens = park.api("p1op", "/auth/tokens")
    device = [t for t in tokens if t["kind"] == "device" and t["name"].startswith("pda-")]
    assert device and not device[-1]["revoked"]
    # the password login used to get it (issued just before) is revoked
    by_id = {t["id"]: t for t in tokens}
    session = by_id[device[-1]["id"] - 1]
    assert session["kind"] == "session" and session["revoked"]
    # logging in again replaces this handheld's device token
    pda.login("p1op")
    again = {t["id"]: t for t in park.api("p1op", "/auth/tokens")}
    assert again[device[-1]["id"]]["revoked"]
    assert pda.status()["user"] == "p1op"


def test_register_prints_escpos_on_a_serial_printer(
    park: Park, pda: PdaCli, pty_factory: Callable[[], Pty]
) -> None:
    printer = pty_factory().record()
    r = pda.ok(
        "register",
        "--profile",
        str(park.profile(HW49)),
        "--weight",
        "12.5",
        "--volume",
        "30",
        "--printer",
        f"serial://{printer.path}?baudrate=9600",
    )
    (code,) = codes_in(r.stdout)
    batch = park.batch(code)
    assert batch["status"] == "LABELLED" and batch["weight_kg"] == "12.500"
    expected = label_bytes(park, code)
    data = printer.wait_for(lambda d: len(d) >= len(expected))
    assert data.startswith(b"\x1b@")  # ESC @: printer initialised
    assert code.encode() in data  # the code as text and in the QR payload
    assert f"{formats.QR_PREFIX}|{code}|{HW49}|12.500|".encode() in data
    assert data == expected  # the server's rendering of this very label
    types = [e["type"] for e in park.history(code)]
    assert types == ["batch.register", "batch.label"]


def test_offline_registration_prints_locally_with_a_reserved_code(
    park: Park, pda: PdaCli, tmp_path: Path
) -> None:
    profile = park.profile(HW49)
    pda.ok("reserve", "--profile", str(profile), "--count", "2")
    out = f"{tmp_path}/offline.bin"
    r = pda.ok(
        "--offline",
        "register",
        "--profile",
        str(profile),
        "--weight",
        "3.25",
        "--volume",
        "20",
        "--remarks",
        "离线登记",
        "--printer",
        f"file://{out}",
    )
    (code,) = codes_in(r.stdout)
    assert "local" in r.stdout
    assert park.status_of(code) == 404  # nothing reached the server yet
    assert pda.status()["queued"] == 2  # the registration and the label print
    assert pda.run("sync").returncode == 0
    batch = park.batch(code)
    assert batch["status"] == "LABELLED" and batch["remarks"] == "离线登记"
    # The label printed offline is byte for byte the one the server renders now, but for the
    # park's signature: a handheld holds no private key, so its QR payload is the unsigned
    # form (which every reader still scans); a reprint online carries the signature.
    with open(out, "rb") as f:
        offline = f.read()
    assert offline == server_label_unsigned(park, code)
    assert offline != label_bytes(park, code)


def server_label_unsigned(
    park: Park, code: str, fmt: str = "escpos", profile: str = "escpos-4inch"
) -> bytes:
    """The server's rendering of a batch's label with the signature left out of its payload."""
    import dataclasses

    import printer
    from hwtrace.app import create_app
    from hwtrace.services import labels

    env = park.env.items()
    app = create_app({k.removeprefix("HWTRACE_"): v for k, v in env if k.startswith("HWTRACE_")})
    ctx = app.extensions["hwtrace"]
    try:
        data, volume = labels.label_data(ctx, actor=None, code=code)
    finally:
        ctx.db.dispose()
    p = formats.decode_qr_payload(data.qr_payload)
    assert p.signature  # the server signs
    unsigned = formats.encode_qr_payload(dataclasses.replace(p, signature=None))
    return printer.render_label(
        dataclasses.replace(data, qr_payload=unsigned),
        fmt,
        size=labels.label_size(volume, None, code),
        profile=printer.load_profile(profile),
    )


def test_label_too_large_for_the_printer_is_refused_then_printed_as_pdf(
    park: Park, pda: PdaCli, tmp_path: Path
) -> None:
    r = pda.run(
        "register",
        "--profile",
        str(park.profile(HW49)),
        "--weight",
        "180",
        "--volume",
        "200",  # 50-450 L: a 150 mm label; a 4-inch printer cannot print it
        "--printer",
        f"file://{tmp_path}/x.bin",
    )
    assert r.returncode == 1 and "\a" in r.stderr and "150" in r.stderr
    (code,) = codes_in(r.stdout)
    assert park.batch(code)["status"] == "REGISTERED"
    pdf = f"{tmp_path}/label.pdf"
    pda.ok("print", code, "--label-format", "pdf", "--printer", f"file://{pdf}")
    with open(pdf, "rb") as f:
        assert f.read(4) == b"%PDF"
    assert park.batch(code)["status"] == "LABELLED"
    r = pda.run("print", code, "--label-format", "pdf", "--printer", f"file://{pdf}")
    assert r.returncode == 1 and "--reason" in r.stderr  # a reprint needs a reason
    pda.ok(
        "print", code, "--reason", "标签污损", "--label-format", "pdf", "--printer", f"file://{pdf}"
    )
    assert [e["type"] for e in park.history(code)][-1] == "batch.reprint"


def test_scan_in_from_a_serial_scanner(
    park: Park, pda: PdaCli, pty_factory: Callable[[], Pty], tmp_path: Path
) -> None:
    codes = register_labelled(pda, park, tmp_path, n=3)
    room = park.room("HW49")
    scanner = pty_factory()
    proc = pda.popen("scan", "--action", "store", "--room", str(room), "--scanner", scanner.path)
    proc.wait_for("扫码枪就绪")
    scanner.write(codes[0].encode() + b"\r")
    scanner.write(codes[1].encode() + b"\r\n")
    scanner.write(wrong_check(codes[2]).encode() + b"\r\n")  # a misread
    scanner.write(codes[2].encode() + b"\r")
    for c in codes:
        proc.wait_for(f"入库 {c} → 已入库")
    scanner.write(codes[0].encode() + b"\r")  # scanned twice
    proc.wait_for("重复扫描")
    scanner.write(b"\x04")  # EOT: the scanner is done
    assert proc.finish() == 1  # the misread was refused
    err = proc.err.decode()
    assert "\a" in err and "识别码校验位错误" in err and wrong_check(codes[2]) in err
    for c in codes:
        batch = park.batch(c)
        assert batch["status"] == "STORED" and batch["room_id"] == room
    assert [e["type"] for e in park.history(codes[0])].count("batch.store") == 1
    st = pda.status()
    assert (
        st["queued"] == 0 and st["refused"] == 0 and st["done"] == 9
    )  # 3 x register, label, store


class Scale:
    """A continuous METTLER TOLEDO scale on a pty: while the load changes it sends frames in
    motion, then the settled weight, ten frames a second or so."""

    def __init__(self, pty: Pty) -> None:
        self.pty = pty
        self.weight = Decimal("25.5")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        settled: Decimal | None = None
        while not self._stop.is_set():
            w = self.weight
            frames = [make_mettler(w)]
            if w != settled:  # a drum was put on: the display swings before it settles
                frames = [make_mettler(w + Decimal("3.1") * k, motion=True) for k in (3, 2, 1)]
                settled = w
            for f in frames:
                try:
                    self.pty.write(f)
                except OSError:
                    return
                time.sleep(0.03)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def scale_pty(pty_factory: Callable[[], Pty]) -> Iterator[Scale]:
    s = Scale(pty_factory())
    yield s
    s.stop()


def test_transfer_load_and_receive_weighed_on_a_serial_scale(
    park: Park, tmp_path: Path, pty_factory: Callable[[], Pty], scale_pty: Scale
) -> None:
    producer = PdaCli(tmp_path / "producer.sqlite", park.url)
    producer.login("p1op")
    codes = register_labelled(producer, park, tmp_path, n=2, weight="25.5")
    producer.ok(
        "scan", "--action", "store", "--room", str(park.room("HW49")), input="\n".join(codes)
    )
    now = dt.datetime.now(dt.UTC)
    booking = park.api(
        "p1op",
        "/bookings",
        "POST",
        {
            "codes": codes,
            "transporter_id": park.enterprise("transporter"),
            "receiver_id": park.enterprise("receiver"),
            "window_start": now.isoformat(),
            "window_end": (now + dt.timedelta(hours=20)).isoformat(),
            "planned_method": "D10",
        },
    )
    driver = park.api("driver", "/me")
    park.api(
        "driver",
        f"/bookings/{booking['id']}/accept",
        "POST",
        {
            "vehicle_plate": DEMO_PLATE,  # the demo transporter's qualified vehicle and driver
            "driver_user_id": driver["user_id"],
            "driver_licence": DEMO_LICENCE,
        },
    )
    manifest = park.api("p1op", f"/bookings/{booking['id']}/manifest", "POST")["number"]
    producer.ok(
        "scan", "--action", "unstore", input="\n".join(codes)
    )  # the booking names the parties
    truck = PdaCli(tmp_path / "truck.sqlite", park.url)
    truck.login("driver")
    r = truck.ok("scan", "--action", "load", "--manifest", manifest, input="\n".join(codes))
    assert r.stdout.count("→") == 2
    park.api("driver", f"/manifests/{manifest}/depart", "POST", {})

    gate = PdaCli(tmp_path / "gate.sqlite", park.url)
    gate.login("receiver")
    scanner = pty_factory()
    proc = gate.popen(
        "scan",
        "--action",
        "receive",
        "--manifest",
        manifest,
        "--scale",
        scale_pty.pty.path,
        "--scanner",
        scanner.path,
    )
    proc.wait_for("扫码枪就绪")
    scanner.write(codes[0].encode() + b"\r\n")
    proc.wait_for(f"接收 {codes[0]} → ")
    scale_pty.weight = Decimal("25.3")  # the second drum weighs a little less
    scanner.write(codes[1].encode() + b"\r\n")
    proc.wait_for(f"接收 {codes[1]} → ")
    scanner.write(b"\x04")
    assert proc.finish() == 0, proc.text
    assert "称重：25.5 kg" in proc.text and "称重：25.3 kg" in proc.text
    for c, kg in zip(codes, ("25.500", "25.300"), strict=True):
        batch = park.batch(c, "receiver")
        assert batch["status"] == "RECEIVED" and batch["received_weight_kg"] == kg
        entry = park.history(c, "receiver")[-1]
        assert entry["type"] == "batch.receive"
        frame = make_mettler(Decimal(kg)).hex()
        assert frame in str(entry["payload"]), entry["payload"]  # the raw stable frame


def test_refused_actions_show_the_message_and_change_nothing(
    park: Park, pda: PdaCli, tmp_path: Path
) -> None:
    room = park.room("HW49")
    voided, big, drum = register_labelled(pda, park, tmp_path, n=3, weight="12.5")
    pda.ok("scan", "--action", "void", "--reason", "标签打印错误", input=voided + "\n")
    tiny = park.api(
        "p1admin",
        "/storage-rooms",
        "POST",
        {"name": f"小库{uuid.uuid4().hex[:4]}", "capacity_kg": "1", "allowed_categories": ["HW49"]},
    )["id"]
    # A room already holding ignitable waste oil: infectious packaging may not join it.
    mixed = park.api(
        "p1admin",
        "/storage-rooms",
        "POST",
        {
            "name": f"混合库{uuid.uuid4().hex[:4]}",
            "capacity_kg": "1000",
            "allowed_categories": ["HW49", "HW08"],
        },
    )["id"]
    oil = park.api(
        "p1admin",
        "/waste-profiles",
        "POST",
        {
            "waste_code": "900-249-08",
            "name": "废矿物油",
            "form": "液态",
            "hazards": ["T", "I"],
            "packaging": "桶",
        },
    )["id"]
    oil_code = park.api("p1admin", "/batches", "POST", {"profile_id": oil, "weight_kg": "20"})[
        "code"
    ]
    park.api("p1admin", f"/batches/{oil_code}/events", "POST", {"action": "label"})
    park.api(
        "p1admin", f"/batches/{oil_code}/events", "POST", {"action": "store", "room_id": mixed}
    )
    pda.ok("refresh")
    pda.ok("reserve", "--profile", str(park.profile(HW49)), "--count", "1")
    with sqlite3.connect(pda.db) as db:
        (unregistered,) = db.execute(
            "SELECT code FROM reserved_code WHERE used_at IS NULL"
        ).fetchone()
    unknown = formats.format_code(uscc=random_uscc(), waste_code=HW49, day=dt.date.today(), seq=7)
    before = {c: park.history(c) for c in (voided, big, drum)}
    cases = [
        (voided, room, "该标签已作废"),
        (unregistered, room, "未找到该识别码对应的批次"),  # storage without registration
        (unknown, room, "未找到该识别码对应的批次"),
        (big, tiny, "容量不足"),
        (drum, mixed, "不相容"),
    ]
    for code, r, message in cases:
        res = pda.run("scan", "--action", "store", "--room", str(r), input=code + "\n")
        assert res.returncode == 1, res.stdout + res.stderr
        assert "\a" in res.stderr and message in res.stderr and code in res.stderr
    res = pda.run("scan", "--action", "store", "--room", str(room), input=wrong_check(big) + "\n")
    assert res.returncode == 1 and "\a" in res.stderr and "校验位错误" in res.stderr
    assert "已保存" not in res.stdout  # a misread is never queued
    st = pda.status()
    assert st["queued"] == 0 and st["refused"] == 5
    assert {i["error_code"] for i in st["refused_items"]} == {
        "batch.voided",
        "not_found",
        "storage.capacity",
        "storage.incompatible",
    }
    assert wrong_check(big) not in {i["code"] for i in st["refused_items"]}
    assert park.batch(voided)["status"] == "VOIDED" and park.batch(big)["status"] == "LABELLED"
    assert park.batch(drum)["status"] == "LABELLED"
    assert {c: park.history(c) for c in (voided, big, drum)} == before
    assert park.status_of(unregistered) == 404 and park.status_of(unknown) == 404
    # the operator sees the refusals with the server's messages, and acknowledges them
    res = pda.ok("status")
    assert "容量不足" in res.stdout and "该标签已作废" in res.stdout
    pda.ok("refused", "--dismiss", "all")
    assert pda.status()["refused"] == 0


def test_offline_scans_wait_for_the_server(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    codes = register_labelled(pda, park, tmp_path, n=2)
    room = str(park.room("HW49"))
    dead = f"http://127.0.0.1:{free_port()}"
    scans = "\n".join([codes[0], codes[1], codes[0]]) + "\n"
    r = pda.run("--server", dead, "scan", "--action", "store", "--room", room, input=scans)
    assert r.returncode == 0, r.stderr  # queued: nothing was refused
    assert "离线" in r.stderr and "重复扫描，已在队列中" in r.stderr
    assert pda.status()["queued"] == 2  # the double scan was not queued twice
    assert pda.run("--server", dead, "sync").returncode == 3
    assert pda.status()["queued"] == 2
    assert all(park.batch(c)["status"] == "LABELLED" for c in codes)
    r = pda.ok("sync")
    assert "成功 2" in r.stdout
    assert all(park.batch(c)["status"] == "STORED" for c in codes)


def test_english_messages_and_local_refusal_without_a_server(tmp_path: Path) -> None:
    cli = PdaCli(tmp_path / "x.sqlite", "http://127.0.0.1:9")
    r = cli.run("--lang", "en", "scan", "--action", "store", "--room", "1", input="X\n")
    assert r.returncode == 3 and "not logged in" in r.stderr
    r = cli.run("--version")
    assert r.returncode == 0 and r.stdout.startswith("hwtrace-pda ")


def test_interactive_menu(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    profile, room = park.profile(HW49), park.room("HW49")
    pda.ok(
        "config", "--printer", f"file://{tmp_path}/menu.bin", "--printer-profile", "escpos-4inch"
    )
    # 2 register + print: profile, weight, packages, container volume; 0 quit
    r = pda.ok("menu", input=f"2\n{profile}\n7.5\n2\n30\n0\n")
    assert "登记并打印" in r.stdout and "标签已打印" in r.stdout
    (code,) = codes_in(r.stdout)
    batch = park.batch(code)
    assert batch["status"] == "LABELLED" and batch["package_count"] == 2
    # 3 scan in: room, scans until an empty line; 9 status; 0 quit
    r = pda.ok("--lang", "en", "menu", input=f"3\n{room}\n{code}\n\n9\n0\n")
    assert "scan in" in r.stdout and f"store {code} → STORED" in r.stdout
    assert "0 waiting to sync" in r.stdout
    assert park.batch(code)["status"] == "STORED"
