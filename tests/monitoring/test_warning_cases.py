"""Every warning becomes a case: opened once per warning (however many sweepers run at once),
assigned to whoever's step it is (an overdue receipt to the receiver), its condition noted as
cleared when the warning goes (the case still waits for its note and the park's check), and
escalated while overdue and not cleared. Each opening is a ledger entry and queues its
notifications in the same transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hwtrace.services import cases as cases_svc
from hwtrace.services import sweep
from hwtrace.services.context import Context
from hwtrace.store.monitoring import CaseFile
from hwtrace.store.outbox import Delivery
from tests.factories import World
from tests.support.live_server import server_env


def later(ctx: Context, days: float = 0, hours: float = 0) -> Context:
    at = dt.datetime.now(dt.UTC) + dt.timedelta(days=days, hours=hours)
    return dataclasses.replace(ctx, clock=lambda: at)


def cases_of(world: World, key: str) -> list[CaseFile]:
    with world.ctx.db.read_session() as s:
        return list(
            s.scalars(
                sa.select(CaseFile).where(CaseFile.warning_key == key).order_by(CaseFile.id)
            ).all()
        )


def deliveries(world: World, event: str, enterprise: str) -> int:
    with world.ctx.db.read_session() as s:
        return int(
            s.scalar(
                sa.select(sa.func.count())
                .select_from(Delivery)
                .where(Delivery.event == event, Delivery.enterprise_id == world.ids[enterprise])
            )
            or 0
        )


def test_each_warning_opens_one_case_for_whose_step_it_is_and_clears(world: World) -> None:
    op = world.as_("p1op")
    moving = op.register(world.profiles["p1"], "12")["code"]
    world.walk(moving, "IN_TRANSIT")
    idle = op.register(world.profiles["p1"], "8")["code"]
    number = world.manifests[moving]
    r = world.as_("r1admin").post(
        "/api/v1/webhooks",
        {"url": "http://127.0.0.1:9/hook", "events": ["case.opened"], "secret": "s"},
    )
    assert r.status_code == 201, r.get_json()
    before = deliveries(world, "case.opened", "r1")

    month = later(world.ctx, days=30)
    result = sweep.run(month)
    assert result.opened >= 2 and result.warnings >= 2
    [overdue] = cases_of(world, f"transfer_overdue:{number}")
    [unstored] = cases_of(world, f"labelled_not_stored:{idle}")
    # the overdue receipt is the receiver's; the producer sees it too; the transporter not
    assert overdue.enterprise_id == world.ids["p1"] and overdue.assignee_id == world.ids["r1"]
    assert overdue.severity == "red" and overdue.status == "assigned"
    assert overdue.due_at - overdue.opened_at == dt.timedelta(hours=4)
    assert unstored.assignee_id == world.ids["p1"] and unstored.severity == "amber"
    assert unstored.due_at - unstored.opened_at == dt.timedelta(hours=24)
    for who, code in (("r1", 200), ("p1op", 200), ("t", 404), ("p2op", 404)):
        assert world.as_(who).get(f"/api/v1/cases/{overdue.id}").status_code == code, who
    # the opening is in the ledger and told the receiver's webhook, in the same transaction
    opened = world.as_("park").get("/api/v1/ledger/entries?type=case.open").get_json()
    assert any(e["payload"]["case"] == overdue.id for e in opened)
    assert deliveries(world, "case.opened", "r1") == before + 1

    # swept again: nothing new for the same warnings
    again = sweep.run(later(world.ctx, days=30, hours=1))
    assert len(cases_of(world, f"transfer_overdue:{number}")) == 1
    assert len(cases_of(world, f"labelled_not_stored:{idle}")) == 1
    assert again.cleared == 0

    # received: the warning goes, its case is noted cleared and waits for its note still
    r = world.as_("r1").post(
        f"/api/v1/manifests/{number}/receive", {"code": moving, "weight_kg": "12"}
    )
    assert r.status_code == 200, r.get_json()
    r = world.as_("r1").post(f"/api/v1/manifests/{number}/confirm")
    assert r.status_code == 200, r.get_json()
    gone = sweep.run(later(world.ctx, days=30, hours=2))
    assert gone.cleared >= 1
    [overdue] = cases_of(world, f"transfer_overdue:{number}")
    assert overdue.cleared_at is not None and overdue.status == "assigned"
    c = world.as_("r1").get(f"/api/v1/cases/{overdue.id}").get_json()
    assert c["cleared_at"] is not None and c["warning_key"] == f"transfer_overdue:{number}"
    cleared = world.as_("park").get("/api/v1/ledger/entries?type=case.cleared").get_json()
    assert [e["payload"]["case"] for e in cleared].count(overdue.id) == 1
    # overdue: the one still standing escalates, the cleared one is not chased
    assert cases_svc.escalate_overdue(later(world.ctx, days=31, hours=8)) >= 1
    [overdue] = cases_of(world, f"transfer_overdue:{number}")
    [unstored] = cases_of(world, f"labelled_not_stored:{idle}")
    assert overdue.escalation == 0 and unstored.escalation == 1


def test_a_case_closed_while_its_warning_lasts_is_not_opened_again(world: World) -> None:
    idle = world.as_("p1op").register(world.profiles["p1"], "8")["code"]
    sweep.run(later(world.ctx, days=2))
    [case] = cases_of(world, f"labelled_not_stored:{idle}")
    r = world.as_("p1op").post(
        f"/api/v1/cases/{case.id}/handle",
        {"note": "已安排入库", "evidence_name": "a.txt", "evidence_base64": "YQ=="},
    )
    assert r.status_code == 200, r.get_json()
    r = world.as_("park").post(f"/api/v1/cases/{case.id}/verify", {"accept": True})
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    sweep.run(later(world.ctx, days=2, hours=1))
    assert len(cases_of(world, f"labelled_not_stored:{idle}")) == 1
    # the batch is stored: the closed case's condition is noted as ended
    world.as_("p1op").act(idle, "label")
    assert world.as_("p1op").act(idle, "store", room_id=world.rooms["p1"]).status_code == 200
    sweep.run(later(world.ctx, days=2, hours=2))
    [case] = cases_of(world, f"labelled_not_stored:{idle}")
    assert case.cleared_at is not None and case.status == "closed"


def test_sweepers_at_once_open_each_case_once_and_escalate_once(world: World) -> None:
    codes = [world.as_("p1op").register(world.profiles["p1"], "5")["code"] for _ in range(4)]
    keys = [f"labelled_not_stored:{c}" for c in codes]
    day = later(world.ctx, days=1)
    results = race(4, lambda: sweep.warning_cases(day))
    for key in keys:
        assert len(cases_of(world, key)) == 1, key
    assert sum(r.opened for r in results) >= len(keys)
    ids = [cases_of(world, k)[0].id for k in keys]
    opened = world.as_("park").get("/api/v1/ledger/entries?type=case.open").get_json()
    assert sorted(e["payload"]["case"] for e in opened if e["payload"]["case"] in ids) == sorted(
        ids
    )
    # twice as late as the amber deadline: escalated to the park, one entry per level
    overdue = later(world.ctx, days=3, hours=1)
    race(3, lambda: cases_svc.escalate_overdue(overdue))
    entries = world.as_("park").get("/api/v1/ledger/entries?type=case.escalate").get_json()
    for case_id in ids:
        assert [e["payload"]["to"] for e in entries if e["payload"]["case"] == case_id] == ["park"]


def race(n: int, fn: Any) -> list[Any]:
    """Run ``fn`` in ``n`` threads started together; return what each returned."""
    start = threading.Barrier(n)
    out: list[Any] = []
    errors: list[BaseException] = []

    def one() -> None:
        start.wait()
        try:
            out.append(fn())
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return out


def test_the_park_admin_sweeps_on_demand(world: World) -> None:
    assert world.as_("p1admin").post("/api/v1/cases/sweep").status_code == 403
    r = world.as_("park").post("/api/v1/cases/sweep")
    assert r.status_code == 200, r.get_json()
    assert set(r.get_json()) == {"warnings", "opened", "cleared", "recurred", "escalated"}


def over_capacity(world: World) -> tuple[str, str]:
    """Store a batch, then correct its weight past the room's 1000 kg: a red warning now.
    Return the batch code and the warning's key."""
    op = world.as_("p1op")
    big = op.register(world.profiles["p1"], "900")["code"]
    op.act(big, "label")
    assert op.act(big, "store", room_id=world.rooms["p1"]).status_code == 200
    correct(world, big, "1500")
    return big, f"room_over_capacity:room-{world.rooms['p1']}"


def correct(world: World, code: str, kg: str) -> None:
    op = world.as_("p1op")
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    r = op.post(
        f"/api/v1/batches/{code}/corrections",
        {"corrects_seq": hist[-1]["seq"], "weight_kg": kg, "reason": "复秤"},
    )
    assert r.status_code == 200, r.get_json()


def close(world: World, case_id: int) -> None:
    r = world.as_("p1op").post(
        f"/api/v1/cases/{case_id}/handle",
        {"note": "已转移部分批次", "evidence_name": "a.txt", "evidence_base64": "YQ=="},
    )
    assert r.status_code == 200, r.get_json()
    r = world.as_("park").post(f"/api/v1/cases/{case_id}/verify", {"accept": True})
    assert r.status_code == 200, r.get_json()


def test_a_warning_back_before_its_case_closes_is_the_same_case_after_it_a_new_one(
    world: World,
) -> None:
    big, key = over_capacity(world)
    sweep.run(world.ctx)
    [first] = cases_of(world, key)
    assert first.severity == "red" and first.source_key == f"warning:{key}"
    correct(world, big, "800")  # back under capacity: gone
    sweep.run(world.ctx)
    correct(world, big, "1600")  # over again before the case closed: the same case
    result = sweep.run(world.ctx)
    assert result.recurred >= 1
    [again] = cases_of(world, key)
    assert again.id == first.id and again.cleared_at is None
    types = world.as_("park").get("/api/v1/ledger/entries?type=case.recur").get_json()
    assert [e["payload"]["case"] for e in types].count(first.id) == 1
    # gone, closed, then over capacity once more: a new case
    correct(world, big, "700")
    sweep.run(world.ctx)
    close(world, first.id)
    correct(world, big, "1700")
    sweep.run(world.ctx)
    first_case, second = cases_of(world, key)
    assert first_case.status == "closed" and second.source_key == f"warning:{key}#2"
    assert second.status == "assigned" and second.cleared_at is None


def test_two_sweep_processes_at_once_open_the_case_once(
    world: World, database_url: str, tmp_path: Path
) -> None:
    _big, key = over_capacity(world)
    env = server_env(
        database_url,
        tmp_path,
        HWTRACE_PARK_CODE=world.ctx.settings.park_code,
        HWTRACE_INSTANCE_DIR=str(tmp_path),
        HWTRACE_LOG_LEVEL="WARNING",
    )
    cmd = [sys.executable, "-m", "hwtrace.cli", "sweep", "--once"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outs]
    assert sum(r["opened"] for r in results) >= 1
    assert len(cases_of(world, key)) == 1
