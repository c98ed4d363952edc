"""Who may open each handheld page (/m/): nobody without a login (sent to the login form), only
the enterprise kind whose step it is (403 for the others, park roles included), a manifest only
to its parties (404 otherwise), and no form without its CSRF token."""

from __future__ import annotations

import pytest

from tests.factories import World
from tests.pages.handheld import Phone

PRODUCER = ["/m/register", "/m/scan/store", "/m/scan/unstore", "/m/reprint"]
RECEIVER = ["/m/scan/dispose"]
ALL_USERS = ["p1op", "p1admin", "t", "tadmin", "r1", "park", "auditor"]


def _manifest(world: World) -> str:
    code = world.as_("p1op").register(world.profiles["p1"], "20")["code"]
    world.walk(code, "AWAITING_PICKUP")
    return world.manifests[code]


@pytest.mark.parametrize(
    "url", ["/m/", *PRODUCER, *RECEIVER, "/m/manifest/X/load", "/m/manifest/X/receive"]
)
def test_anonymous_is_sent_to_the_login(world: World, url: str) -> None:
    r = Phone(world, None).get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    if url != "/m/":
        r = Phone(world, None).post(url, code="x")
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_home_is_every_users_and_shows_only_its_steps(world: World) -> None:
    flows = {
        "p1op": ["register", "store", "unstore", "reprint"],
        "p1admin": ["register", "store", "unstore", "reprint"],
        "t": [],
        "r1": ["dispose"],
        "park": [],
        "auditor": [],
    }
    for who, want in flows.items():
        r = Phone(world, who).get("/m/")
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert [
            f
            for f in ("register", "store", "unstore", "reprint", "dispose")
            if f'data-flow="{f}"' in html
        ] == want, who
        assert 'class="top"' not in html  # no desktop navigation


@pytest.mark.parametrize("url", PRODUCER)
def test_producer_pages_refuse_other_kinds(world: World, url: str) -> None:
    for who in ("p1op", "p1admin"):
        assert Phone(world, who).get(url).status_code == 200
    for who in ("t", "r1", "park", "auditor"):
        r = Phone(world, who).get(url)
        assert r.status_code == 403, (who, url)
        assert Phone(world, who).post(url, code="x", reason="x").status_code == 403


def test_dispose_is_the_receivers(world: World) -> None:
    assert Phone(world, "r1").get("/m/scan/dispose").status_code == 200
    for who in ("p1op", "t", "park", "auditor"):
        assert Phone(world, who).get("/m/scan/dispose").status_code == 403, who
        assert Phone(world, who).post("/m/scan/dispose", code="x").status_code == 403


def test_manifest_pages_are_their_parties(world: World) -> None:
    number = _manifest(world)
    load, receive = f"/m/manifest/{number}/load", f"/m/manifest/{number}/receive"
    depart, confirm = f"/m/manifest/{number}/depart", f"/m/manifest/{number}/confirm"
    assert Phone(world, "t").get(load).status_code == 200
    assert Phone(world, "r1").get(receive).status_code == 200
    for who in ("p1op", "r1", "park", "auditor"):
        assert Phone(world, who).get(load).status_code == 403, who
        assert Phone(world, who).post(load, code="x").status_code == 403, who
        assert Phone(world, who).post(depart).status_code == 403, who
    for who in ("p1op", "t", "park", "auditor"):
        assert Phone(world, who).get(receive).status_code == 403, who
        assert Phone(world, who).post(receive, code="x").status_code == 403, who
        assert Phone(world, who).post(confirm).status_code == 403, who
    # a receiver that is not the manifest's, and a manifest that does not exist: not found
    assert Phone(world, "r2").get(receive).status_code == 404
    assert Phone(world, "r2").post(confirm).status_code == 404
    assert Phone(world, "t").get("/m/manifest/NOPE-1/load").status_code == 404
    assert Phone(world, "t").post("/m/manifest/NOPE-1/depart").status_code == 404


def test_forms_need_their_csrf_token(world: World) -> None:
    phone = Phone(world, "p1op")
    for url in ("/m/register", "/m/scan/store", "/m/reprint"):
        r = phone.client.post(url, data={"code": "x"})
        assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
