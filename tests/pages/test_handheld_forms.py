"""Bad input in every handheld form is answered in the form, in words, with its stable code, and
writes nothing (the ledger keeps its size). What a scanner reads from a label is accepted as the
QR payload (signed, or unsigned from an old label) or the bare code; a damaged payload, a forged
or re-signed one, and a misread code are refused in place."""

from __future__ import annotations

from typing import Any

from tests.factories import World
from tests.pages.handheld import (
    Phone,
    ledger_size,
    payload,
    result,
    signed_by_stranger,
    tampered,
    unsigned,
)


def refused(world: World, phone: Phone, url: str, want: str, **form: Any) -> str:
    """Post a form that must be refused in place; return the message shown."""
    before = ledger_size(world.ctx)
    r = phone.post(url, **form)
    kind, text = result(r)
    assert r.status_code >= 400 and kind == "error", (url, form, r.status_code, text)
    assert want in text, (want, text)
    assert ledger_size(world.ctx) == before, (url, form)
    return text


def _labelled(world: World, producer: str = "p1") -> str:
    code = world.as_(f"{producer}op").register(world.profiles[producer], "20")["code"]
    assert world.as_(f"{producer}op").act(code, "label").status_code == 200
    return str(code)


def test_register_form(world: World) -> None:
    phone = Phone(world, "p1op")
    good = {
        "profile_id": str(world.profiles["p1"]),
        "weight_kg": "25",
        "container_volume_l": "200",
        "package_count": "1",
        "packaging": "",
    }
    bad = [
        ({"profile_id": ""}, "value.invalid"),
        ({"profile_id": str(world.profiles["p2"])}, "value.invalid"),  # another producer's
        ({"profile_id": "x1"}, "value.invalid"),
        ({"weight_kg": ""}, "value.invalid"),
        ({"weight_kg": "abc"}, "value.invalid"),
        ({"weight_kg": "-3"}, "value.invalid"),
        ({"container_volume_l": ""}, "label.volume_required"),
        ({"container_volume_l": "0"}, "value.invalid"),
        ({"container_volume_l": "2.5"}, "value.invalid"),
        ({"package_count": "two"}, "value.invalid"),
        ({"packaging": "麻袋子"}, "value.invalid"),
    ]
    for change, code in bad:
        text = refused(world, phone, "/m/register", code, **{**good, **change})
        assert text.strip()
    # the form keeps what was typed
    r = phone.post("/m/register", **{**good, "container_volume_l": ""})
    assert 'value="25"' in r.get_data(as_text=True)
    # and the good form registers and labels, with the container type of the profile
    r = phone.post("/m/register", **good)
    assert r.status_code == 200 and result(r)[0] == "ok"


def test_scans_into_storage(world: World) -> None:
    phone = Phone(world, "p1op")
    url = "/m/scan/store"
    room = str(world.rooms["p1"])
    code = _labelled(world)
    qr = payload(world.ctx, code)
    assert "|~" in qr  # the label's payload carries the park's signature
    refused(world, phone, url, "value.invalid", code=qr, room_id="")
    refused(world, phone, url, "value.invalid", code="", room_id=room)
    wrong = "1" if code.endswith("0") else "0"  # a check character the code does not have
    refused(world, phone, url, "code.check_char", code=code[:-1] + wrong, room_id=room)
    refused(world, phone, url, "code.length", code=code[:20], room_id=room)
    refused(world, phone, url, "qr.forged", code=tampered(qr), room_id=room)
    refused(world, phone, url, "qr.unknown_key", code=signed_by_stranger(qr), room_id=room)
    refused(world, phone, url, "qr.checksum", code=qr.replace("|20.000|", "|21.000|"), room_id=room)
    refused(world, phone, url, "qr.format", code="HWT1|" + code, room_id=room)
    refused(world, phone, url, "not_found", code=_labelled(world, "p2"), room_id=room)
    refused(world, phone, url, "storage.room_mismatch", code=qr, room_id=str(world.rooms["p2"]))
    # The signed payload stores the batch; the page says the signature is the park's.
    r = phone.post(url, code=qr, room_id=room)
    kind, text = result(r)
    assert kind == "ok" and "标签签名有效" in text, text
    # Scanned again: done already, not an error, and nothing is written.
    before = ledger_size(world.ctx)
    r = phone.post(url, code=code, room_id=room)
    assert r.status_code == 200 and result(r)[0] == "done"
    assert ledger_size(world.ctx) == before
    # An old unsigned label still scans; the page says what it cannot prove.
    old = _labelled(world)
    r = phone.post(url, code=unsigned(payload(world.ctx, old)), room_id=room)
    kind, text = result(r)
    assert kind == "ok" and "旧式未签名标签" in text, text
    html = r.get_data(as_text=True)
    assert '<span id="count" class="count">2</span>' in html


def test_scans_out_of_storage_and_reprint(world: World) -> None:
    phone = Phone(world, "p1op")
    code = _labelled(world)
    assert world.as_("p1op").act(code, "store", room_id=world.rooms["p1"]).status_code == 200
    # not booked: refused in words, nothing written
    refused(world, phone, "/m/scan/unstore", "value.invalid", code=payload(world.ctx, code))
    refused(world, phone, "/m/reprint", "value.invalid", code=code, reason="")
    wrong = "1" if code.endswith("0") else "0"  # a check character the code does not have
    refused(
        world, phone, "/m/reprint", "code.check_char", code=code[:-1] + wrong, reason="标签破损"
    )
    r = phone.post("/m/reprint", code=payload(world.ctx, code), reason="标签破损")
    assert r.status_code == 200 and result(r)[0] == "ok"


def test_load_and_depart(world: World) -> None:
    a, b = _labelled(world), _labelled(world)
    stray = _labelled(world)
    for c in (a, b, stray):
        assert world.as_("p1op").act(c, "store", room_id=world.rooms["p1"]).status_code == 200
    world.book([a, b])
    for c in (a, b):
        assert world.as_("p1op").act(c, "unstore").status_code == 200
    number = world.manifests[a]
    phone = Phone(world, "t")
    url = f"/m/manifest/{number}/load"
    refused(world, phone, url, "manifest.not_on_manifest", code=payload(world.ctx, stray))
    refused(world, phone, url, "qr.forged", code=tampered(payload(world.ctx, a)))
    refused(world, phone, f"/m/manifest/{number}/depart", "manifest.nothing_loaded")
    r = phone.post(url, code=payload(world.ctx, a))
    assert result(r)[0] == "ok"
    assert '<strong id="loaded">1</strong> / <strong id="total">2</strong>' in r.get_data(
        as_text=True
    )
    refused(world, phone, f"/m/manifest/{number}/depart", "manifest.missing_batches")
    r = phone.post(url, code=a)
    assert r.status_code == 200 and result(r)[0] == "done"


def test_receive_confirm_and_dispose(world: World) -> None:
    a, b = _labelled(world), _labelled(world)
    for c in (a, b):
        assert world.as_("p1op").act(c, "store", room_id=world.rooms["p1"]).status_code == 200
    world.book([a, b])
    for c in (a, b):
        assert world.as_("p1op").act(c, "unstore").status_code == 200
    number = world.manifests[a]
    for c in (a, b):
        r = world.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": c})
        assert r.status_code == 200
    assert world.as_("t").post(f"/api/v1/manifests/{number}/depart", {}).status_code == 200
    phone = Phone(world, "r1")
    url = f"/m/manifest/{number}/receive"
    qa = payload(world.ctx, a)
    # the scan opens the batch for weighing and writes nothing
    before = ledger_size(world.ctx)
    r = phone.post(url, code=qa)
    assert result(r)[0] == "open" and 'id="dispatched"' in r.get_data(as_text=True)
    assert ledger_size(world.ctx) == before
    refused(world, phone, url, "value.invalid", code=qa, decision="accept", weight_kg="")
    refused(world, phone, url, "value.invalid", code=qa, decision="accept", weight_kg="abc")
    refused(world, phone, url, "value.invalid", code=qa, decision="reject", weight_kg="19")
    refused(world, phone, url, "value.invalid", code=qa, decision="keep", weight_kg="19")
    refused(world, phone, url, "qr.forged", code=tampered(qa), decision="accept", weight_kg="19")
    # refused dispose before receipt
    dispose = "/m/scan/dispose"
    refused(world, phone, dispose, "value.invalid", code=qa, method="")
    refused(world, phone, dispose, "value.invalid", code=qa, method="X99")
    refused(world, phone, dispose, "batch.illegal_transition", code=qa, method="D10")
    # confirming with a batch not scanned asks first
    refused(world, phone, f"/m/manifest/{number}/confirm", "manifest.unscanned")
    r = phone.post(url, code=qa, decision="accept", weight_kg="19.8")
    assert result(r)[0] == "ok"
    r = phone.post(url, code=b, decision="reject", weight_kg="20", reason="包装破损")
    assert result(r)[0] == "ok"
    r = phone.post(url, code=qa)
    assert r.status_code == 200 and result(r)[0] == "done"
    r = phone.post(f"/m/manifest/{number}/confirm")
    assert r.status_code == 302
    r = phone.post(dispose, code=qa, method="D10")
    assert result(r)[0] == "ok"
    r = phone.post(dispose, code=qa, method="D10")
    assert result(r)[0] == "done"
    # a rejected batch cannot be disposed of by the receiver
    refused(world, phone, dispose, "batch.illegal_transition", code=b, method="D10")
