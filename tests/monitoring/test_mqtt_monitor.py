"""Room monitoring over the real Mosquitto broker (127.0.0.1:1883; the test fails without it):
readings published by a gateway raise an alarm, which opens a case and clears when the
reading is back within limits; bad messages are counted and ignored; the subscriber comes
back after its broker restarts."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import World, page_client
from tests.monitoring.support import Publisher, running_monitor, until

RULES: dict[str, Any] = {
    "thresholds": {"temperature": {"max": 30, "minutes": 0}},
    "silent_minutes": 60,
    "working_hours": {"start": "00:00", "end": "23:59", "days": [1, 2, 3, 4, 5, 6, 7]},
    "cards": ["CARD-1"],
}


def configure(world: World, code: str = "R1") -> str:
    r = world.as_("p1admin").put(
        f"/api/v1/storage-rooms/{world.rooms['p1']}/monitoring", {"code": code, "rules": RULES}
    )
    assert r.status_code == 200, r.get_json()
    return f"hwtrace/{world.ctx.settings.park_code}/rooms/{code}"


def alarms(world: World) -> list[dict[str, Any]]:
    r = world.as_("p1admin").get(f"/api/v1/storage-rooms/{world.rooms['p1']}/alarms")
    assert r.status_code == 200, r.get_json()
    return list(r.get_json())


def test_a_reading_over_the_limit_raises_an_alarm_opens_a_case_and_clears(world: World) -> None:
    base = configure(world)
    gw = Publisher()
    try:
        with running_monitor(world.ctx) as mon:
            gw.reading(f"{base}/temperature", 21.5, "°C")
            until(lambda: mon.stats["stored"] >= 1, "the first reading stored")
            assert alarms(world) == []
            gw.reading(f"{base}/temperature", 35.2, "°C")
            [alarm] = until(lambda: alarms(world), "an alarm")
            assert alarm["key"] == "temperature:above_max" and alarm["level"] == "red"
            case = world.as_("p1admin").get(f"/api/v1/cases/{alarm['case_id']}").get_json()
            assert case["status"] == "assigned" and case["source"] == "alarm"
            assert case["assignee_id"] == world.ids["p1"]
            # the park map marks the room
            map_page = (
                page_client(world.app, world.usernames["park"]).get("/map").get_data(as_text=True)
            )
            assert "room-alarm" in map_page and "库房报警" in map_page
            gw.reading(f"{base}/temperature", 22.0, "°C")
            until(lambda: alarms(world) == [], "the alarm cleared")
            entries = _entry_types(world, alarm["raised_seq"])
            assert {"room.alarm", "case.open", "case.assign", "room.alarm_clear"} <= entries
            # the case notes its condition ended and waits for its handling and the park
            case = world.as_("p1admin").get(f"/api/v1/cases/{alarm['case_id']}").get_json()
            assert case["cleared_at"] is not None and case["status"] == "assigned"
            # the room page shows the readings as charts
            page = (
                page_client(world.app, world.usernames["p1admin"])
                .get(f"/rooms/{world.rooms['p1']}")
                .get_data(as_text=True)
            )
            assert 'data-kind="temperature"' in page and "超上限" in page
            # a card not on the list, a power cut and a door: each raises, each clears
            gw.reading(f"{base}/access", "CARD-666")
            gw.reading(f"{base}/power", "off")
            keys = until(
                lambda: (
                    {a["key"] for a in alarms(world)}
                    >= {"access:unauthorized_card", "power:power_off"}
                    and {a["key"] for a in alarms(world)}
                ),
                "card and power alarms",
            )
            assert keys == {"access:unauthorized_card", "power:power_off"}
            gw.reading(f"{base}/access", "CARD-1")
            gw.reading(f"{base}/power", "on")
            until(lambda: alarms(world) == [], "card and power alarms cleared")
            assert mon.stats["errors"] == 0
    finally:
        gw.close()


def _entry_types(world: World, start: int) -> set[str]:
    r = world.as_("park").get(f"/api/v1/ledger/entries?start={start}&limit=100")
    assert r.status_code == 200, r.get_json()
    return {e["type"] for e in r.get_json()}


def test_bad_messages_are_counted_and_ignored(world: World) -> None:
    base = configure(world, "R2")
    park = world.ctx.settings.park_code
    gw = Publisher()
    try:
        with running_monitor(world.ctx) as mon:
            gw.raw(f"{base}/temperature", b"{not json")
            gw.raw(f"{base}/temperature", b'{"ts": "2026-11-30T10:00:00+08:00", "value": "hot"}')
            gw.raw(f"hwtrace/{park}/rooms/R2/smoke", b'{"ts": "2026-11-30T10:00:00Z", "value": 1}')
            gw.reading(f"hwtrace/{park}/rooms/NO-SUCH-ROOM/temperature", 20)
            gw.reading(f"{base}/temperature", 20)  # delivered after the bad ones (one session)
            until(lambda: mon.stats["stored"] >= 1, "the good reading stored")
            assert mon.stats["bad_json"] == 1
            assert mon.stats["bad_payload"] == 1
            assert mon.stats["bad_topic"] == 1
            assert mon.stats["bad_room"] == 1
            assert mon.ignored == 4 and mon.stats["errors"] == 0
    finally:
        gw.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[tuple[int, Any]]:
    """A Mosquitto of this test's own (the shared one is never restarted), and a restart."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.fail("mosquitto missing: apt-get install mosquitto")
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        procs.append(subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL))
        until(lambda: _accepts(port), "the broker listening")

    def restart() -> None:
        procs[-1].terminate()
        procs[-1].wait(10)
        start()

    start()
    yield port, restart
    for p in procs:
        if p.poll() is None:
            p.terminate()
            p.wait(10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        time.sleep(0.05)
        return False


def test_the_monitor_reconnects_after_the_broker_restarts(world: World, own_broker: Any) -> None:
    port, restart = own_broker
    base = configure(world, "R3")
    with running_monitor(world.ctx, f"mqtt://127.0.0.1:{port}") as mon:
        gw = Publisher(port)
        gw.reading(f"{base}/power", "off")
        until(lambda: alarms(world), "the power alarm")
        gw.close()
        restart()
        until(lambda: mon.stats["connections"] >= 2 and mon.connected.is_set(), "reconnected")
        gw = Publisher(port)
        try:
            gw.reading(f"{base}/power", "on")
            until(lambda: alarms(world) == [], "the power alarm cleared after the restart")
            gw.reading(f"{base}/door", "open")  # all day is working time here: no alarm
            gw.reading(f"{base}/access", "CARD-X")
            [a] = until(lambda: alarms(world), "the card alarm after the restart")
            assert a["key"] == "access:unauthorized_card"
        finally:
            gw.close()
