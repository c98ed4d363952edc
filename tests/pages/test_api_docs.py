"""Swagger UI at /api/v1/docs in Chromium: it loads from this server only (no CDN, no CSP
violation), lists the API's operations, and runs one with "Try it out"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.pages.conftest import Live, shot


def test_swagger_ui_lists_and_runs_the_api(browser: Any, live: Live) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    hosts: set[str] = set()
    problems: list[str] = []
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    resp = page.goto(live.url + "/api/v1/docs")
    assert resp is not None and resp.status == 200
    assert "script-src 'self'" in resp.headers["content-security-policy"]
    page.wait_for_selector(".opblock-tag", timeout=30000)
    page.wait_for_selector(".info .title", timeout=30000)
    assert "hwtrace" in page.inner_text(".info .title")
    assert page.locator(".opblock").count() > 30  # every operation of the document
    assert page.locator(".opblock-summary-path", has_text="/batches/{code}/events").count() >= 1

    # A person opens the document's own operation and runs it.
    page.locator(".opblock-summary", has_text="/openapi.json").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=30000)
    assert status.inner_text().strip() == "200"
    body = page.locator(".live-responses-table tbody .response-col_description").first
    assert "openapi" in body.inner_text()
    shot(page, "api-docs-swagger-ui")
    opened = shot(page, "api-docs-try-it-out").with_name("api-docs-try-it-out.png")
    page.locator(".opblock.is-open").first.screenshot(path=str(opened))

    assert hosts == {urlsplit(live.url).netloc}, hosts
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    context.close()
