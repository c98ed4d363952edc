"""The national catalogue in use: batches registered under codes of several categories go from
registration to disposal; rooms take only categories the catalogue has; a new edition imported
beside the shipped one is used for new batches while batches registered before keep the code,
wording and edition they were registered under (in their row, their JSON and their ledger
entry), and the import is itself an entry in the ledger."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from hwtrace.domain import catalogue as C
from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.services import audit, auth, directory
from hwtrace.services import catalogue as catalogue_svc
from tests.factories import PASSWORD, World, random_uscc

# One code from each of several categories, as different as the catalogue gets: a solvent, a
# mineral oil, a plating sludge, mercury, an acid, a reactive "other" waste, a catalyst.
SAMPLE = {
    "HW06": ("900-401-06", "液态"),
    "HW08": ("900-249-08", "液态"),
    "HW17": ("336-064-17", "半固态"),
    "HW29": ("900-023-29", "固态"),
    "HW34": ("900-300-34", "液态"),
    "HW49": ("900-047-49", "液态"),
    "HW50": ("261-151-50", "固态"),
}


def _receiver(world: World, codes: list[str]) -> tuple[int, str]:
    """A receiver whose operating permit lists ``codes``; return its id and a caller name."""
    ent = directory.create_enterprise(
        world.ctx,
        actor=None,
        new=directory.NewEnterprise(
            uscc=random_uscc(),
            name=f"综合处置 {uuid.uuid4().hex[:6]}",
            kind="receiver",
            permits={
                "operating": {
                    "number": "JS3205000099",
                    "codes": codes,
                    "annual_capacity_t": "500",
                }
            },
        ),
    )
    for caller, role in (("rx", "operator"), ("rxadmin", "admin")):
        name = f"{caller}_{uuid.uuid4().hex[:8]}"
        directory.create_user(
            world.ctx,
            actor=None,
            new=directory.NewUser(
                username=name, password=PASSWORD, role=role, enterprise_id=ent.id
            ),
        )
        world.tokens[caller] = auth.login(
            world.ctx, username=name, password=PASSWORD, remote_addr="127.0.0.1"
        ).token
    world.ids["rx"] = ent.id
    # the producer may hand these wastes only to a receiver it holds a confirmed contract with
    world.add_contract("p1", "rx", dict.fromkeys(codes, "100"))
    return ent.id, "rx"


def test_the_sample_codes_are_in_the_shipped_catalogue() -> None:
    ed = C.shipped("2021")
    for cat, (code, _) in SAMPLE.items():
        assert ed.entry(code).category == cat


def test_batches_under_codes_of_several_categories_end_to_end(world: World) -> None:
    admin, op = world.as_("p1admin"), world.as_("p1op")
    rx_id, rx = _receiver(world, [code for code, _ in SAMPLE.values()])
    batches: dict[str, str] = {}
    profiles = [world.profiles["p1"]]
    for cat, (waste_code, form) in SAMPLE.items():
        entry = C.shipped("2021").entry(waste_code)
        pid = world.add_profile(
            "p1", waste_code, entry.description[:40], form, entry.hazards.canonical
        )
        profiles.append(pid)
        r = admin.put(
            f"/api/v1/users/{world.user_ids['p1op']}/authorizations", {"profile_ids": profiles}
        )
        assert r.status_code == 200, r.get_json()
        r = admin.post(
            "/api/v1/storage-rooms",
            {"name": f"{cat} 暂存间", "capacity_kg": "5000", "allowed_categories": [cat]},
        )
        assert r.status_code == 201, r.get_json()
        room = r.get_json()["id"]
        b = op.register(pid, "180")
        assert b["waste_code"] == waste_code and b["category"] == cat, b
        assert b["catalogue_edition"] == "2021", b
        assert op.act(b["code"], "label").status_code == 200
        r = op.act(b["code"], "store", room_id=room)
        assert r.status_code == 200, r.get_json()
        batches[cat] = b["code"]
    codes = list(batches.values())
    now = dt.datetime.now(dt.UTC)
    r = op.post(
        "/api/v1/bookings",
        {
            "codes": codes,
            "transporter_id": world.ids["t"],
            "receiver_id": rx_id,
            "window_start": now.isoformat(),
            "window_end": (now + dt.timedelta(hours=8)).isoformat(),
            "planned_method": "D10",
        },
    )
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    r = world.as_("t").post(
        f"/api/v1/bookings/{bid}/accept",
        {
            "vehicle_plate": "苏E12345",
            "driver_user_id": world.user_ids["t"],
            "driver_licence": "320500000001",
        },
    )
    assert r.status_code == 200, r.get_json()
    r = op.post(f"/api/v1/bookings/{bid}/manifest")
    assert r.status_code == 201, r.get_json()
    number = r.get_json()["number"]
    for c in codes:
        assert op.act(c, "unstore").status_code == 200
        r = world.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": c})
        assert r.status_code == 200, r.get_json()
    assert world.as_("t").post(f"/api/v1/manifests/{number}/depart", {}).status_code == 200
    receiver = world.as_(rx)
    for c in codes:
        r = receiver.post(f"/api/v1/manifests/{number}/receive", {"code": c, "weight_kg": "180"})
        assert r.status_code == 200, r.get_json()
    assert receiver.post(f"/api/v1/manifests/{number}/confirm").get_json()["status"] == "RECEIVED"
    for c in codes:
        r = receiver.act(c, "dispose", method="D10")
        assert r.status_code == 200 and r.get_json()["status"] == "DISPOSED", r.get_json()
    assert op.get(f"/api/v1/manifests/{number}").get_json()["status"] == "COMPLETED"
    for cat, c in batches.items():
        hist = op.get(f"/api/v1/batches/{c}/history").get_json()
        reg = hist[0]["payload"]
        assert hist[0]["type"] == "batch.register" and hist[-1]["type"] == "batch.dispose"
        code = SAMPLE[cat][0]
        assert reg["waste_code"] == code and reg["catalogue_edition"] == "2021"
        assert reg["waste_description"] == C.shipped("2021").entry(code).description
    assert audit.verify(world.ctx).ok


@pytest.mark.parametrize("cats", [["HW41"], ["HW49", "HW99"], ["HW8"], ["废矿物油"]])
def test_rooms_accept_only_categories_that_exist(world: World, cats: list[str]) -> None:
    admin = world.as_("p1admin")
    before = len(admin.get("/api/v1/storage-rooms").get_json())
    r = admin.post(
        "/api/v1/storage-rooms",
        {"name": "新库", "capacity_kg": "100", "allowed_categories": cats},
    )
    body = r.get_json()
    assert r.status_code == 400, body
    assert body["code"] in ("catalogue.unknown_category", "request.invalid"), body
    assert len(admin.get("/api/v1/storage-rooms").get_json()) == before


def _edition_2099(removed: str, reworded: str, added: dict[str, str]) -> list[dict[str, str]]:
    """A made-up later edition for the test: the 2021 rows with one code removed, one reworded
    and one added (no such edition exists; 2099 so it can never be mistaken for one)."""
    rows = []
    for w in C.shipped("2021").codes:
        if w.code == removed:
            continue
        row = w.as_row()
        if w.code == reworded:
            row["description"] = row["description"] + "（修订）"
        rows.append(row)
    rows.append(added)
    return rows


def test_a_new_edition_is_used_for_new_batches_and_old_ones_keep_theirs(world: World) -> None:
    ctx, op = world.ctx, world.as_("p1op")
    # p1's profile is 900-041-49; p2 gets a profile under a code the new edition drops.
    gone = "900-046-49"
    p2_gone = world.add_profile("p2", gone, "离子交换树脂", "固态", ["T"])
    world.as_("p2admin").put(
        f"/api/v1/users/{world.user_ids['p2op']}/authorizations",
        {"profile_ids": [world.profiles["p2"], p2_gone]},
    )
    old = op.register(world.profiles["p1"], "20")
    old_text = C.shipped("2021").entry("900-041-49").description
    added = {
        "category": "HW49",
        "category_name": "其他废物",
        "industry": "非特定行业",
        "code": "900-998-49",
        "description": "测试用新增条目",
        "hazards": "T",
        "hazards_official": "T",
    }
    rows = _edition_2099(gone, "900-041-49", added)
    before = catalogue_svc.current(ctx).edition
    assert before == "2021"
    # A malformed table is refused as a whole, listing its problems, and changes nothing.
    bad = [*rows, {**added, "code": "900-998-08"}]
    with pytest.raises(BadValue) as err:
        catalogue_svc.import_edition(ctx, rows=bad, edition="2099", source="test", actor="cli")
    assert err.value.code == "catalogue.invalid"
    assert catalogue_svc.current(ctx).edition == "2021"

    diff = catalogue_svc.import_edition(ctx, rows=rows, edition="2099", source="test", actor="cli")
    assert [c.code for c in diff.added] == ["900-998-49"]
    assert [c.code for c in diff.removed] == [gone]
    assert [(c.code, c.fields) for c in diff.changed] == [("900-041-49", ("description",))]
    assert catalogue_svc.current(ctx).edition == "2099"
    # The same edition twice is refused.
    with pytest.raises(Conflict):
        catalogue_svc.import_edition(ctx, rows=rows, edition="2099", source="test", actor="cli")

    # The batch registered before keeps its edition and wording.
    got = op.get(f"/api/v1/batches/{old['code']}").get_json()
    assert got["catalogue_edition"] == "2021" and got["waste_description"] == old_text
    # A new batch under the same profile is registered under the new edition.
    new = op.register(world.profiles["p1"], "20")
    assert new["catalogue_edition"] == "2099"
    assert new["waste_description"] == old_text + "（修订）"
    reg = op.get(f"/api/v1/batches/{new['code']}/history").get_json()[0]["payload"]
    assert reg["catalogue_edition"] == "2099" and reg["waste_description"].endswith("（修订）")
    # A profile under a code the edition dropped cannot register any more.
    r = world.as_("p2op").post("/api/v1/batches", {"profile_id": p2_gone, "weight_kg": "5"})
    assert r.status_code == 400 and r.get_json()["code"] == "waste.unknown_code", r.get_json()
    # The picker's search finds the added code and not the removed one.
    found = world.as_("p1op").get("/api/v1/reference/waste-codes?q=900-998").get_json()
    assert [x["code"] for x in found] == ["900-998-49"]
    assert world.as_("p1op").get(f"/api/v1/reference/waste-codes?q={gone}").get_json() == []
    # The import is in the ledger, and the ledger verifies.
    with ctx.db.read_session() as s:
        imports = list(ctx.log.entries(s.connection(), subject="catalogue:2099"))
    assert len(imports) == 1
    assert imports[0].entry_type == "catalogue.import"
    payload = imports[0].payload
    assert payload["edition"] == "2099" and payload["removed"] == [gone]
    assert audit.verify(ctx).ok
