"""The witness (C2SP tlog-witness) and cosignatures (C2SP tlog-cosignature), as a library:
the protocol's answers, the cosignature format, and state that survives a new process."""

from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import merkle
from ledger.checkpoint import Signer, sign_checkpoint, split_note
from ledger.cosignature import Cosigner, CosignerKey, add_signatures, cosigned_by
from ledger.errors import BadSignatureError
from ledger.witness import SIZE_TYPE, Witness, WitnessState, parse_request, request_body
from tests.support import rfc6962

ORIGIN = "hwtrace.local/TEST"


class Tree:
    """A log kept in memory: leaves, root and proofs from the independent RFC 6962 code."""

    def __init__(self, signer: Signer, tag: bytes = b"") -> None:
        self.signer = signer
        self.tag = tag
        self.leaves: list[bytes] = []

    def grow(self, n: int) -> Tree:
        for _ in range(n):
            self.leaves.append(rfc6962.leaf_hash(self.tag + b"entry %d" % len(self.leaves)))
        return self

    def note(self) -> str:
        return sign_checkpoint(ORIGIN, len(self.leaves), self.root(len(self.leaves)), self.signer)

    def root(self, size: int) -> bytes:
        return rfc6962.mth(self.leaves[:size])

    def proof(self, old: int) -> list[bytes]:
        if old == 0 or old >= len(self.leaves):
            return []
        return rfc6962.proof(old, self.leaves)

    def request(self, old: int) -> bytes:
        return request_body(old, self.proof(old), self.note())


@pytest.fixture
def log_signer() -> Signer:
    return Signer.generate(ORIGIN)


@pytest.fixture
def witness(tmp_path: Path, log_signer: Signer) -> Witness:
    return Witness(
        Cosigner.generate("witness.example/w1"),
        {ORIGIN: log_signer.verifier()},
        WitnessState(tmp_path / "state"),
        clock=lambda: 1_700_000_000,
    )


def test_cosignature_format_follows_c2sp(witness: Witness, log_signer: Signer) -> None:
    tree = Tree(log_signer).grow(5)
    answer = witness.add_checkpoint(tree.request(0))
    assert answer.status == 200
    line = answer.body.decode()
    assert line.startswith("\u2014 witness.example/w1 ") and line.endswith("\n")
    blob = base64.b64decode(line.split(" ")[2])
    key = witness.cosigner.key
    # key id: SHA-256(name || "\n" || 0x04 || public key)[:4]
    assert blob[:4] == hashlib.sha256(b"witness.example/w1\n\x04" + key.public_key).digest()[:4]
    assert struct.unpack(">Q", blob[4:12])[0] == 1_700_000_000
    body = split_note(tree.note())[0]
    message = f"cosignature/v1\ntime 1700000000\n{body}".encode()
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[12:], message)
    cosigned = add_signatures(tree.note(), [line])
    assert cosigned_by(cosigned, [key]) == {"witness.example/w1": 1_700_000_000}
    assert CosignerKey.from_vkey(key.vkey) == key
    other = Cosigner.generate("witness.example/w1").key  # same name, another key
    assert cosigned_by(cosigned, [other]) == {}


def test_vkey_of_another_signature_type_is_refused(log_signer: Signer) -> None:
    with pytest.raises(BadSignatureError):
        CosignerKey.from_vkey(log_signer.vkey)  # a log key is type 0x01, not 0x04


def test_accepts_only_consistent_growth(witness: Witness, log_signer: Signer) -> None:
    tree = Tree(log_signer).grow(3)
    assert witness.add_checkpoint(tree.request(0)).status == 200
    tree.grow(10)
    ok = witness.add_checkpoint(tree.request(3))
    assert ok.status == 200
    assert witness.state.get(ORIGIN).size == 13  # type: ignore[union-attr]
    # The same checkpoint again is cosigned again (old size = size, same root).
    assert witness.add_checkpoint(tree.request(13)).status == 200


def test_wrong_old_size_gets_409_with_the_size(witness: Witness, log_signer: Signer) -> None:
    tree = Tree(log_signer).grow(4)
    assert witness.add_checkpoint(tree.request(0)).status == 200
    tree.grow(4)
    answer = witness.add_checkpoint(tree.request(0))
    assert (answer.status, answer.content_type, answer.body) == (409, SIZE_TYPE, b"4\n")


def test_rollback_is_refused(witness: Witness, log_signer: Signer) -> None:
    tree = Tree(log_signer).grow(9)
    assert witness.add_checkpoint(tree.request(0)).status == 200
    short = Tree(log_signer).grow(6)  # the same first six entries: a truncated log
    answer = witness.add_checkpoint(short.request(9))
    assert answer.status == 400  # old size above the checkpoint's
    answer = witness.add_checkpoint(short.request(0))
    assert (answer.status, answer.body) == (409, b"9\n")
    assert witness.state.get(ORIGIN).size == 9  # type: ignore[union-attr]


def test_fork_at_same_size_is_refused(witness: Witness, log_signer: Signer) -> None:
    tree = Tree(log_signer).grow(7)
    assert witness.add_checkpoint(tree.request(0)).status == 200
    fork = Tree(log_signer, b"forged ").grow(7)
    answer = witness.add_checkpoint(fork.request(7))
    assert answer.status == 409
    assert list((witness.state.directory / "evidence").iterdir())


def test_rewritten_history_is_refused_422(witness: Witness, log_signer: Signer) -> None:
    tree = Tree(log_signer).grow(7)
    assert witness.add_checkpoint(tree.request(0)).status == 200
    forged = Tree(log_signer).grow(7)
    forged.leaves[2] = rfc6962.leaf_hash(b"rewritten")
    forged.grow(5)
    answer = witness.add_checkpoint(forged.request(7))
    assert answer.status == 422
    # A proof made up to match the old root cannot help either.
    made_up = request_body(7, [tree.root(7)], forged.note())
    assert witness.add_checkpoint(made_up).status == 422
    assert witness.state.get(ORIGIN).root == tree.root(7)  # type: ignore[union-attr]


def test_unknown_origin_bad_signature_and_malformed(
    witness: Witness, log_signer: Signer, tmp_path: Path
) -> None:
    stranger = Signer.generate("other.example/log")
    note = sign_checkpoint("other.example/log", 1, merkle.leaf_hash(b"x"), stranger)
    assert witness.add_checkpoint(request_body(0, [], note)).status == 404
    thief = Signer.generate(ORIGIN)  # the right name, not the log's key
    assert witness.add_checkpoint(Tree(thief).grow(2).request(0)).status == 403
    assert (
        witness.add_checkpoint(b"old 01\n\n" + Tree(log_signer).grow(1).note().encode()).status
        == 400
    )
    assert witness.add_checkpoint(b"nonsense").status == 400
    proof_from_zero = request_body(0, [b"\0" * 32], Tree(log_signer).grow(2).note())
    assert witness.add_checkpoint(proof_from_zero).status == 400
    with pytest.raises(ValueError):
        parse_request(b"old 1\n" + b"AAAA\n" * 64 + b"\n")


def test_state_survives_a_new_witness_process(
    tmp_path: Path, witness: Witness, log_signer: Signer
) -> None:
    tree = Tree(log_signer).grow(12)
    assert witness.add_checkpoint(tree.request(0)).status == 200
    again = Witness(witness.cosigner, witness.logs, WitnessState(witness.state.directory))
    answer = again.add_checkpoint(Tree(log_signer).grow(5).request(0))
    assert (answer.status, answer.body) == (409, b"12\n")
    latest = again.latest(ORIGIN)
    assert latest.status == 200
    assert cosigned_by(latest.body.decode(), [witness.cosigner.key])
