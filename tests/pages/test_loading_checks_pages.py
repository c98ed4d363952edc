"""Loading refused on the phone (《危险废物转移管理办法》第十三条第三款: the label must match the
manifest, else the shipper does not load), and the transporter's vehicles and personnel kept
from a phone.

The driver scans the label printed before the drum's weight was corrected (25.5 kg on the
label, 30 kg on the manifest line: beyond the 1 % tolerance): the handheld page says why, in
place, and nothing is loaded; the reprinted label loads. The batch, its correction, reprint,
booking and manifest are made through the API (what the phone does is the subject here); the
phone steps are typed and tapped at 390 x 844."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.pages.conftest import Live
from tests.pages.test_handheld_handover import phone, result, snap, wedge


def _ok(status: int, body: Any, expected: int = 200) -> Any:
    assert status == expected, body
    return body


def _enterprise_id(live: Live, who: str) -> int:
    return int(_ok(*live.api(who, "/me"))["enterprise"]["id"])


def _label_qr(live: Live, page: Any, code: str, tmp: Path, name: str) -> str:
    """The QR payload of the batch's label as printed now (the PNG decoded by zbar)."""
    png = page.context.request.get(
        f"{live.url}/api/v1/batches/{code}/label?format=png&volume_l=200",
        headers={"Authorization": f"Bearer {live.token('p1op')}"},
    )
    assert png.ok, png.text()
    path = tmp / f"{name}.png"
    path.write_bytes(png.body())
    out = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True, check=False)
    qr = [s for s in out.stdout.decode().splitlines() if s.startswith("HWT1|")]
    assert len(qr) == 1, out
    return qr[0]


def _manifest_with_a_corrected_drum(live: Live, page: Any, tmp: Path) -> tuple[str, str, str]:
    """A drum labelled at 25.5 kg, re-weighed and corrected to 30 kg, booked, on a manifest the
    demo driver drives, scanned out. Return (manifest, old label, reprinted label)."""
    profiles = _ok(*live.api("p1op", "/waste-profiles"))
    rooms = _ok(*live.api("p1op", "/storage-rooms"))
    b = _ok(
        *live.api(
            "p1op",
            "/batches",
            "POST",
            {"profile_id": profiles[0]["id"], "weight_kg": "25.5", "packaging": "桶"},
        ),
        201,
    )
    code = b["code"]
    _ok(*live.api("p1op", f"/batches/{code}/events", "POST", {"action": "label"}))
    old = _label_qr(live, page, code, tmp, "old")
    _ok(
        *live.api(
            "p1op",
            f"/batches/{code}/corrections",
            "POST",
            {"corrects_seq": b["last_seq"], "reason": "复称更正", "weight_kg": "30"},
        )
    )
    _ok(
        *live.api(
            "p1op",
            f"/batches/{code}/events",
            "POST",
            {"action": "store", "room_id": rooms[0]["id"]},
        )
    )
    now = dt.datetime.now(dt.UTC)
    booking = _ok(
        *live.api(
            "p1op",
            "/bookings",
            "POST",
            {
                "codes": [code],
                "transporter_id": _enterprise_id(live, "driver"),
                "receiver_id": _enterprise_id(live, "receiver"),
                "window_start": now.isoformat(),
                "window_end": (now + dt.timedelta(hours=8)).isoformat(),
                "planned_method": "D10",
            },
        ),
        201,
    )
    me = _ok(*live.api("driver", "/me"))
    _ok(
        *live.api(
            "driver",
            f"/bookings/{booking['id']}/accept",
            "POST",
            {
                "vehicle_plate": "苏E3A621",  # the demo transporter's qualified vehicle
                "driver_user_id": me["user_id"],
                "driver_licence": "320500198801",
            },
        )
    )
    number = _ok(*live.api("p1op", f"/bookings/{booking['id']}/manifest", "POST"), 201)["number"]
    _ok(*live.api("p1op", f"/batches/{code}/events", "POST", {"action": "unstore"}))
    _ok(*live.api("p1op", f"/batches/{code}/reprint", "POST", {"reason": "重量更正后重印"}))
    new = _label_qr(live, page, code, tmp, "new")
    assert old.split("|")[3] == "25.500" and new.split("|")[3] == "30.000", (old, new)
    return number, old, new


def test_driver_sees_a_label_weight_refusal_in_place_then_loads_the_reprint(
    browser: Any, live: Live, tmp_path: Path
) -> None:
    """第十三条第三款: a label whose weight does not match its manifest line is not loaded; the
    phone says so where the driver scanned, citing the article, and nothing is loaded."""
    drv = phone(browser, live, "driver")
    number, old, new = _manifest_with_a_corrected_drum(live, drv, tmp_path)
    drv.reload()
    drv.click(f'#manifests a[data-manifest="{number}"]')
    drv.wait_for_selector("#progress")
    assert (drv.locator("#loaded").inner_text(), drv.locator("#total").inner_text()) == ("0", "1")
    wedge(drv, old)
    kind, text = result(drv)
    assert kind == "error", text
    assert "标签重量 25.500 千克与联单上的 30.000 千克" in text, text
    assert "第十三条第三款" in text and "不得装车" in text, text
    assert drv.locator("#loaded").inner_text() == "0"
    assert drv.locator("#lines li.pending").count() == 1
    box = drv.locator("#result").bounding_box()
    assert box is not None and box["width"] <= 390
    snap(drv, "driver-label-weight-refused")
    wedge(drv, new)
    kind, text = result(drv)
    assert kind == "ok", text
    assert drv.locator("#loaded").inner_text() == "1"
    snap(drv, "driver-reprint-loaded")
    drv.context.close()


def test_transporter_admin_keeps_vehicles_and_drivers_from_a_phone(
    browser: Any, live: Live
) -> None:
    """The fleet page on a phone: a malformed plate is refused in the form with what was typed
    kept; a vehicle is registered, its certificate renewed; a driver is registered."""
    adm = phone(browser, live, "driver")  # the demo transporter's administrator
    adm.click("#m-fleet")
    expect(adm.locator("#vehicle-list")).to_be_visible()
    assert adm.locator('#vehicle-list tr[data-plate="苏E3A621"]').count() == 1
    adm.fill("#vehicle-form input[name=plate]", "E77")
    adm.fill("#vehicle-form input[name=certificate_no]", "苏交运管苏字320500555555号")
    adm.fill("#vehicle-form input[name=certificate_valid_until]", "2027-06-30")
    with adm.expect_navigation():
        adm.click("#add-vehicle")
    expect(adm.locator("#vehicle-error")).to_contain_text("车牌号")
    assert adm.locator("#vehicle-form input[name=certificate_no]").input_value() == (
        "苏交运管苏字320500555555号"
    )
    snap(adm, "fleet-plate-refused")
    plate = f"苏E{dt.datetime.now(dt.UTC).strftime('%M%S')}D"
    adm.fill("#vehicle-form input[name=plate]", plate)
    with adm.expect_navigation():
        adm.click("#add-vehicle")
    row = adm.locator(f'#vehicle-list tr[data-plate="{plate}"]')
    expect(row).to_contain_text("2027-06-30")
    expect(row).to_contain_text("有效")
    with adm.expect_navigation():
        row.locator("a").click()
    adm.fill("input[name=certificate_valid_until]", "2028-06-30")
    with adm.expect_navigation():
        adm.click("#save")
    expect(adm.locator(f'#vehicle-list tr[data-plate="{plate}"]')).to_contain_text("2028-06-30")
    number = f"3205{dt.datetime.now(dt.UTC).strftime('%H%M%S%f')}"
    adm.fill("#staff-form input[name=name]", "孙师傅")
    adm.select_option("#staff-form select[name=role]", value="escort")
    adm.fill("#staff-form input[name=qualification_no]", number)
    adm.fill("#staff-form input[name=qualification_valid_until]", "2029-01-31")
    with adm.expect_navigation():
        adm.click("#add-staff")
    expect(adm.locator(f'#staff-list tr[data-staff="{number}"]')).to_contain_text("押运员")
    width = adm.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing sideways on the phone: wide tables scroll inside
    snap(adm, "fleet-on-a-phone")
    adm.context.close()
