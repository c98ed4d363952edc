"""The console's loading form (the manifest page) checks what the handheld and the API check
(《危险废物转移管理办法》第十三条第三款): a scanner typing the label's QR payload into it has the
label's weight compared with the manifest line's, the refusal is shown in the form, and nothing
is written. The acceptance form offers the vehicles and qualifications the transporter
registered."""

from __future__ import annotations

import re

from tests.api.test_transport import _manifest, _request, _size, _stored
from tests.factories import DRIVER_LICENCE, VEHICLE_PLATE, World, page_client
from tests.pages.handheld import payload


def _csrf(client: object, url: str) -> str:
    client.get(url)  # type: ignore[attr-defined]
    with client.session_transaction() as sess:  # type: ignore[attr-defined]
        return str(sess["csrf"])


def test_console_loading_refuses_a_label_whose_weight_differs(world: World) -> None:
    """第十三条第三款 on the manifest page: the label printed at 25.5 kg against a line of 30 kg."""
    op = world.as_("p1op")
    b = op.register(world.profiles["p1"], "25.5")
    code = b["code"]
    assert op.act(code, "label").status_code == 200
    old = payload(world.ctx, code)
    r = op.post(
        f"/api/v1/batches/{code}/corrections",
        {"corrects_seq": b["last_seq"], "reason": "复称", "weight_kg": "30"},
    )
    assert r.status_code == 200, r.get_json()
    assert op.act(code, "store", room_id=world.rooms["p1"]).status_code == 200
    number = _manifest(world, "p1", [code])
    driver = page_client(world.app, world.usernames["t"])
    url = f"/manifests/{number}"
    csrf = _csrf(driver, url)
    size = _size(world)
    r = driver.post(f"{url}/load", data={"csrf": csrf, "code": old})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    error = re.search(r'<p class="error"[^>]*id="form-error"[^>]*>([^<]*)</p>', html)
    assert error is not None, html[-2000:]
    assert "标签重量 25.500 千克与联单上的 30.000 千克" in error.group(1)
    assert "第十三条第三款" in error.group(1)
    assert _size(world) == size
    r = driver.post(f"{url}/load", data={"csrf": csrf, "code": payload(world.ctx, code)})
    assert r.status_code == 302
    assert _size(world) == size + 1
    line = world.as_("t").get(f"/api/v1/manifests/{number}").get_json()["lines"][0]
    assert line["outcome"] == "LOADED"


def test_acceptance_offers_the_registered_vehicle_and_qualification(world: World) -> None:
    (code,) = _stored(world, "p1", 1)
    r = _request(world, "p1", [code])
    assert r.status_code == 201, r.get_json()
    dispatcher = page_client(world.app, world.usernames["tadmin"])
    html = dispatcher.get(f"/bookings/{r.get_json()['id']}").get_data(as_text=True)
    plates = re.search(r'<datalist id="plates">(.*?)</datalist>', html, re.S)
    assert plates is not None and f'value="{VEHICLE_PLATE}"' in plates.group(1)
    assert f'value="{world.user_ids["t"]}" data-licence="{DRIVER_LICENCE}"' in html
