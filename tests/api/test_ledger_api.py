"""Ledger endpoints: the signed checkpoint, inclusion and consistency proofs, checked with the
tests' RFC 6962 verifier (written from the RFC, independent of ledger.merkle)."""

from __future__ import annotations

import base64

from tests.factories import World
from tests.support import rfc6962


def _root_from_note(note: str) -> tuple[int, bytes]:
    lines = note.split("\n")
    return int(lines[1]), base64.b64decode(lines[2])


def test_checkpoint_is_a_signed_note(world: World) -> None:
    cp = world.as_("p1op").get("/api/v1/ledger/checkpoint").get_json()
    note = cp["checkpoint"]
    lines = note.split("\n")
    assert lines[0] == world.ctx.settings.ledger_origin
    assert int(lines[1]) == cp["tree_size"] > 0
    assert base64.b64decode(lines[2]).hex() == cp["root_hash"]
    assert lines[3] == ""
    assert lines[4].startswith("\u2014 ")
    name, keyhash, _key = cp["vkey"].split("+", 2)
    assert name == world.ctx.settings.ledger_origin and len(keyhash) == 8


def test_inclusion_proof_verifies_independently(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    world.walk(code, "STORED")
    for e in op.get(f"/api/v1/batches/{code}/history").get_json():
        p = op.get(f"/api/v1/ledger/entries/{e['seq']}/proof").get_json()
        size, root = _root_from_note(p["checkpoint"])
        leaf = base64.b64decode(p["entry"]["leaf"])
        assert rfc6962.leaf_hash(leaf).hex() == p["entry"]["leaf_hash"]
        proof = [bytes.fromhex(h) for h in p["proof"]]
        assert rfc6962.verify_inclusion(e["seq"], size, rfc6962.leaf_hash(leaf), proof, root)
        # a changed byte of the entry does not verify
        bad = leaf.replace(b"batch", b"batcH", 1)
        assert not rfc6962.verify_inclusion(e["seq"], size, rfc6962.leaf_hash(bad), proof, root)


def test_consistency_proof_verifies_independently(world: World) -> None:
    op = world.as_("p1op")
    first = op.get("/api/v1/ledger/checkpoint").get_json()
    for _ in range(3):
        op.register(world.profiles["p1"])
    later = op.get("/api/v1/ledger/checkpoint").get_json()
    assert later["tree_size"] == first["tree_size"] + 3
    for old in range(1, later["tree_size"] + 1):
        c = op.get(f"/api/v1/ledger/consistency?old_size={old}").get_json()
        assert c["new_size"] == later["tree_size"]
        assert rfc6962.verify_consistency(
            old,
            c["new_size"],
            bytes.fromhex(c["old_root"]),
            bytes.fromhex(later["root_hash"]),
            [bytes.fromhex(h) for h in c["proof"]],
        )
    assert op.get("/api/v1/ledger/consistency?old_size=0").status_code == 400
    assert op.get("/api/v1/ledger/consistency?old_size=999999").status_code == 400


def test_verify_endpoint_reports_ok(world: World) -> None:
    world.as_("p1op").register(world.profiles["p1"])
    r = world.as_("auditor").post("/api/v1/ledger/verify").get_json()
    assert r["ok"] is True and r["first_bad_seq"] is None and r["size"] > 0
