"""Park notices in headless Chromium on the demo park: the park administrator publishes a notice
with an attachment (a refused file is shown next to the form); a producer finds it in its to-do
list, reads it, downloads the attachment as published and acknowledges it; a driver does the same
on a phone (390x844) from the handheld home; the park sees who has acknowledged; who may see,
publish and acknowledge what."""

from __future__ import annotations

import hashlib
import urllib.request
from typing import Any

from tests.factories import CONTRACT_PDF
from tests.pages.conftest import Live, login, shot

WIDE = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TITLE = "关于开展危险废物贮存设施专项检查的通知"


def _publish(page: Any, title: str, body: str, audience: str, files: list[dict[str, Any]]) -> None:
    form = page.locator("form#publish")
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=audience]").select_option(audience)
    form.locator("textarea[name=body]").fill(body)
    form.locator("input[name=files]").set_input_files(files)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_publish_see_in_todo_acknowledge_and_who_has(browser: Any, live: Live) -> None:
    pdf = {"name": "检查表.pdf", "mimeType": "application/pdf", "buffer": CONTRACT_PDF}
    park = login(browser, live, "park", **WIDE)
    with park.expect_navigation():
        park.click("header nav a#nav-notices")
    # an executable is refused, and the form keeps what was typed
    exe = {"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90\x00"}
    _publish(park, TITLE, "请各单位于本月底前完成自查。", "", [exe])
    err = park.locator("#publish-error")
    assert err.get_attribute("data-code") == "notice.attachment_type"
    assert park.locator("form#publish input[name=title]").input_value() == TITLE
    _publish(park, TITLE, "请各单位于本月底前完成自查。\n自查表见附件。", "", [pdf])
    assert park.locator("#notice-title").count() == 1, park.content()[-3000:]
    assert park.locator("#notice-title").inner_text() == TITLE
    notice_id = int(park.url.rstrip("/").rsplit("/", 1)[1])
    readers = park.locator("#readers tbody tr")
    assert readers.count() >= 10  # every enterprise of the demo park but the park itself
    assert park.locator("#readers tr[data-acked=yes]").count() == 0
    park.context.close()

    # the producer: the to-do on its home page, the notice, the attachment, acknowledge
    page = login(browser, live, "p1admin", **WIDE)
    todo = page.locator(f"#todo li[data-notice='{notice_id}']")
    assert TITLE in todo.inner_text()
    shot(page, "notices-todo-console")
    with page.expect_navigation():
        todo.locator("a").click()
    assert "完成自查。\n自查表见附件" in page.locator("#notice-body").inner_text()
    href = page.locator("#attachments a").get_attribute("href")
    got = page.request.get(live.url + href)
    assert got.status == 200 and got.body() == CONTRACT_PDF
    with page.expect_navigation():
        page.click("form#ack button")
    assert "p1admin" in page.locator("#ack-state").inner_text()
    page.click("header nav a[href^='/enterprises/']")
    page.wait_for_load_state()
    assert page.locator(f"#todo li[data-notice='{notice_id}']").count() == 0
    page.goto(live.url + "/notices?lang=en")
    row = page.locator(f"#notice-table tr[data-notice='{notice_id}']")
    assert row.get_attribute("data-acked") == "yes"
    assert "confirmed" in row.inner_text()
    page.goto(live.url + "/notices?lang=zh")
    page.context.close()

    # the driver on a phone: the handheld home lists it; tap, read, acknowledge
    phone = login(browser, live, "driver", **PHONE)
    phone.goto(live.url + "/m/")
    item = phone.locator(f"#todo-notices a[data-notice='{notice_id}']")
    assert TITLE in item.inner_text()
    shot(phone, "notices-todo-handheld")
    with phone.expect_navigation():
        item.click()
    assert phone.locator("#attachments a").count() == 1
    with phone.expect_navigation():
        phone.click("form#ack button")
    assert phone.url.endswith("/m/")
    assert phone.locator(f"#todo-notices a[data-notice='{notice_id}']").count() == 0
    phone.goto(live.url + "/m/notices")
    assert (
        phone.locator(f"#notices a[data-notice='{notice_id}']").get_attribute("data-acked") == "yes"
    )
    shot(phone, "notices-list-handheld")
    phone.context.close()

    # the park sees both acknowledgements, by whom
    park = login(browser, live, "park", **WIDE)
    park.goto(f"{live.url}/notices/{notice_id}")
    acked = park.locator("#readers tr[data-acked=yes]")
    assert acked.count() == 2
    assert {"p1admin", "driver"} == set(
        acked.evaluate_all("rs => rs.map(r => r.cells[1].innerText.trim())")
    )
    shot(park, "notices-park-readers")
    park.context.close()

    # the ledger holds the publication (with the attachment's hash) and both acknowledgements
    status, rows = live.api("park", f"/ledger/entries?subject=notice-{notice_id}")
    assert status == 200, rows
    types = [r["type"] for r in rows]
    assert types == ["notice.publish", "notice.acknowledge", "notice.acknowledge"], types
    sha = hashlib.sha256(CONTRACT_PDF).hexdigest()
    assert rows[0]["payload"]["attachments"][0]["sha256"] == sha


def test_who_sees_publishes_and_acknowledges_notices(browser: Any, live: Live) -> None:
    park = login(browser, live, "park", **WIDE)
    park.goto(live.url + "/notices")
    note = {"name": "名单.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64}
    _publish(park, "接收单位年度许可证核查", "请接收单位上传许可证。", "receiver", [note])
    nid = int(park.url.rstrip("/").rsplit("/", 1)[1])
    att = park.locator("#attachments a").get_attribute("href")
    token = park.locator("form input[name=csrf]").first.input_value()
    # the park itself acknowledges nothing
    r = park.request.post(f"{live.url}/notices/{nid}/ack", form={"csrf": token})
    assert r.status == 404
    park.context.close()

    # the auditor sees everything and publishes nothing
    aud = login(browser, live, "auditor", **WIDE)
    aud.goto(live.url + "/notices")
    assert aud.locator(f"#notice-table tr[data-notice='{nid}']").count() == 1
    assert aud.locator("form#publish").count() == 0
    aud.context.close()

    # a producer: the receivers' notice does not exist for it, nor its attachment
    p2 = login(browser, live, "p2admin", **WIDE)
    p2.goto(live.url + "/notices")
    assert p2.locator(f"#notice-table tr[data-notice='{nid}']").count() == 0
    assert p2.locator("form#publish").count() == 0
    assert p2.request.get(f"{live.url}/notices/{nid}").status == 404
    assert p2.request.get(live.url + att).status == 404
    assert p2.request.get(f"{live.url}/m/notices/{nid}").status == 404
    token = p2.locator("header form input[name=csrf]").input_value()
    r = p2.request.post(f"{live.url}/notices/{nid}/ack", form={"csrf": token})
    assert r.status == 404
    r = p2.request.post(f"{live.url}/notices", multipart={"csrf": token, "title": "x", "body": "y"})
    assert r.status == 403
    p2.context.close()

    # the receiver sees it and may download the attachment
    rc = login(browser, live, "receiver", **WIDE)
    rc.goto(live.url + "/declarations")  # not a producer: no declarations, but its to-do
    assert rc.locator(f"#todo li[data-notice='{nid}']").count() == 1
    assert rc.request.get(live.url + att).status == 200
    rc.context.close()

    # without a login: to the login form
    for path in ("/notices", f"/notices/{nid}", att, "/m/notices", f"/m/notices/{nid}"):
        with urllib.request.urlopen(live.url + path) as resp:
            assert "/login" in resp.geturl(), path
