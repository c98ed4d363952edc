"""The signed ledger bundle: written by the API and by `hwtrace ledger bundle`, verified offline
by `hwtrace ledger verify --bundle FILE` with no database settings at all; any altered byte of
an entry, a dropped signature, a changed tree size or a wrong key makes it fail."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ledger
from hwtrace.services import exports
from ledger.bundle import BundleReport, verify_bundle
from tests.exports.conftest import Journeys, cli_env


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _offline(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Verify like an inspector: no hwtrace settings, run from an empty folder."""
    return _cli(cli_env(None), path.parent, "ledger", "verify", "--bundle", str(path), *extra)


def _bundle(j: Journeys, who: str, query: str = "") -> dict[str, Any]:
    r = j.world.as_(who).get(f"/api/v1/exports/bundle.json{query}")
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/json"
    doc: dict[str, Any] = json.loads(r.data)
    return doc


def _subjects(doc: dict[str, Any]) -> set[str]:
    return {json.loads(base64.b64decode(e["leaf"]))["subject"] for e in doc["entries"]}


def _check(doc: dict[str, Any], **kw: Any) -> BundleReport:
    return verify_bundle(json.dumps(doc).encode(), **kw)


def test_api_bundle_is_scoped_and_verifies(journeys: Journeys) -> None:
    j = journeys
    vkey = j.world.ctx.signer.vkey
    p1 = _bundle(j, "p1op")
    report = _check(p1, vkey=vkey)
    assert report.ok, report
    assert report.key_pinned and report.entries_checked == len(p1["entries"]) > 0
    assert set(j.p1) | {j.n1} <= _subjects(p1)
    assert not _subjects(p1) & (set(j.p2) | {j.n2})
    p2 = _bundle(j, "p2op")
    assert _check(p2, vkey=vkey).ok
    assert not _subjects(p2) & (set(j.p1) | {j.n1})
    # a producer narrowing to a producer it never dealt with: as if there were none (404),
    # neither its entries nor its name and USCC (docs/security.md, "Scope")
    r = j.world.as_("p1op").get(f"/api/v1/exports/bundle.json?enterprise_id={j.world.ids['p2']}")
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    assert j.usccs["p2"] not in r.get_data(as_text=True)
    # one batch's whole history, for the receiver it was sent to
    one = _bundle(j, "r1", f"?subject={j.to_r1[0]}")
    types = [json.loads(base64.b64decode(e["leaf"]))["type"] for e in one["entries"]]
    assert types[0] == "batch.register" and types[-1] == "batch.dispose"
    assert _check(one, vkey=vkey).ok
    assert _bundle(j, "r1", f"?subject={j.p2[0]}")["entries"] == []
    park = _bundle(j, "auditor")
    assert [e["index"] for e in park["entries"]] == list(range(park["tree_size"]))
    assert _check(park, vkey=vkey).ok


def test_cli_writes_and_verifies_offline(journeys: Journeys, tmp_path: Path) -> None:
    j = journeys
    out = tmp_path / "inspect" / "p1.bundle.json"
    out.parent.mkdir()
    r = _cli(
        cli_env(j.world.app),
        tmp_path,
        "ledger",
        "bundle",
        "--enterprise",
        j.usccs["p1"],
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_bytes())
    assert doc["scope"]["enterprise"]["uscc"] == j.usccs["p1"]
    assert set(j.p1) | {j.n1} <= _subjects(doc) and not _subjects(doc) & set(j.p2)
    ok = _offline(out)
    assert ok.returncode == 0, ok.stderr
    assert "验证通过" in ok.stdout and "OK:" in ok.stdout and "NOT pinned" in ok.stdout
    pinned = _offline(out, "--vkey", j.world.ctx.signer.vkey)
    assert pinned.returncode == 0, pinned.stderr
    assert "pinned with --vkey" in pinned.stdout
    # An unknown enterprise is refused; the plain `ledger verify` still checks the database.
    bad = _cli(
        cli_env(j.world.app),
        tmp_path,
        "ledger",
        "bundle",
        "--enterprise",
        "91000000000000000X",
        "-o",
        str(tmp_path / "x.json"),
    )
    assert bad.returncode == 1 and "not_found" in bad.stderr
    plain = _cli(cli_env(j.world.app), tmp_path, "ledger", "verify")
    assert plain.returncode == 0 and plain.stdout.startswith("OK"), plain.stderr
    usage = _cli(cli_env(j.world.app), tmp_path, "ledger", "verify", "--vkey", "x")
    assert usage.returncode == 2


def _flip(doc: dict[str, Any], entry: int, position: int) -> dict[str, Any]:
    """A copy of ``doc`` with one byte of one entry's canonical bytes changed."""
    bad = json.loads(json.dumps(doc))
    body = bytearray(base64.b64decode(bad["entries"][entry]["leaf"]))
    body[position] ^= 0x01
    bad["entries"][entry]["leaf"] = base64.b64encode(bytes(body)).decode()
    return bad


def _fails(path: Path, doc: dict[str, Any], *extra: str) -> str:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = _offline(path, *extra)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "验证失败" in r.stderr and "FAILED" in r.stderr
    return r.stderr


def test_tampered_bundles_fail_through_the_cli(journeys: Journeys, tmp_path: Path) -> None:
    j = journeys
    doc = _bundle(j, "p1op")
    path = tmp_path / "bundle.json"
    vkey = j.world.ctx.signer.vkey
    k = len(doc["entries"]) // 2
    index = doc["entries"][k]["index"]
    size = len(base64.b64decode(doc["entries"][k]["leaf"]))
    # any single byte of an entry's canonical bytes: first, in a key, in a value, in the
    # payload, last
    body = base64.b64decode(doc["entries"][k]["leaf"])
    for pos in sorted(
        {
            0,
            1,
            body.index(b'"actor"') + 2,
            body.index(b'"payload"') + 12,
            size // 2,
            size - 2,
            size - 1,
        }
    ):
        err = _fails(path, _flip(doc, k, pos))
        assert f"第 {index} 号台账记录" in err and f"entry {index}" in err, (pos, err)
    # the signature dropped
    unsigned = dict(doc, checkpoint=doc["checkpoint"].split("\n\n")[0] + "\n\n")
    assert "bundle.bad_signature" in _fails(path, unsigned)
    no_sig_line = dict(doc, checkpoint=doc["checkpoint"].split("\n\n")[0] + "\n")
    assert "bundle.bad_signature" in _fails(path, no_sig_line)
    # the tree size changed: in the signed note (the signature breaks) or beside it
    body_lines = doc["checkpoint"].split("\n")
    body_lines[1] = str(int(body_lines[1]) + 1)
    assert "bundle.bad_signature" in _fails(path, dict(doc, checkpoint="\n".join(body_lines)))
    assert "bundle.head_mismatch" in _fails(path, dict(doc, tree_size=doc["tree_size"] - 1))
    # a wrong key: another park's, or the same name with another key
    other = ledger.Signer.generate("other-park").vkey
    assert "bundle.key_mismatch" in _fails(path, doc, "--vkey", other)
    name = vkey.split("+")[0]
    assert "bundle.key_mismatch" in _fails(path, doc, "--vkey", ledger.Signer.generate(name).vkey)
    # A forger who re-signs with a key of their own (and ships that key) is caught only by
    # pinning the park's published key: that is what --vkey is for.
    forger = ledger.Signer.generate(name)
    cp = ledger.parse_checkpoint(doc["checkpoint"], ledger.Verifier.from_vkey(vkey))
    forged = dict(
        doc,
        checkpoint=ledger.sign_checkpoint(cp.origin, cp.size, cp.root, forger),
        vkey=forger.vkey,
    )
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert _offline(path).returncode == 0  # self-consistent, and says the key is not pinned
    assert "bundle.key_mismatch" in _fails(path, forged, "--vkey", vkey)
    # the untouched bundle still verifies against the park's key
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert _offline(path, "--vkey", vkey).returncode == 0
    # an unreadable file
    missing = _offline(tmp_path / "nope.json")
    assert missing.returncode == 1 and "无法读取" in missing.stderr


def test_every_byte_of_an_entry_matters(journeys: Journeys) -> None:
    doc = _bundle(journeys, "p1op")
    vkey = journeys.world.ctx.signer.vkey
    for k in (0, len(doc["entries"]) - 1):
        index = doc["entries"][k]["index"]
        size = len(base64.b64decode(doc["entries"][k]["leaf"]))
        for pos in range(size):
            report = _check(_flip(doc, k, pos), vkey=vkey)
            assert not report.ok and report.first_bad_index == index, (k, pos, report)
            assert report.code in ("bundle.not_canonical", "bundle.bad_proof", "bundle.wrong_place")


def _reindex(doc: dict[str, Any], k: int, index: int) -> dict[str, Any]:
    bad = json.loads(json.dumps(doc))
    bad["entries"][k]["index"] = index
    return bad


def test_structural_faults_are_named(journeys: Journeys) -> None:
    doc = _bundle(journeys, "park")
    first, second = doc["entries"][0], doc["entries"][1]

    def code(d: Any, **kw: Any) -> str | None:
        return verify_bundle(d if isinstance(d, bytes) else json.dumps(d).encode(), **kw).code

    assert code(b"not json") == "bundle.malformed"
    assert code(b"[]") == "bundle.malformed"
    assert code(dict(doc, version=2)) == "bundle.unsupported_format"
    assert code(dict(doc, vkey="garbage")) == "bundle.bad_key"
    assert code({k: v for k, v in doc.items() if k != "vkey"}) == "bundle.malformed"
    assert code({k: v for k, v in doc.items() if k != "vkey"}, vkey=doc["vkey"]) is None
    assert code(dict(doc, origin="elsewhere")) == "bundle.head_mismatch"
    assert code(dict(doc, root_hash="00" * 32)) == "bundle.head_mismatch"
    assert code(dict(doc, entries=[first, first])) == "bundle.duplicate_index"
    report = verify_bundle(json.dumps(_reindex(doc, 1, first["index"])).encode())
    assert report.code == "bundle.duplicate_index" and report.first_bad_position == 1
    # an entry moved to another index: its own bytes say where it belongs
    assert code(dict(doc, entries=[_reindex(doc, 0, second["index"])["entries"][0]])) == (
        "bundle.wrong_place"
    )
    assert code(dict(doc, entries=[_reindex(doc, 0, doc["tree_size"])["entries"][0]])) == (
        "bundle.index_out_of_range"
    )
    bad_proof = json.loads(json.dumps(doc))
    bad_proof["entries"][3]["proof"][0] = "00" * 32
    assert code(bad_proof) == "bundle.bad_proof"
    bad_proof["entries"][3]["proof"] = bad_proof["entries"][3]["proof"][1:]
    assert code(bad_proof) == "bundle.bad_proof"
    bad_proof["entries"][3]["proof"] = ["zz"]
    assert code(bad_proof) == "bundle.bad_proof"
    # bytes re-serialized with other spacing or key order are not the canonical entry
    fields = json.loads(base64.b64decode(first["leaf"]))
    for text in (json.dumps(fields, sort_keys=True), json.dumps(fields, separators=(",", ":"))):
        respaced = json.loads(json.dumps(doc))
        respaced["entries"][0]["leaf"] = base64.b64encode(text.encode()).decode()
        assert code(respaced) == "bundle.not_canonical"
    # entries in any order are fine; an empty bundle proves nothing but is well-formed
    assert code(dict(doc, entries=list(reversed(doc["entries"])))) is None
    assert code(dict(doc, entries=[])) is None


@pytest.mark.parametrize("entries", [None, "x", [1], [{"index": -1}], [{"index": True}]])
def test_malformed_entries(journeys: Journeys, entries: Any) -> None:
    doc = _bundle(journeys, "p1op")
    report = _check(dict(doc, entries=entries))
    assert not report.ok and report.code in ("bundle.malformed", "bundle.bad_entry")


def test_many_proofs_from_one_rebuilt_tree_match_the_logs(
    journeys: Journeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, auditor = journeys.world.ctx, journeys.actor("auditor")
    monkeypatch.setattr(exports, "FEW_PROOFS", 10**9)  # every proof read from the log
    from_log = json.loads(exports.bundle(ctx, actor=auditor))
    monkeypatch.setattr(exports, "FEW_PROOFS", 0)  # the tree rebuilt once in memory
    rebuilt = json.loads(exports.bundle(ctx, actor=auditor))
    assert rebuilt["tree_size"] == from_log["tree_size"]
    assert rebuilt["entries"] == from_log["entries"]
    assert verify_bundle(json.dumps(rebuilt).encode(), vkey=ctx.signer.vkey).ok


def test_oversized_bundles_are_refused(journeys: Journeys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_BUNDLE_ENTRIES", 5)
    r = journeys.world.as_("park").get("/api/v1/exports/bundle.json")
    assert r.status_code == 400 and r.get_json()["context"]["limit"] == 5
    r = journeys.world.as_("park").get(f"/api/v1/exports/bundle.json?subject={journeys.in_store}")
    assert r.status_code == 200
