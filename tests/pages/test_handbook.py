"""The handbook in headless Chromium on the demo park: everyday words typed into the catalogue
browser find the right codes, in the console and on a phone (390x844); a code's exemptions show
their conditions; the exemption list and the rules with their sources; every warning links to
the rule it enforces; everyone logged in reads the handbook, no one else."""

from __future__ import annotations

import urllib.request
from typing import Any

from tests.pages.conftest import Live, login, shot

WIDE = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
OIL = {"900-214-08", "900-249-08"}


def _codes(page: Any) -> list[str]:
    return page.locator("#handbook-hits [data-code]").evaluate_all(
        "rs => rs.map(r => r.dataset.code)"
    )


def _search(page: Any, words: str) -> list[str]:
    box = page.locator("form#handbook-search input[name=q]")
    box.fill("")
    box.type(words)
    with page.expect_navigation():
        page.locator("form#handbook-search button[type=submit]").click()
    return _codes(page)


def _check_everyday_words(page: Any) -> None:
    oil = _search(page, "废矿物油")
    assert set(oil) >= OIL and oil[0] == "900-249-08", oil[:5]
    assert all(c.endswith("-08") for c in oil[:30]), oil[:30]  # HW08 first
    assert _search(page, "实验室废液")[0] == "900-047-49"
    carbon = _search(page, "废活性炭")
    assert carbon[0] == "900-039-49" and "900-405-06" in carbon, carbon
    assert _search(page, "900-041") == ["900-041-49"]


def test_console_handbook_finds_codes_for_everyday_words(browser: Any, live: Live) -> None:
    page = login(browser, live, "p1op", **WIDE)
    with page.expect_navigation():
        page.click("header nav a#nav-handbook")
    assert page.locator("#handbook-hits").count() == 0  # nothing asked yet
    _check_everyday_words(page)
    # 900-041-49 is named by the exemption list: its stages with their conditions
    row = page.locator("#handbook-hits tr[data-code='900-041-49']")
    row.locator("details.exemptions summary").click()
    conditions = row.locator("dd.condition").all_inner_texts()
    assert conditions and all(c.strip() for c in conditions)
    shot(page, "handbook-console-900-041")
    # by industry: choose one from the list, no words
    page.locator("form#handbook-search input[name=q]").fill("")
    page.locator("select[name=industry]").select_option("基础化学原料制造")
    with page.expect_navigation():
        page.locator("form#handbook-search button[type=submit]").click()
    chem = page.locator("#handbook-hits tbody tr[data-code]")
    assert chem.count() > 10
    assert set(chem.locator("td:nth-child(3)").all_inner_texts()) == {"基础化学原料制造"}
    # the exemption list, searched
    with page.expect_navigation():
        page.click("#handbook-nav a[href='/handbook/exemptions']")
    assert page.locator("#exemption-list section").count() == 57
    page.fill("form#exemption-search input[name=q]", "900-041-49")
    with page.expect_navigation():
        page.click("form#exemption-search button")
    items = page.locator("#exemption-list section")
    assert 0 < items.count() < 57
    assert "900-041-49" in items.first.inner_text()
    # the rules, each with its source
    with page.expect_navigation():
        page.click("#handbook-nav a[href='/handbook/rules']")
    rule = page.locator("section.rule#storage\\.one-year")
    assert "第八十一条" in rule.locator(".source").inner_text()
    assert page.locator("section.rule").count() >= 15
    shot(page, "handbook-rules")
    page.goto(live.url + "/handbook/rules?lang=en")
    assert "art. 81" in page.locator("section.rule#storage\\.one-year .source").inner_text()
    page.goto(live.url + "/handbook?q=废矿物油&lang=en")
    assert "Catalogue search" in page.locator("#handbook-nav").inner_text()
    page.goto(live.url + "/handbook?lang=zh")
    page.context.close()


def test_handheld_handbook_on_a_phone(browser: Any, live: Live) -> None:
    phone = login(browser, live, "p1op", **PHONE)
    phone.goto(live.url + "/m/")
    with phone.expect_navigation():
        phone.click("a#m-handbook")
    _check_everyday_words(phone)
    card = phone.locator("#handbook-hits li[data-code='900-041-49']")
    card.locator("details.exemptions summary").click()
    assert card.locator("dd.condition").first.is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    shot(phone, "handbook-handheld-900-041")
    with phone.expect_navigation():
        phone.click("#handbook-nav a[href='/m/handbook/rules']")
    assert phone.locator("section.rule").count() >= 15
    assert phone.locator("header.mbar").count() == 1  # the handheld's own bar
    phone.context.close()


def test_every_warning_links_to_its_rule(browser: Any, live: Live) -> None:
    page = login(browser, live, "park", **WIDE)
    page.goto(live.url + "/warnings")
    links = page.locator("#warning-table tbody tr[data-key] a.rule")
    assert links.count() > 0
    hrefs = set(links.evaluate_all("as => as.map(a => a.getAttribute('href'))"))
    assert all(h.startswith("/handbook/rules#") for h in hrefs), hrefs
    first = links.first
    target = first.get_attribute("href").split("#", 1)[1]
    with page.expect_navigation():
        first.click()
    assert page.url.endswith("#" + target)
    assert page.locator(f"section.rule[data-rule='{target}']").is_visible()
    page.context.close()
    # the API names the rule too
    status, body = live.api("park", "/warnings")
    assert status == 200 and body["items"]
    assert all(w["rule"] for w in body["items"])


def test_who_reads_the_handbook(browser: Any, live: Live) -> None:
    pages = ("/handbook", "/handbook/exemptions", "/handbook/rules", "/m/handbook",
             "/m/handbook/rules", "/m/handbook/exemptions")  # fmt: skip
    for who in ("park", "auditor", "driver", "receiver", "p2admin"):
        page = login(browser, live, who, **WIDE)
        for path in pages:
            assert page.request.get(live.url + path + "?q=900-041").status == 200, (who, path)
        page.context.close()
    for path in pages:
        with urllib.request.urlopen(live.url + path) as resp:
            assert "/login" in resp.geturl(), path
