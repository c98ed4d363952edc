"""``hwtrace-pda`` with names and QR payloads: it lists the waste profiles, rooms and manifests
an operator picks from, takes a name (or waste code) wherever it asks for an id, takes the
label's QR payload wherever it asks for a code, and checks the payload's signature against the
park's key fetched at login, offline too: a forged label is refused before anything is queued,
and ``verify-label`` tells a genuine label from a forged one without a network."""

from __future__ import annotations

import datetime as dt
import subprocess
import urllib.request
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import formats
from tests.pda.conftest import Park, PdaCli
from tests.pda.test_e2e import HW49, codes_in

ROOM = "2号危废暂存间（包装物）"
PROFILE_NAME = "废包装桶及沾染物"


def qr_of(park: Park, code: str, tmp: Path) -> str:
    """The QR payload printed on a batch's label, read back from its PNG by zbar."""
    req = urllib.request.Request(
        f"{park.url}/api/v1/batches/{code}/label?format=png",
        headers={"Authorization": f"Bearer {park.token('p1op')}"},
    )
    png = tmp / f"{code}.png"
    with urllib.request.urlopen(req, timeout=30) as resp:
        png.write_bytes(resp.read())
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, check=False)
    (text,) = [t for t in out.stdout.decode().splitlines() if t.startswith("HWT1|")]
    return text


def forged(text: str) -> str:
    """The payload with another weight (checksum recomputed, the signature kept)."""
    p = formats.decode_qr_payload(text)
    return formats.encode_qr_payload(formats.QrPayload(**{**p.__dict__, "weight_kg": "0.500"}))


def register(pda: PdaCli, tmp: Path, profile: str, n: int = 1) -> list[str]:
    out = f"{tmp}/labels-{uuid.uuid4().hex[:6]}.bin"
    r = pda.ok(
        "register",
        "--profile",
        profile,
        "--weight",
        "2.5",
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


def test_lists_and_names_instead_of_ids(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    profiles = pda.ok("profiles").stdout
    assert HW49 in profiles and PROFILE_NAME in profiles
    rooms = pda.ok("rooms").stdout
    assert "1号危废暂存间" in rooms and ROOM in rooms and "HW49" in rooms
    assert "安达危险品运输有限公司" in pda.ok("enterprises").stdout
    # a profile by its name, another by its waste code; a room by its name
    a = register(pda, tmp_path, PROFILE_NAME)[0]
    b = register(pda, tmp_path, HW49)[0]
    assert park.batch(a)["waste_code"] == park.batch(b)["waste_code"] == HW49
    pda.ok("scan", "--action", "store", "--room", ROOM, input=f"{a}\n{b}\n")
    assert park.batch(a)["room_id"] == park.room("HW49") == park.batch(b)["room_id"]
    # an unknown name and an ambiguous one are refused in words, nothing queued
    r = pda.run("scan", "--action", "store", "--room", "3号库", input=f"{a}\n")
    assert r.returncode == 1 and "没有名为「3号库」的库房" in r.stderr, r.stderr
    r = pda.run("scan", "--action", "store", "--room", "暂存间", input=f"{a}\n")
    assert r.returncode == 1 and "对应多个库房" in r.stderr and ROOM in r.stderr, r.stderr
    r = pda.run("reserve", "--profile", "不存在的废物", "--count", "2")
    assert r.returncode == 1 and "没有名为「不存在的废物」的废物档案" in r.stderr
    assert pda.status()["queued"] == 0
    # enterprises by name for an unbooked hand-over
    r = pda.ok(
        "scan",
        "--action",
        "unstore",
        "--transporter",
        "安达危险品运输有限公司",
        "--receiver",
        "绿源环保处置有限公司",
        input=f"{a}\n",
    )
    batch = park.batch(a)
    assert batch["status"] == "AWAITING_PICKUP"
    assert batch["transporter_id"] == park.enterprise("transporter")


def test_qr_payloads_where_codes_are_asked(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    codes = register(pda, tmp_path, HW49, n=3)
    qrs = [qr_of(park, c, tmp_path) for c in codes]
    assert all("|~" in q for q in qrs)  # signed by the park
    # A forged payload is refused on the handheld, before anything is queued.
    r = pda.run("scan", "--action", "store", "--room", ROOM, input=forged(qrs[0]) + "\n")
    assert r.returncode == 1 and "签名无效" in r.stderr, r.stderr
    assert pda.status()["queued"] == 0 and park.batch(codes[0])["status"] == "LABELLED"
    # The genuine payloads store the batches.
    pda.ok("scan", "--action", "store", "--room", ROOM, input="\n".join(qrs) + "\n")
    assert all(park.batch(c)["status"] == "STORED" for c in codes)
    # A booking (the producer's manager's desk work), then out of storage by payload.
    now = dt.datetime.now(dt.UTC)
    booking = park.api(
        "p1admin",
        "/bookings",
        "POST",
        {
            "codes": codes[:2],
            "transporter_id": park.enterprise("transporter"),
            "receiver_id": park.enterprise("receiver"),
            "window_start": now.isoformat(),
            "window_end": (now + dt.timedelta(hours=4)).isoformat(),
            "planned_method": "D10",
        },
    )
    me = park.api("driver", "/me")
    park.api(
        "driver",
        f"/bookings/{booking['id']}/accept",
        "POST",
        {"vehicle_plate": "苏E3A621", "driver_user_id": me["user_id"], "driver_licence": "3205001"},
    )
    number = park.api("p1admin", f"/bookings/{booking['id']}/manifest", "POST")["number"]
    pda.ok("scan", "--action", "unstore", input="\n".join(qrs[:2]) + "\n")
    # The driver's handheld lists its manifest and loads by payload on it.
    driver = PdaCli(tmp_path / "driver.sqlite", park.url)
    driver.login("driver")
    assert number in driver.ok("manifests").stdout
    driver.ok("scan", "--action", "load", "--manifest", number, input=qrs[0] + "\n")
    assert park.batch(codes[0], "driver")["status"] == "IN_TRANSIT"
    # The payload went with the scan: its waste code and weight were checked against the
    # manifest line (部令第23号 第十三条第三款).
    loaded = park.api("driver", f"/batches/{codes[0]}/history")[-1]["payload"]
    assert loaded["loading_check"]["label"] == "qr", loaded
    # A label's code scanned as the payload prints (reprint) as well.
    r = pda.run("print", forged(qrs[2]), "--printer", f"file://{tmp_path}/x.bin", "--reason", "x")
    assert r.returncode == 1 and "签名无效" in r.stderr


def test_verify_label_offline(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    code = register(pda, tmp_path, HW49)[0]
    qr = qr_of(park, code, tmp_path)
    # With the key fetched at login, and no network (the server is not asked).
    r = pda.run("--offline", "verify-label", qr)
    assert r.returncode == 0 and "真实标签" in r.stdout and code in r.stdout, (r.stdout, r.stderr)
    r = pda.run("--offline", "verify-label", forged(qr))
    assert r.returncode == 1 and "签名无效" in r.stderr
    # An old unsigned label: intact, but not proven; the bare code: nothing to verify.
    p = formats.decode_qr_payload(qr)
    old = formats.encode_qr_payload(formats.QrPayload(**{**p.__dict__, "signature": None}))
    r = pda.run("--offline", "verify-label", input=old + "\n")
    assert r.returncode == 1 and "未签名" in r.stderr
    r = pda.run("--offline", "verify-label", code)
    assert r.returncode == 1 and "请扫描二维码" in r.stderr
    # An inspector's fresh handheld, never logged in: the park's key given on the command line.
    vkey = park.api("park", "/ledger/checkpoint")["vkey"]
    inspector = PdaCli(tmp_path / "inspector.sqlite", "http://127.0.0.1:9")
    r = inspector.run("--offline", "verify-label", "--key", vkey, qr, "--lang", "en")
    assert r.returncode == 0 and "genuine label" in r.stdout, (r.stdout, r.stderr)
    r = inspector.run("--offline", "verify-label", qr)
    assert r.returncode == 1 and "验证公钥" in r.stderr
    # A label signed by someone else's key is told apart from the park's.
    key = Ed25519PrivateKey.generate()
    stranger = formats.LabelKey("elsewhere", key.public_key().public_bytes_raw())
    theirs = formats.sign_qr_payload(old, stranger, key.sign)
    r = inspector.run("--offline", "verify-label", "--key", vkey, theirs)
    assert r.returncode == 1 and "未知密钥" in r.stderr
