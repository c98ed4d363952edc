"""``hwtrace monitor``: the MQTT subscriber of room monitoring (an entry point like ``wsgi.py``).

It subscribes to ``hwtrace/<park code>/rooms/+/+`` at QoS 1 with a persistent session and
acknowledges a message only once its reading is committed (or judged bad), so a message is
not lost when the database or the subscriber fails; paho reconnects after the broker restarts
and the subscription is renewed on every connection. A sweep every few seconds raises the
alarms that time alone decides (a silent sensor: the broker being down is an alarm too).
Bad topics, bad JSON, bad payloads and unknown rooms are counted and logged, never fatal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import click
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hwtrace.domain import monitoring as M
from hwtrace.services import monitoring as monitoring_svc
from hwtrace.services.context import Context

log = logging.getLogger("hwtrace.monitor")
PRUNE_EVERY = 3600.0


class Monitor:
    """One subscriber of one park. ``stats`` counts what it received and why it ignored any."""

    def __init__(
        self, ctx: Context, url: str, *, client_id: str | None = None, sweep_seconds: float = 5.0
    ) -> None:
        self.ctx = ctx
        self.url = url
        self.sweep_seconds = sweep_seconds
        self.stats: Counter[str] = Counter()
        self.connected = threading.Event()
        self._lock = threading.Lock()  # one writer: messages and sweeps take turns
        self._client_id = client_id or f"hwtrace-monitor-{ctx.settings.park_code}"
        self.on_change: Callable[[list[str]], None] | None = None

    def _client(self) -> mqtt.Client:
        parts = urlsplit(self.url)
        if parts.scheme not in ("mqtt", "tcp", ""):
            raise click.ClickException(f"unsupported MQTT URL scheme: {parts.scheme}")
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            clean_session=False,
            manual_ack=True,
        )
        if parts.username:
            client.username_pw_set(parts.username, parts.password)
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.connect_async(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30)
        return client

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("MQTT connection refused: %s", reason)
            return
        topic = M.topic_filter(self.ctx.settings.park_code)
        client.subscribe(topic, qos=1)
        self.stats["connections"] += 1
        log.info("subscribing to %s (connection %d)", topic, self.stats["connections"])

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: Any, _p: Any) -> None:
        # Ready only once the broker has granted the subscription (SUBACK): a reading
        # published before then would not be routed to this subscriber.
        if all(not r.is_failure for r in reasons):
            self.connected.set()
        else:
            log.warning("the broker refused the subscription: %s", reasons)

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if self.handle(msg.topic, bytes(msg.payload)):
            client.ack(msg.mid, msg.qos)

    def handle(self, topic: str, payload: bytes) -> bool:
        """Apply one message; return whether it may be acknowledged (False: the database
        failed and the broker should deliver it again)."""
        self.stats["received"] += 1
        try:
            t = M.parse_topic(topic)
            reading = M.parse_payload(t.kind, payload)
            with self._lock:
                changes = monitoring_svc.ingest(self.ctx, t, reading)
        except M.BadMessage as err:
            self.stats[f"bad_{err.reason}"] += 1
            log.warning(
                "ignored MQTT message on %r: bad %s (%s); %d ignored so far",
                topic[:200],
                err.reason,
                err.detail,
                self.ignored,
            )
            return True
        except Exception:
            self.stats["errors"] += 1
            log.exception("could not store the reading on %r; left for redelivery", topic[:200])
            return False
        self.stats["stored"] += 1
        self._changed(changes)
        return True

    @property
    def ignored(self) -> int:
        """Return how many messages were ignored as bad."""
        return sum(v for k, v in self.stats.items() if k.startswith("bad_"))

    def _changed(self, changes: list[str]) -> None:
        for c in changes:
            log.warning("alarm %s %s", "raised" if c[0] == "+" else "cleared", c[1:])
        if changes and self.on_change is not None:
            self.on_change(changes)

    def tick(self) -> None:
        """One sweep: time-decided alarms (overdue cases escalate in ``hwtrace sweep``)."""
        try:
            with self._lock:
                changes = monitoring_svc.sweep(self.ctx)
        except Exception:
            self.stats["errors"] += 1
            log.exception("sweep failed")
            return
        self.stats["sweeps"] += 1
        self._changed(changes)

    def run(self, stop: threading.Event) -> None:
        """Subscribe and sweep until ``stop`` is set."""
        client = self._client()
        client.loop_start()
        last_prune = 0.0
        try:
            while not stop.is_set():
                self.tick()
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    with self._lock:
                        monitoring_svc.prune(self.ctx)
                    last_prune = time.monotonic()
                stop.wait(self.sweep_seconds)
        finally:
            client.disconnect()
            client.loop_stop()
            log.info("monitor stopped: %s", dict(self.stats))


@click.command("monitor")
@click.option(
    "--url",
    default=None,
    help="The broker, mqtt://[user:password@]host:port (default: HWTRACE_MQTT_URL).",
)
@click.option(
    "--sweep-seconds",
    default=5.0,
    show_default=True,
    help="How often time-decided alarms are checked.",
)
def monitor_command(url: str | None, sweep_seconds: float) -> None:
    """Subscribe to the park's room sensors over MQTT and raise and clear alarms."""
    import signal

    from hwtrace.app import create_app

    app = create_app()
    broker = url or app.config.get("MQTT_URL")
    if not broker:
        raise click.ClickException("HWTRACE_MQTT_URL is not set (or pass --url)")
    ctx: Context = app.extensions["hwtrace"]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo(
        f"monitoring {M.topic_filter(ctx.settings.park_code)} on {urlsplit(str(broker)).hostname}"
    )
    try:
        Monitor(ctx, str(broker), sweep_seconds=sweep_seconds).run(stop)
    finally:
        ctx.db.dispose()
