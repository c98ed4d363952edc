"""A case walks the whole loop: an alarm opens it for the room's enterprise, the operator
handles it with a note and evidence (its hash in the ledger), the park sends it back, it is
handled again and closed; an overdue case escalates to the enterprise admin, then the park."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
from typing import Any

from hwtrace.domain import monitoring as M
from hwtrace.services import cases as cases_svc
from hwtrace.services import monitoring as monitoring_svc
from hwtrace.services.context import Context
from tests.factories import World

PHOTO = b"\x89PNG\r\n\x1a\n" + b"door fixed" * 20


def alarm_case(world: World, code: str, kind: M.SensorKind, value: str) -> int:
    r = world.as_("p1admin").put(
        f"/api/v1/storage-rooms/{world.rooms['p1']}/monitoring",
        {"code": code, "rules": {"cards": ["C1"]}},
    )
    assert r.status_code == 200, r.get_json()
    topic = M.Topic(world.ctx.settings.park_code, code, kind)
    now = world.ctx.now()
    assert monitoring_svc.ingest(world.ctx, topic, M.Reading(kind, now, value)) != []
    open_alarms = world.as_("p1op").get(f"/api/v1/storage-rooms/{world.rooms['p1']}/alarms")
    [alarm] = [a for a in open_alarms.get_json() if a["key"].startswith(kind.value + ":")]
    return int(alarm["case_id"])


def handle(world: World, who: str, case: int, note: str) -> Any:
    return world.as_(who).post(
        f"/api/v1/cases/{case}/handle",
        {
            "note": note,
            "evidence_name": "door.png",
            "evidence_base64": base64.b64encode(PHOTO).decode(),
        },
    )


def test_the_whole_loop(world: World) -> None:
    case = alarm_case(world, "L1", M.SensorKind.POWER, "off")
    c = world.as_("p1op").get(f"/api/v1/cases/{case}").get_json()
    assert c["status"] == "assigned" and c["severity"] == "red"
    # not someone else's to see or handle, not the park's to handle
    assert world.as_("p2admin").get(f"/api/v1/cases/{case}").status_code == 404
    assert handle(world, "p2op", case, "x").status_code == 404
    assert handle(world, "park", case, "x").status_code == 403
    r = world.as_("p1op").post(
        f"/api/v1/cases/{case}/handle",
        {"note": "x", "evidence_name": "a", "evidence_base64": "!!!!"},
    )
    assert r.status_code == 400
    # handled by the operator, with evidence
    r = handle(world, "p1op", case, "断路器复位，电源恢复")
    assert r.status_code == 200, r.get_json()
    c = r.get_json()
    assert c["status"] == "handled" and c["evidence"]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    entry = world.as_("park").get(f"/api/v1/ledger/entries/{c['seq']}").get_json()
    assert entry["type"] == "case.handle" and entry["payload"]["sha256"] == c["evidence"]["sha256"]
    # only the park verifies; it sends it back once, then closes it
    assert (
        world.as_("p1admin").post(f"/api/v1/cases/{case}/verify", {"accept": True}).status_code
        == 403
    )
    r = world.as_("park").post(
        f"/api/v1/cases/{case}/verify", {"accept": False, "note": "请补充照片"}
    )
    assert r.status_code == 200 and r.get_json()["status"] == "assigned"
    r = world.as_("park").post(f"/api/v1/cases/{case}/verify", {"accept": True})
    assert r.status_code == 409 and r.get_json()["code"] == "case.wrong_state"
    assert handle(world, "p1op", case, "已补充现场照片").status_code == 200
    r = world.as_("park").post(f"/api/v1/cases/{case}/verify", {"accept": True})
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    types = [
        e["type"]
        for e in world.as_("park").get("/api/v1/ledger/entries?type=case.handle").get_json()
    ]
    assert types.count("case.handle") >= 2
    # the park passes a case on to another enterprise (here the transporter)
    other = alarm_case(world, "L2", M.SensorKind.ACCESS, "STRANGER")
    assert (
        world.as_("p1admin")
        .post(f"/api/v1/cases/{other}/assign", {"enterprise_id": world.ids["t"]})
        .status_code
        == 403
    )
    r = world.as_("park").post(f"/api/v1/cases/{other}/assign", {"enterprise_id": world.ids["t"]})
    assert r.status_code == 200 and r.get_json()["assignee_id"] == world.ids["t"]
    assert world.as_("t").get(f"/api/v1/cases/{other}").status_code == 200
    summary = {s.enterprise_id: s for s in cases_svc.summary(world.ctx, actor=_park_actor(world))}
    assert summary[world.ids["p1"]].closed == 1 and summary[world.ids["p1"]].open == 1


def _park_actor(world: World) -> Any:
    from hwtrace.services import auth

    return auth.actor_for_token(world.ctx, world.tokens["park"])


def later(ctx: Context, hours: float) -> Context:
    at = ctx.now() + dt.timedelta(hours=hours)
    return dataclasses.replace(ctx, clock=lambda: at)


def test_an_overdue_case_escalates_to_the_enterprise_admin_then_the_park(world: World) -> None:
    case = alarm_case(world, "E1", M.SensorKind.POWER, "off")  # red: 4 hours
    assert cases_svc.escalate_overdue(later(world.ctx, 1)) == 0
    assert cases_svc.escalate_overdue(later(world.ctx, 4.1)) == 1
    c = world.as_("p1admin").get(f"/api/v1/cases/{case}").get_json()
    assert c["escalation"] == "enterprise_admin"
    assert cases_svc.escalate_overdue(later(world.ctx, 5)) == 0  # once per level
    assert cases_svc.escalate_overdue(later(world.ctx, 8.1)) == 1
    c = world.as_("park").get(f"/api/v1/cases/{case}").get_json()
    assert c["escalation"] == "park"
    entries = world.as_("park").get("/api/v1/ledger/entries?type=case.escalate").get_json()
    assert [e["payload"]["to"] for e in entries if e["payload"]["case"] == case] == [
        "enterprise_admin",
        "park",
    ]
