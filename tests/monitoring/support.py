"""Helpers of the monitoring tests: the real broker, a publisher, a monitor in a thread."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hwtrace.monitor import Monitor
from hwtrace.services.context import Context

BROKER = "mqtt://127.0.0.1:1883"
T = TypeVar("T")


def until(pred: Callable[[], T], what: str, timeout: float = 30.0) -> T:
    """Poll ``pred`` until it returns something truthy (a generous bound, not a timing test)."""
    end = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


class Publisher:
    """A sensor gateway: publishes readings at QoS 1 and waits for the broker's PUBACK."""

    def __init__(self, port: int = 1883) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex[:8]}"
        )
        self.port = port
        self.client.connect("127.0.0.1", port)  # fails (and so the test) when no broker runs
        self.client.loop_start()

    def raw(self, topic: str, payload: bytes) -> None:
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=10)
        assert info.is_published(), topic

    def reading(
        self, topic: str, value: Any, unit: str = "", ts: dt.datetime | None = None
    ) -> None:
        at = (ts or dt.datetime.now(dt.UTC)).isoformat()
        self.raw(topic, json.dumps({"ts": at, "value": value, "unit": unit}).encode())

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def running_monitor(ctx: Context, url: str = BROKER) -> Iterator[Monitor]:
    """A monitor subscribed to the test park, in a thread; stopped at the end."""
    mon = Monitor(ctx, url, client_id=f"hwtrace-test-{uuid.uuid4().hex[:8]}", sweep_seconds=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=mon.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert mon.connected.wait(15), f"the monitor could not connect to {url}"
        yield mon
    finally:
        stop.set()
        thread.join(15)
