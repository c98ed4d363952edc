"""Webhooks, robots and e-mail: queued with the event in one transaction, delivered signed,
at least once even with the sender SIGKILLed again and again; retried with back-off, disabled
after repeated failures, the log read and replayed by the enterprise admin; e-mail arrives at
a real SMTP server (aiosmtpd) in this test."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from hwtrace.domain import monitoring as M
from hwtrace.domain import notifications as N
from hwtrace.notifier import Notifier
from hwtrace.services import monitoring as monitoring_svc
from hwtrace.services.context import Context
from tests.factories import World
from tests.monitoring.support import until
from tests.notifications.receiver import receiver
from tests.support.live_server import free_port, server_env


def monitored(world: World, code: str = "N1") -> M.Topic:
    r = world.as_("p1admin").put(
        f"/api/v1/storage-rooms/{world.rooms['p1']}/monitoring",
        {"code": code, "rules": {"cards": ["C1"]}},
    )
    assert r.status_code == 200, r.get_json()
    return M.Topic(world.ctx.settings.park_code, code, M.SensorKind.POWER)


def flip(world: World, topic: M.Topic, n: int) -> None:
    """Cut and restore the room's power ``n`` times: each raises and clears an alarm."""
    t0 = world.ctx.now()
    for i in range(2 * n):
        value = "off" if i % 2 == 0 else "on"
        at = t0 + dt.timedelta(seconds=i)
        monitoring_svc.ingest(world.ctx, topic, M.Reading(M.SensorKind.POWER, at, value))


def hook(world: World, url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    r = world.as_("p1admin").post(
        "/api/v1/webhooks", {"url": url, "events": events, "secret": "s3cret", **extra}
    )
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def notifier(ctx: Context, smtp: str | None = None) -> Notifier:
    return Notifier(ctx, smtp_url=smtp, smtp_from="hwtrace@park.example")


def test_signed_deliveries_reach_the_receiver(world: World) -> None:
    topic = monitored(world)
    with receiver() as rec:
        h = hook(world, rec.url, ["alarm.raised", "alarm.cleared"])
        flip(world, topic, 1)
        assert notifier(world.ctx).run_once() == 2
        assert [r.headers["X-Hwtrace-Event"] for r in rec.requests] == [
            "alarm.raised",
            "alarm.cleared",
        ]
        for r in rec.requests:
            mac = hmac.new(b"s3cret", r.body, hashlib.sha256).hexdigest()
            assert r.headers["X-Hwtrace-Signature"] == f"sha256={mac}"
            doc = json.loads(r.body)
            assert doc["event"] == r.headers["X-Hwtrace-Event"] and doc["data"]["room"] == "N1"
        assert len({r.headers["X-Hwtrace-Delivery"] for r in rec.requests}) == 2
        # the log, read and replayed by the enterprise admin
        log = world.as_("p1admin").get(f"/api/v1/webhooks/{h['id']}/deliveries").get_json()
        assert [d["status"] for d in log] == ["delivered", "delivered"]
        first = log[-1]["delivery_id"]
        r = world.as_("p1admin").post(f"/api/v1/deliveries/{first}/replay")
        assert r.status_code == 201 and r.get_json()["replay_of"] == first
        assert notifier(world.ctx).run_once() == 1
        assert rec.requests[-1].body == rec.requests[0].body
        assert rec.requests[-1].headers["X-Hwtrace-Delivery"] not in (first,)


def later(ctx: Context, seconds: float) -> Context:
    at = ctx.now() + dt.timedelta(seconds=seconds)
    return dataclasses.replace(ctx, clock=lambda: at)


def test_failures_back_off_then_disable_the_webhook(world: World) -> None:
    topic = monitored(world, "N2")
    with receiver() as rec:
        rec.status = 500
        h = hook(world, rec.url, ["alarm.raised"])
        flip(world, topic, 1)
        n = notifier(world.ctx)
        assert n.run_once() == 1 and n.failures == 1
        assert n.run_once() == 0  # not due before its back-off
        ctx = world.ctx
        for i in range(1, N.DISABLE_AFTER):
            ctx = later(ctx, N.backoff(i).total_seconds() + 1)
            assert notifier(ctx).run_once() == 1
        hooks = world.as_("p1admin").get("/api/v1/webhooks").get_json()
        assert [x["active"] for x in hooks if x["id"] == h["id"]] == [False]
        [d] = world.as_("p1admin").get(f"/api/v1/webhooks/{h['id']}/deliveries").get_json()
        assert d["status"] == "failed" and d["attempts"] == N.DISABLE_AFTER
        assert d["last_error"] == "HTTP 500" and len(rec.requests) == N.DISABLE_AFTER
        # a disabled webhook gets nothing new; enabled again, it does
        flip(world, topic, 1)
        assert notifier(later(ctx, 3600)).run_once() == 0
        r = world.as_("p1admin").post(f"/api/v1/webhooks/{h['id']}/enable")
        assert r.status_code == 200 and r.get_json()["active"] is True


def test_robots_get_their_vendors_message_format(world: World) -> None:
    topic = monitored(world, "N3")
    with receiver() as rec:
        rec.answer = b'{"errcode": 0, "errmsg": "ok"}'
        hook(world, rec.url + "?key=wecom", ["alarm.raised"], channel="wecom")
        hook(world, rec.url + "?access_token=ding", ["alarm.raised"], channel="dingtalk")
        flip(world, topic, 1)
        assert notifier(world.ctx).run_once() == 2
        for r in rec.requests:
            doc = json.loads(r.body)
            assert doc["msgtype"] == "text" and "库房报警" in doc["text"]["content"]
        [ding] = [r for r in rec.requests if "access_token" in r.query]
        ts, sign = ding.query["timestamp"][0], ding.query["sign"][0]
        mac = hmac.new(b"s3cret", f"{ts}\ns3cret".encode(), hashlib.sha256).digest()
        assert sign == base64.b64encode(mac).decode()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def test_an_email_arrives_at_the_smtp_server(world: World) -> None:
    topic = monitored(world, "N4")
    r = world.as_("p1op").put(
        "/api/v1/me/notifications", {"email": "keeper@p1.example", "email_events": ["alarm.raised"]}
    )
    assert r.status_code == 200, r.get_json()
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        flip(world, topic, 1)
        n = notifier(world.ctx, f"smtp://127.0.0.1:{port}")
        assert n.run_once() == 1 and n.failures == 0
        [raw] = inbox.messages
        msg = message_from_bytes(raw, policy=policy.default)
        assert msg["To"] == "keeper@p1.example" and msg["X-Hwtrace-Event"] == "alarm.raised"
        assert "库房报警" in str(msg.get("Subject"))
    finally:
        smtp.stop()


def test_two_senders_never_hold_one_delivery_and_a_dead_ones_lease_runs_out(
    world: World,
) -> None:
    from hwtrace.services import notifications as svc

    topic = monitored(world, "N6")
    with receiver() as rec:
        hook(world, rec.url, ["alarm.raised"])
        flip(world, topic, 1)
        [job] = [j for j in svc.due(world.ctx, limit=1000) if j.event == "alarm.raised"]
        lease = dt.timedelta(seconds=30)
        assert svc.claim(world.ctx, job.id, "a", lease)
        assert not svc.claim(world.ctx, job.id, "b", lease)  # a holds it
        assert job.id not in {j.id for j in svc.due(world.ctx, limit=1000)}
        # a died: its lease runs out and b takes the delivery over, under the same id
        after = later(world.ctx, 31)
        assert job.id in {j.id for j in svc.due(after, limit=1000)}
        assert svc.claim(after, job.id, "b", lease)
        assert not svc.claim(after, job.id, "a", lease)
        svc.delivered(after, job.id)
        assert not svc.claim(later(world.ctx, 120), job.id, "c", lease)  # delivered: done
        assert rec.requests == []


def test_every_event_arrives_though_notifiers_are_killed_again_and_again(
    world: World, database_url: str, tmp_path: Path
) -> None:
    """Three notifiers share the outbox; one after the other is SIGKILLed (mid-delivery, the
    receiver being slow) and started again. Every event arrives; no delivery is ever in two
    senders' hands at once; a delivery arrives twice only after a kill (at most one per kill:
    a sender holds one delivery at a time)."""
    topic = monitored(world, "N5")
    with receiver() as rec:
        rec.delay = 0.2
        hook(world, rec.url, ["*"])
        flip(world, topic, 25)  # 50 alarm events and 25 case openings
        expected = _queued_event_ids(world)
        env = server_env(
            database_url,
            tmp_path,
            HWTRACE_PARK_CODE=world.ctx.settings.park_code,
            HWTRACE_INSTANCE_DIR=str(tmp_path),
            HWTRACE_LOG_LEVEL="WARNING",
        )
        cmd = [sys.executable, "-m", "hwtrace.cli", "notify", "--idle-seconds", "0.2"]
        cmd += ["--lease-seconds", "15"]

        def start(quiet: bool = True) -> subprocess.Popen[bytes]:
            out = subprocess.DEVNULL if quiet else None
            return subprocess.Popen(cmd, env=env, stdout=out, stderr=out)

        procs = [start() for _ in range(3)]
        kills = 0
        try:
            while kills < 8:
                victim = procs[kills % 3]
                _until_holding(world, victim)  # between its claim and its record
                time.sleep(0.05 * (kills % 4))
                os.kill(victim.pid, signal.SIGKILL)
                victim.wait()
                procs[kills % 3] = start()
                kills += 1
            until(
                lambda: {json.loads(r.body)["id"] for r in rec.requests} >= expected,
                "every event",
                300,
            )
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(20)
    assert rec.overlaps == []
    got = [(r.headers["X-Hwtrace-Delivery"], json.loads(r.body)["id"]) for r in rec.requests]
    # duplicates are the same delivery sent again (same id): receivers drop them by that id
    by_delivery: dict[str, set[str]] = {}
    for delivery, event_id in got:
        by_delivery.setdefault(delivery, set()).add(event_id)
    assert all(len(v) == 1 for v in by_delivery.values())
    assert len(by_delivery) == len(expected)
    assert len(got) - len(by_delivery) <= kills
    print(f"notifiers: {len(got)} requests, {len(by_delivery)} deliveries, {kills} kills")
    for r in rec.requests:
        mac = hmac.new(b"s3cret", r.body, hashlib.sha256).hexdigest()
        assert r.headers["X-Hwtrace-Signature"] == f"sha256={mac}"


def _until_holding(world: World, proc: subprocess.Popen[bytes]) -> None:
    """Wait until ``proc`` holds a delivery's lease (its name has its pid) or has ended."""
    import sqlalchemy as sa

    from hwtrace.store.outbox import Delivery

    def holding() -> bool:
        with world.ctx.db.read_session() as s:
            n = s.scalar(
                sa.select(sa.func.count())
                .select_from(Delivery)
                .where(
                    Delivery.claimed_by.like(f"%:{proc.pid}:%"),
                    Delivery.status == N.DeliveryStatus.PENDING.value,
                    Delivery.lease_until.is_not(None),
                )
            )
        return bool(n)

    until(lambda: holding() or proc.poll() is not None, "a delivery in hand", 180)


def _queued_event_ids(world: World) -> set[str]:
    from hwtrace.services import notifications as svc

    jobs = svc.due(world.ctx, limit=1000)
    assert jobs, "nothing queued"
    return {j.body["id"] for j in jobs}
