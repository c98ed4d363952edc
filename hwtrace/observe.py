"""What operators see of a running server: JSON logs carrying a request id, the readiness check,
and Prometheus metrics that add up across gunicorn's worker processes.

Request id: a well-formed incoming ``X-Request-Id`` (8 to 64 characters of letters, digits and
``._:-``; a proxy's id) is kept, anything else is replaced by a new one; it is in every log line
of the request, in every error body and in the response's ``X-Request-Id``.

Metrics (``GET /metrics``): ``hwtrace_http_requests_total`` and
``hwtrace_http_request_duration_seconds`` (per method, route and status), the ledger's size and
its unsigned tail, and every gauge registered with :func:`scrape_gauge` (queue depths, sync lag,
open alarms: other parts add theirs). Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` (set by
``hwtrace/gunicorn.conf.py``) makes every worker write its counters to files that the scrape
adds up, so the numbers do not depend on which worker answers. Access: with
``HWTRACE_METRICS_TOKEN`` set, ``Authorization: Bearer <token>``; without it, only a request
from the loopback address that came through no proxy.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import json
import logging
import os
import re
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, has_request_context, request

from hwtrace.services import health
from hwtrace.services.context import Context

log = logging.getLogger("hwtrace.request")

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


# -- logs ----------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, process, and
    the fields a record carries in ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        rid = getattr(record, "request_id", None)
        if rid:
            out["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(level: str, fmt: str) -> None:
    """Log to stderr as JSON lines (``fmt="json"``) or plain text, once per process."""
    root = logging.getLogger()
    root.setLevel(level)
    if any(getattr(h, "hwtrace", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.hwtrace = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root.addHandler(handler)


# -- request ids and the access log ----------------------------------------------------------


def _begin() -> None:
    sent = request.headers.get("X-Request-Id", "")
    g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _end(resp: Response) -> Response:
    resp.headers["X-Request-Id"] = g.get("request_id") or ""
    started = g.get("request_started")
    if started is None:
        return resp
    seconds = time.perf_counter() - started
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    _observe(request.method, route, resp.status_code, seconds)
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        resp.status_code,
        extra={
            "fields": {
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": resp.status_code,
                "ms": round(seconds * 1000, 1),
                "remote": request.remote_addr,
            }
        },
    )
    return resp


# -- metrics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScrapeGauge:
    """A gauge computed when Prometheus scrapes: ``fn(ctx)`` returns a number, or a mapping
    from label values to numbers."""

    name: str
    doc: str
    labels: tuple[str, ...]
    fn: Callable[[Context], float | dict[tuple[str, ...], float]]


SCRAPE_GAUGES: dict[str, ScrapeGauge] = {}


def scrape_gauge(
    name: str, doc: str, labels: tuple[str, ...] = ()
) -> Callable[[Callable[[Context], Any]], Callable[[Context], Any]]:
    """Register a gauge computed at scrape time (a queue's depth, a sync lag, open alarms)."""

    def register(fn: Callable[[Context], Any]) -> Callable[[Context], Any]:
        SCRAPE_GAUGES[name] = ScrapeGauge(name, doc, labels, fn)
        return fn

    return register


@scrape_gauge("hwtrace_ledger_entries", "entries in the park's ledger")
def _ledger_entries(ctx: Context) -> float:
    return float(health.ledger_state(ctx).size)


@scrape_gauge(
    "hwtrace_ledger_unsigned_entries",
    "entries appended after the newest signed checkpoint (the unsigned tail)",
)
def _ledger_unsigned(ctx: Context) -> float:
    state = health.ledger_state(ctx)
    return float(state.size - state.signed_size)


@scrape_gauge("hwtrace_warnings", "current warnings (alarms) of the park, by kind", ("kind",))
def _warnings(ctx: Context) -> dict[tuple[str, ...], float]:
    from hwtrace.domain.errors import NotFound
    from hwtrace.services import exports, warnings

    try:
        park = exports.park_actor(ctx)
    except NotFound:  # no park in this database yet
        return {}
    _, counts = warnings.compute(ctx, actor=park)
    return {(kind,): float(n) for kind, n in counts.items()}


@scrape_gauge("hwtrace_room_alarms", "storage rooms' open alarms (monitoring), by kind", ("kind",))
def _room_alarms(ctx: Context) -> dict[tuple[str, ...], float]:
    return {(kind,): float(n) for kind, n in health.open_room_alarms(ctx).items()}


@scrape_gauge(
    "hwtrace_outbox_deliveries",
    "notifications and webhook deliveries not delivered, by status (pending, failed)",
    ("status",),
)
def _outbox(ctx: Context) -> dict[tuple[str, ...], float]:
    return {(status,): float(n) for status, n in health.outbox_depth(ctx).items()}


_HTTP: dict[str, Any] = {}
_HTTP_LOCK = threading.Lock()


def _http_metrics() -> dict[str, Any]:
    """The request counter and latency histogram (made on first use, after the process knows
    whether it runs in multiprocess mode). Made once under a lock: a threaded worker answers
    its first requests at the same time, and a second registration of the same metric fails."""
    if "latency" in _HTTP:
        return _HTTP
    with _HTTP_LOCK:
        if "latency" in _HTTP:
            return _HTTP
        from prometheus_client import Counter, Histogram

        _HTTP["requests"] = Counter(
            "hwtrace_http_requests", "HTTP requests answered", ["method", "route", "status"]
        )
        _HTTP["latency"] = Histogram(
            "hwtrace_http_request_duration_seconds",
            "time to answer an HTTP request",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
    return _HTTP


def _observe(method: str, route: str, status: int, seconds: float) -> None:
    m = _http_metrics()
    m["requests"].labels(method, route, str(status)).inc()
    m["latency"].labels(method, route).observe(seconds)


class _ScrapeCollector:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        for gauge in SCRAPE_GAUGES.values():
            family = GaugeMetricFamily(gauge.name, gauge.doc, labels=list(gauge.labels))
            try:
                value = gauge.fn(self.ctx)
            except Exception:  # one failing gauge must not hide the others
                logging.getLogger("hwtrace").exception("metric %s failed", gauge.name)
                continue
            if isinstance(value, dict):
                for labels, v in value.items():
                    family.add_metric(list(labels), v)
            else:
                family.add_metric([], value)
            yield family


def _metrics_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False  # came through a proxy: the peer address says nothing about the client
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics() -> Response:
    """The Prometheus text exposition of this server (all workers)."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess
    from prometheus_client import registry as default

    if not _metrics_allowed():
        from werkzeug.exceptions import Forbidden

        raise Forbidden()
    _http_metrics()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
    else:
        reg = default.REGISTRY
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_ScrapeCollector(current_app.extensions["hwtrace"]))
    return Response(
        generate_latest(reg) + generate_latest(scrape),
        mimetype="text/plain; version=0.0.4; charset=utf-8",
    )


# -- readiness -------------------------------------------------------------------------------


def mqtt_reachable(url: str, timeout: float = 3.0) -> None:
    """Open an MQTT 3.1.1 session with the broker at ``url`` (``mqtt://host:port``) and close it;
    raise OSError when the broker does not accept it."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 1883
    client_id = f"hwtrace-readyz-{os.getpid()}".encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x0a" + len(client_id).to_bytes(2, "big") + client_id
    if parts.username:
        user = parts.username.encode()
        password = (parts.password or "").encode()
        flags = 0x02 | 0x80 | (0x40 if parts.password is not None else 0)
        body = body[:7] + bytes([flags]) + body[8:] + len(user).to_bytes(2, "big") + user
        if parts.password is not None:
            body += len(password).to_bytes(2, "big") + password
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(bytes([0x10, len(body)]) + body)
        ack = sock.recv(4)
        if len(ack) < 4 or ack[0] != 0x20:
            raise OSError("no CONNACK from the MQTT broker")
        if ack[3] != 0:
            raise OSError(f"the MQTT broker refused the connection (return code {ack[3]})")
        sock.sendall(b"\xe0\x00")  # DISCONNECT


def readyz() -> tuple[dict[str, Any], int]:
    """200 when the database answers, its schema is at the code's head and the MQTT broker (when
    one is configured) accepts a session; else 503 naming what is not ready."""
    ctx: Context = current_app.extensions["hwtrace"]
    checks: dict[str, Any] = {}
    try:
        have, want = health.schema_revisions(ctx)
        checks["database"] = {"ok": True}
        checks["migrations"] = {"ok": have == want, "current": have, "head": want}
    except Exception as err:
        checks["database"] = {"ok": False, "error": type(err).__name__}
        checks["migrations"] = {"ok": False}
    broker = current_app.config.get("MQTT_URL")
    if broker:
        try:
            mqtt_reachable(str(broker))
            checks["mqtt"] = {"ok": True}
        except OSError as err:
            checks["mqtt"] = {"ok": False, "error": str(err) or type(err).__name__}
    ready = all(c["ok"] for c in checks.values())
    return {"ready": ready, "checks": checks}, 200 if ready else 503


def init_app(app: Flask) -> None:
    """Request ids, the access log, ``/readyz`` and ``/metrics``."""
    app.before_request(_begin)
    app.after_request(_end)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics)
