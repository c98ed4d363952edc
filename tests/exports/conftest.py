"""Full journeys for the export tests: stored, booked, loaded, received (one partly rejected),
disposed of; a batch self-disposed by its producer; a batch still in storage; the same for a
second producer and receiver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from hwtrace import create_app, migrate
from hwtrace.demo import seed
from hwtrace.domain.access import Actor
from hwtrace.keys import init_keys
from hwtrace.services import auth as auth_svc
from hwtrace.store.tables import Enterprise
from tests.api.test_transport import _load, _manifest, _stored
from tests.conftest import TEST_CONFIG
from tests.factories import World
from tests.support.live_server import scratch_database


@dataclass
class Journeys:
    world: World
    p1: list[str]  # every batch of p1
    p2: list[str]
    to_r1: list[str]  # p1's batches received by r1
    to_r2: list[str]
    self_disposed: str  # disposed of by p1 itself
    in_store: str  # still in p1's storage
    n1: str  # manifest p1 -> r1
    n2: str  # manifest p2 -> r2
    usccs: dict[str, str] = field(default_factory=dict)

    def actor(self, who: str) -> Actor:
        return auth_svc.actor_for_token(self.world.ctx, self.world.tokens[who])


def _ok(r: Any) -> None:
    assert r.status_code == 200, r.get_json()


def build_journeys(world: World) -> Journeys:
    p1 = _stored(world, "p1", 5, "100")
    a, b, c, own, kept = p1
    n1 = _manifest(world, "p1", [a, b, c], "r1")
    p2 = _stored(world, "p2", 2, "40")
    n2 = _manifest(world, "p2", p2, "r2")
    _load(world, n1, [a, b, c])
    _load(world, n2, p2)
    for n in (n1, n2):
        _ok(world.as_("t").post(f"/api/v1/manifests/{n}/depart", {}))
    r1, r2 = world.as_("r1"), world.as_("r2")
    _ok(r1.post(f"/api/v1/manifests/{n1}/receive", {"code": a, "weight_kg": "100"}))
    _ok(r1.post(f"/api/v1/manifests/{n1}/receive", {"code": b, "weight_kg": "100.5"}))
    _ok(
        r1.post(
            f"/api/v1/manifests/{n1}/receive",
            {"code": c, "weight_kg": "100", "rejected_kg": "10", "reason": "混入不明液体"},
        )
    )
    _ok(r1.post(f"/api/v1/manifests/{n1}/confirm"))
    for code in p2:
        _ok(r2.post(f"/api/v1/manifests/{n2}/receive", {"code": code, "weight_kg": "40"}))
    _ok(r2.post(f"/api/v1/manifests/{n2}/confirm"))
    _ok(r1.act(a, "dispose", method="D10"))
    _ok(r1.act(b, "utilize", method="R2"))
    _ok(r2.act(p2[0], "dispose", method="D10"))
    # Self-disposal on site by the producer (自行利用处置).
    _ok(world.as_("p1op").act(own, "dispose", method="D10"))
    with world.ctx.db.read_session() as s:
        usccs = {k: s.get_one(Enterprise, v).uscc for k, v in world.ids.items()}
    return Journeys(
        world=world,
        p1=p1,
        p2=p2,
        to_r1=[a, b, c],
        to_r2=p2,
        self_disposed=own,
        in_store=kept,
        n1=n1,
        n2=n2,
        usccs=usccs,
    )


@pytest.fixture
def journeys(world: World) -> Journeys:
    return build_journeys(world)


def cli_env(app: Flask | None = None) -> dict[str, str]:
    """The environment of a `hwtrace` subprocess: the test app's database, park and key, or
    (app None) no hwtrace settings at all, so nothing can reach a database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HWTRACE_")}
    if app is not None:
        env.update(
            HWTRACE_DATABASE_URL=str(app.config["DATABASE_URL"]),
            HWTRACE_PARK_CODE=str(app.config["PARK_CODE"]),
            HWTRACE_LEDGER_KEY_FILE=str(app.config["LEDGER_KEY_FILE"]),
            HWTRACE_SECRET_KEY="test",
            HWTRACE_ARGON2_TIME_COST="1",
            HWTRACE_ARGON2_MEMORY_KIB="256",
        )
    return env


# The demo park, seeded once for the export tests that read a year of it.
@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("demo")
    with scratch_database(tmp, "hwtrace_decl") as url:
        migrate.upgrade(url)
        init_keys(tmp / "ledger.key", "hwtrace.local/test", None)
        app = create_app(
            {
                **TEST_CONFIG,
                "INSTANCE_DIR": str(tmp),
                "DATABASE_URL": url,
                "LEDGER_KEY_FILE": str(tmp / "ledger.key"),
                "SECRET_KEY": "test",
            }
        )
        seed(app.extensions["hwtrace"], batches_per_producer=10)
        yield app
        app.extensions["hwtrace"].db.dispose()
