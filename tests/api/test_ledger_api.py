"""Ledger endpoints: the signed checkpoint, inclusion and consistency proofs, checked with an
RFC 6962 verifier written here from the RFC (independent of ledger.merkle)."""

from __future__ import annotations

import base64
import hashlib

from tests.factories import World


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def rfc9162_verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def rfc9162_verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old == new:
        return not proof and old_root == new_root
    if old & (old - 1) == 0:  # a power of two: prepend the old root
        proof = [old_root, *proof]
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    if not proof:
        return False
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


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
        assert _leaf(leaf).hex() == p["entry"]["leaf_hash"]
        proof = [bytes.fromhex(h) for h in p["proof"]]
        assert rfc9162_verify_inclusion(e["seq"], size, _leaf(leaf), proof, root)
        # a changed byte of the entry does not verify
        bad = leaf.replace(b"batch", b"batcH", 1)
        assert not rfc9162_verify_inclusion(e["seq"], size, _leaf(bad), proof, root)


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
        assert rfc9162_verify_consistency(
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
