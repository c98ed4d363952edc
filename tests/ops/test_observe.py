"""Request ids, JSON logs, /readyz, /metrics access, and errors as RFC 9457 problems."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hwtrace import create_app
from hwtrace.observe import JsonFormatter, RequestIdFilter
from tests.conftest import TEST_CONFIG
from tests.factories import World

MOSQUITTO = "mqtt://127.0.0.1:1883"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The access log as JSON lines, as the server's stderr carries them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("hwtrace.request")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_request_id_is_made_returned_and_logged(app: Flask, json_log: io.StringIO) -> None:
    c = app.test_client()
    r = c.get("/healthz")
    rid = r.headers["X-Request-Id"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    (line,) = [x for x in _lines(json_log) if x.get("path") == "/healthz"]
    assert line["request_id"] == rid and line["status"] == 200 and line["route"] == "/healthz"
    assert line["level"] == "INFO" and line["ts"].endswith("+00:00") and line["ms"] >= 0

    kept = c.get("/healthz", headers={"X-Request-Id": "proxy-7f3a.91:x"})
    assert kept.headers["X-Request-Id"] == "proxy-7f3a.91:x"
    for bad in ("short", "x" * 65, "two words here", "id\u00e9-abcdefgh", "<script>alert</script>"):
        r = c.get("/healthz", headers={"X-Request-Id": bad})
        assert r.headers["X-Request-Id"] != bad and len(r.headers["X-Request-Id"]) == 32


def test_errors_are_rfc9457_problems_with_the_stable_code(world: World) -> None:
    r = world.as_("p1op").get("/api/v1/batches/NOPE", headers={"X-Request-Id": "req-12345678"})
    assert r.status_code in (400, 404)
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["type"] == "urn:hwtrace:problem:" + body["code"]
    assert body["title"] in ("Bad Request", "Not Found") and body["status"] == r.status_code
    assert body["message"] in body["detail"] and body["message_en"] in body["detail"]
    assert body["instance"] == "urn:hwtrace:request:req-12345678"
    assert body["request_id"] == "req-12345678"
    unauth = world.app.test_client().get("/api/v1/batches")
    assert unauth.status_code == 401 and unauth.get_json()["code"] == "auth.required"
    assert unauth.mimetype == "application/problem+json"


def _app(tmp_path: Path, database_url: str, **config: Any) -> Flask:
    return create_app(
        {
            **TEST_CONFIG,
            "INSTANCE_DIR": str(tmp_path),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "LEDGER_KEY_FILE": str(tmp_path / "absent.key"),
            **config,
        }
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_readyz_checks_database_migrations_and_broker(
    app: Flask, tmp_path: Path, database_url: str
) -> None:
    r = app.test_client().get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["checks"]["migrations"]["ok"] is True
    assert "mqtt" not in r.get_json()["checks"]

    with_broker = _app(tmp_path, database_url, MQTT_URL=MOSQUITTO)
    r = with_broker.test_client().get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["checks"]["mqtt"] == {"ok": True}

    no_broker = _app(tmp_path, database_url, MQTT_URL=f"mqtt://127.0.0.1:{_closed_port()}")
    r = no_broker.test_client().get("/readyz")
    assert r.status_code == 503 and r.get_json()["checks"]["mqtt"]["ok"] is False
    assert r.get_json()["checks"]["database"]["ok"] is True

    empty = _app(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite'}", CHECK_SCHEMA=False)
    r = empty.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["checks"]["migrations"] == {
        "ok": False,
        "current": None,
        "head": r.get_json()["checks"]["migrations"]["head"],
    }

    gone = _app(
        tmp_path,
        f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/none",
        CHECK_SCHEMA=False,
    )
    r = gone.test_client().get("/readyz")
    assert r.status_code == 503 and r.get_json()["checks"]["database"]["ok"] is False
    for a in (with_broker, no_broker, empty, gone):
        a.extensions["hwtrace"].db.dispose()


def test_metrics_are_loopback_only_or_need_the_token(
    app: Flask, tmp_path: Path, database_url: str
) -> None:
    c = app.test_client()
    c.get("/healthz")
    r = c.get("/metrics")
    assert r.status_code == 200
    assert b"hwtrace_http_requests_total" in r.data and b"hwtrace_ledger_entries" in r.data
    assert b"# HELP hwtrace_warnings " in r.data
    # the notifications queue and the rooms' alarms
    assert b"# HELP hwtrace_outbox_deliveries " in r.data
    assert b"# HELP hwtrace_room_alarms " in r.data
    assert c.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    assert c.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403

    guarded = _app(tmp_path, database_url, METRICS_TOKEN="s3cret-scrape")
    g = guarded.test_client()
    assert g.get("/metrics").status_code == 403
    assert g.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = g.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-scrape", "X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert ok.status_code == 200
    guarded.extensions["hwtrace"].db.dispose()


def test_metrics_count_the_deliveries_waiting(world: World, app: Flask) -> None:
    import datetime as dt
    import uuid

    from hwtrace.domain.notifications import DeliveryStatus
    from hwtrace.store.outbox import Delivery
    from hwtrace.store.tables import Enterprise

    ctx = app.extensions["hwtrace"]
    now = dt.datetime.now(dt.UTC)
    before = _outbox_gauge(app)  # the database may hold other tests' deliveries
    with ctx.db.write_session() as s:
        park_id = s.get(Enterprise, world.ids["p1"]).park_id
        for status in (DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            s.add(
                Delivery(
                    delivery_id=str(uuid.uuid4()),
                    park_id=park_id,
                    enterprise_id=world.ids["p1"],
                    channel="webhook",
                    event="case.open",
                    body={},
                    status=status,
                    next_at=now,
                )
            )
        s.commit()
    after = _outbox_gauge(app)
    assert after["pending"] - before["pending"] == 2, (before, after)
    assert after["failed"] - before["failed"] == 1, (before, after)


def _outbox_gauge(app: Flask) -> dict[str, float]:
    text = app.test_client().get("/metrics").get_data(as_text=True)
    found = re.findall(r'^hwtrace_outbox_deliveries\{status="(\w+)"\} ([0-9.]+)$', text, re.M)
    return {status: float(n) for status, n in found}
