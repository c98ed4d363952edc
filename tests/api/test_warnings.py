"""Warnings of every kind, their scoping, and acknowledgement as a ledger entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hwtrace.services import auth as auth_svc
from hwtrace.services import warnings as W
from tests.api.test_transport import _load, _manifest, _stored
from tests.factories import World


def _kinds(world: World, who: str, **q: Any) -> dict[str, set[str]]:
    url = "/api/v1/warnings" + ("?" + "&".join(f"{k}={v}" for k, v in q.items()) if q else "")
    r = world.as_(who).get(url)
    assert r.status_code == 200, r.get_json()
    out: dict[str, set[str]] = {}
    for w in r.get_json()["items"]:
        out.setdefault(w["kind"], set()).add(w["subject"])
    return out


def _at(world: World, who: str, when: dt.datetime) -> dict[str, set[str]]:
    """Warnings as the service computes them at another time (tokens stay valid)."""
    actor = auth_svc.actor_for_token(world.ctx, world.tokens[who])
    clock = world.ctx.clock
    world.ctx.clock = lambda: when
    try:
        items, _ = W.compute(world.ctx, actor=actor)
    finally:
        world.ctx.clock = clock
    out: dict[str, set[str]] = {}
    for w in items:
        out.setdefault(w.kind.value, set()).add(w.subject)
    return out


def test_storage_limit_room_capacity_and_outliers(world: World) -> None:
    op = world.as_("p1op")
    today = world.ctx.today()
    old = op.register(world.profiles["p1"], "10", produced_on=str(today - dt.timedelta(days=365)))
    near = op.register(world.profiles["p1"], "10", produced_on=str(today - dt.timedelta(days=340)))
    for code in (old["code"], near["code"]):
        op.act(code, "label")
        assert op.act(code, "store", room_id=world.rooms["p1"]).status_code == 200
    # A room over capacity: a correction raises a stored batch's weight past the room's 1000 kg.
    big = op.register(world.profiles["p1"], "900")
    op.act(big["code"], "label")
    assert op.act(big["code"], "store", room_id=world.rooms["p1"]).status_code == 200
    hist = op.get(f"/api/v1/batches/{big['code']}/history").get_json()
    r = op.post(
        f"/api/v1/batches/{big['code']}/corrections",
        {"corrects_seq": hist[0]["seq"], "weight_kg": "1500", "reason": "复秤"},
    )
    assert r.status_code == 200, r.get_json()
    # Twelve batches near 20 kg, then one of 400 kg: out of line, explained.
    for i in range(12):
        op.register(world.profiles["p1"], f"{20 + i % 3}")
    outlier = op.register(world.profiles["p1"], "400")
    entries = op.get(f"/api/v1/batches/{outlier['code']}/history").get_json()
    check = entries[0]["payload"]["weight_check"]
    assert check["rule"] == "multiple" and float(check["ratio"]) > 15

    k = _kinds(world, "p1op")
    assert k["storage_over_limit"] == {old["code"]}
    assert k["storage_near_limit"] == {near["code"]}
    assert k["room_over_capacity"] == {f"room-{world.rooms['p1']}"}
    assert k["weight_outlier"] == {outlier["code"]}
    assert "weight_outlier" not in _kinds(world, "p2op")
    assert _kinds(world, "p2op") == {}
    park = _kinds(world, "park")
    assert park["storage_over_limit"] == {old["code"]}
    assert _kinds(world, "park", enterprise_id=world.ids["p2"]) == {}
    # Thirty days on, the near one is past the limit too; labelled batches were never stored.
    later = _at(world, "p1op", dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    assert {old["code"], near["code"]} <= later["storage_over_limit"]
    assert outlier["code"] in later["labelled_not_stored"]


def test_transfer_overdue_discrepancy_and_out_of_order(world: World) -> None:
    a, b = _stored(world, "p1", 2)
    number = _manifest(world, "p1", [a, b])
    _load(world, number, [a, b])
    assert world.as_("t").post(f"/api/v1/manifests/{number}/depart", {}).status_code == 200
    r = world.as_("r1").post(f"/api/v1/manifests/{number}/receive", {"code": a, "weight_kg": "90"})
    assert r.status_code == 200
    assert _kinds(world, "p1op")["discrepancy"] == {a}
    assert _kinds(world, "r1")["discrepancy"] == {a}
    assert "discrepancy" not in _kinds(world, "r2")
    # Past the receipt deadline (5 working days, 部令第23号 第十八条) the transfer is overdue.
    due = world.as_("t").get(f"/api/v1/manifests/{number}").get_json()["receipt_due_at"]
    late = dt.datetime.fromisoformat(due) + dt.timedelta(minutes=1)
    assert "transfer_overdue" not in _at(world, "p1op", late - dt.timedelta(minutes=2))
    for who in ("p1op", "t", "r1", "park"):
        assert _at(world, who, late)["transfer_overdue"] == {number}, who
    assert "transfer_overdue" not in _at(world, "p2op", late)
    # A device clock behind the previous event flags the entry (it is still recorded).
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"], "10")["code"]
    now = dt.datetime.now(dt.UTC)
    assert op.act(code, "label", client_ts=now.isoformat()).status_code == 200
    r = op.act(
        code,
        "store",
        room_id=world.rooms["p1"],
        client_ts=(now - dt.timedelta(hours=2)).isoformat(),
    )
    assert r.status_code == 200
    assert _kinds(world, "p1op")["out_of_order"] == {code}
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    assert "out_of_order" in hist[-1]["payload"]


def test_acknowledge_is_a_ledger_entry_and_scoped(world: World) -> None:
    op = world.as_("p1op")
    today = world.ctx.today()
    old = op.register(world.profiles["p1"], "10", produced_on=str(today - dt.timedelta(days=365)))
    key = f"storage_over_limit:{old['code']}"
    assert (
        world.as_("auditor")
        .post("/api/v1/warnings/acknowledge", {"key": key, "note": "看过"})
        .status_code
        == 403
    )
    r = world.as_("p2admin").post("/api/v1/warnings/acknowledge", {"key": key, "note": "x"})
    assert r.status_code == 404
    r = world.as_("p1admin").post(
        "/api/v1/warnings/acknowledge", {"key": key, "note": "已报生态环境局延期贮存"}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["acknowledged"]["note"] == "已报生态环境局延期贮存"
    r = world.as_("park").post("/api/v1/warnings/acknowledge", {"key": key, "note": "again"})
    assert r.status_code == 409 and r.get_json()["code"] == "warning.acknowledged"
    items = world.as_("park").get("/api/v1/warnings").get_json()["items"]
    w = next(x for x in items if x["key"] == key)
    assert w["acknowledged"]["by"] == world.usernames["p1admin"]
    hist = op.get(f"/api/v1/batches/{old['code']}/history").get_json()
    assert hist[-1]["type"] == "warning.acknowledge" and hist[-1]["payload"]["key"] == key


def _correct(world: World, code: str, kg: str, reason: str) -> dict[str, Any]:
    op = world.as_("p1op")
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    r = op.post(
        f"/api/v1/batches/{code}/corrections",
        {"corrects_seq": hist[0]["seq"], "weight_kg": kg, "reason": reason},
    )
    assert r.status_code == 200, r.get_json()
    last = op.get(f"/api/v1/batches/{code}/history").get_json()[-1]
    assert last["type"] == "batch.correct"
    return dict(last["payload"])


def test_a_weight_warning_ends_when_its_cause_does(world: World) -> None:
    op = world.as_("p1op")
    for i in range(12):  # bags of about 40 kg
        op.register(world.profiles["p1"], f"{39 + i % 3}")
    # A bag of 25 kg and a drum-to-drum 10 % are ordinary; a digit too many is not.
    ordinary = [op.register(world.profiles["p1"], kg)["code"] for kg in ("25", "44")]
    typo = op.register(world.profiles["p1"], "410")["code"]
    flagged = _kinds(world, "p1op").get("weight_outlier", set())
    assert flagged == {typo}, flagged
    assert not set(ordinary) & flagged
    # The producer corrects the slip: the warning ends, and the entry says why.
    payload = _correct(world, typo, "41", "多输入一位数字")
    assert payload["weight_check"] == {"rule": "cleared_by_correction"}
    assert "weight_outlier" not in _kinds(world, "p1op")
    # A correction from 40 kg to 3,250 kg is flagged, whatever the history.
    big = op.register(world.profiles["p1"], "40")["code"]
    payload = _correct(world, big, "3250", "地磅复秤")
    assert payload["weight_check"]["rule"] == "correction"
    assert payload["weight_check"]["ratio"] == "81.25"
    items = world.as_("p1op").get("/api/v1/warnings").get_json()["items"]
    w = next(x for x in items if x["kind"] == "weight_outlier")
    assert w["subject"] == big and "3,250" in w["message"] and "3,250" in w["message_en"]
    # A heavy batch that is real: the receiver's scale confirms it, and the warning ends.
    heavy = op.register(world.profiles["p1"], "410")["code"]
    assert heavy in _kinds(world, "p1op")["weight_outlier"]
    assert op.act(heavy, "label").status_code == 200
    assert op.act(heavy, "store", room_id=world.rooms["p1"]).status_code == 200
    world.book([heavy])
    assert op.act(heavy, "unstore").status_code == 200
    number = world.manifests[heavy]
    t = world.as_("t")
    assert t.post(f"/api/v1/manifests/{number}/load", {"code": heavy}).status_code == 200
    assert t.post(f"/api/v1/manifests/{number}/depart", {}).status_code == 200
    r = world.as_("r1").post(
        f"/api/v1/manifests/{number}/receive", {"code": heavy, "weight_kg": "410.5"}
    )
    assert r.status_code == 200, r.get_json()
    assert _kinds(world, "p1op").get("weight_outlier") == {big}
    hist = op.get(f"/api/v1/batches/{heavy}/history").get_json()
    assert hist[-1]["payload"]["weight_check"] == {"rule": "confirmed_at_receipt"}
