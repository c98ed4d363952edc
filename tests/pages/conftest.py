"""A real server (gunicorn) on a demo park, and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import call, demo_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("HWTRACE_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
PASSWORD = "hwtrace-demo"


@dataclass
class Live:
    url: str
    tokens: dict[str, str]
    # the server's environment (database, ledger key): for service-level fixtures
    env: dict[str, str] = field(default_factory=dict)

    def api(self, who: str, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
        return call(self.url + "/api/v1" + path, method, body, token=self.token(who))

    def token(self, who: str) -> str:
        if who not in self.tokens:
            status, body = call(
                self.url + "/api/v1/auth/login",
                "POST",
                {"username": who, "password": PASSWORD},
            )
            assert status == 200, body
            self.tokens[who] = body["token"]
        return self.tokens[who]


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("live")
    with demo_server(tmp, batches=24) as server:
        yield Live(server.url, {}, server.env)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is needed at /usr/bin/chromium (scripts/bootstrap.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    out = ARTIFACTS / "screenshots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 1000
    return out


def login(browser: Any, live: Live, who: str, **ctx: Any) -> Any:
    """Open a fresh browser context and log in through the form."""
    context = browser.new_context(**ctx)
    page = context.new_page()
    page.goto(live.url + "/login")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login" not in page.url, page.content()[:500]
    return page


__all__ = ["Live", "login", "shot", "shutil"]
