"""A batch's whole life through the API, with the ledger checked after each step."""

from __future__ import annotations

from tests.factories import World


def test_full_lifecycle_writes_one_entry_per_step(world: World) -> None:
    op = world.as_("p1op")
    b = op.register(world.profiles["p1"], "25.5", package_count=2, process="合成车间")
    code = b["code"]
    assert b["status"] == "REGISTERED" and b["weight_kg"] == "25.500"
    world.walk(code, "RECEIVED")
    r = world.as_("r1").act(code, "dispose", method=world.method_d)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "DISPOSED"
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    assert [e["type"] for e in hist] == [
        "batch.register",
        "batch.label",
        "batch.store",
        "batch.unstore",
        "batch.load",
        "batch.receive",
        "batch.dispose",
    ]
    seqs = [e["seq"] for e in hist]
    assert seqs == sorted(seqs)
    # each entry names the one before it about the same batch (a per-batch chain)
    assert [e["payload"].get("prev") for e in hist[1:]] == seqs[:-1]
    assert hist[1]["payload"]["from"] == "REGISTERED" and hist[1]["payload"]["to"] == "LABELLED"


def test_illegal_transition_refused_and_nothing_written(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    before = op.get(f"/api/v1/batches/{code}/history").get_json()
    r = op.act(code, "store", room_id=world.rooms["p1"])  # not labelled yet
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "batch.illegal_transition"
    assert "不能" in body["message"] and body["message_en"]
    assert op.get(f"/api/v1/batches/{code}/history").get_json() == before
    assert op.get(f"/api/v1/batches/{code}").get_json()["status"] == "REGISTERED"


def test_receive_never_loaded_batch_refused(world: World) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "AWAITING_PICKUP")
    r = world.as_("r1").act(code, "receive", weight_kg="25.5")
    assert r.status_code == 409 and r.get_json()["code"] == "batch.illegal_transition"


def test_voided_code_refused_at_every_later_scan(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    assert op.act(code, "void", reason="打印错误").status_code == 200
    for action, params in [("label", {}), ("store", {"room_id": world.rooms["p1"]})]:
        r = op.act(code, action, **params)
        assert r.status_code == 409 and r.get_json()["code"] == "batch.voided"
    r = world.as_("t").act(code, "load")
    assert r.status_code in (404, 409)


def test_only_designated_transporter_loads(world: World) -> None:
    code = world.as_("p1op").register(world.profiles["p1"])["code"]
    world.walk(code, "AWAITING_PICKUP")
    # r2 (a receiver not named) cannot see it; the producer cannot load it
    assert world.as_("r2").act(code, "load").status_code == 404
    r = world.as_("p1op").act(code, "load")
    assert r.status_code == 403 and r.get_json()["code"] == "batch.not_assigned"
    assert world.as_("t").act(code, "load").status_code == 200


def test_storage_capacity_and_category(world: World) -> None:
    op = world.as_("p1op")
    big = op.register(world.profiles["p1"], "900")["code"]
    world.walk(big, "STORED")
    code = op.register(world.profiles["p1"], "200")["code"]
    assert op.act(code, "label").status_code == 200
    r = op.act(code, "store", room_id=world.rooms["p1"])
    assert r.status_code == 409 and r.get_json()["code"] == "storage.capacity"
    # a room of another producer is refused
    r = op.act(code, "store", room_id=world.rooms["p2"])
    assert r.status_code == 409 and r.get_json()["code"] == "storage.room_mismatch"


def test_correction_references_corrected_entry(world: World) -> None:
    op = world.as_("p1op")
    b = op.register(world.profiles["p1"], "10")
    code = b["code"]
    reg_seq = b["last_seq"]
    r = op.post(
        f"/api/v1/batches/{code}/corrections",
        {"corrects_seq": reg_seq, "reason": "称重错误", "weight_kg": "12.25"},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["weight_kg"] == "12.250"
    last = op.get(f"/api/v1/batches/{code}/history").get_json()[-1]
    assert last["type"] == "batch.correct"
    assert last["payload"]["corrects"] == reg_seq
    assert last["payload"]["changes"]["weight_kg"] == {"old": "10.000", "new": "12.250"}
    # the original registration entry is untouched
    first = op.get(f"/api/v1/batches/{code}/history").get_json()[0]
    assert first["payload"]["weight_kg"] == "10.000"


def test_reprint_needs_reason_and_is_recorded(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    assert op.act(code, "label").status_code == 200
    r = op.post(f"/api/v1/batches/{code}/reprint", {"reason": ""})
    assert r.status_code == 400
    r = op.post(f"/api/v1/batches/{code}/reprint", {"reason": "标签污损"})
    assert r.status_code == 200
    hist = op.get(f"/api/v1/batches/{code}/history").get_json()
    assert hist[-1]["type"] == "batch.reprint" and hist[-1]["payload"]["reason"] == "标签污损"


def test_codes_are_distinct_and_valid(world: World) -> None:
    from schemas import formats

    op = world.as_("p1op")
    codes = {op.register(world.profiles["p1"])["code"] for _ in range(5)}
    assert len(codes) == 5
    for c in codes:
        formats.validate_code(c)


def test_malformed_code_refused_at_once(world: World) -> None:
    op = world.as_("p1op")
    code = op.register(world.profiles["p1"])["code"]
    typo = code[:-2] + ("0" if code[-2] != "0" else "1") + code[-1]
    r = op.get(f"/api/v1/batches/{typo}")
    assert r.status_code == 400
    assert r.get_json()["code"].startswith("code.")
    r = op.get("/api/v1/batches/NOT-A-CODE")
    assert r.status_code == 400 and r.get_json()["code"].startswith("code.")


def test_future_date_and_bad_weight_refused(world: World) -> None:
    op = world.as_("p1op")
    r = op.post(
        "/api/v1/batches",
        {"profile_id": world.profiles["p1"], "weight_kg": "5", "produced_on": "2999-01-01"},
    )
    assert r.status_code == 400 and r.get_json()["code"] == "value.future_date"
    r = op.post("/api/v1/batches", {"profile_id": world.profiles["p1"], "weight_kg": 5.5})
    assert r.status_code == 400 and r.get_json()["code"] == "request.invalid"
    total = op.get("/api/v1/batches").get_json()["total"]
    assert total == 0


def test_operator_registers_only_authorized_profiles(world: World) -> None:
    admin, op = world.as_("p1admin"), world.as_("p1op")
    residue = world.add_profile("p1", "271-001-02", "蒸馏残渣", "半固态", ["T"])
    size = len(op.get("/api/v1/ledger/entries?limit=1000").get_json())
    r = op.post("/api/v1/batches", {"profile_id": residue, "weight_kg": "10"})
    assert r.status_code == 403 and r.get_json()["code"] == "personnel.not_authorized"
    assert "蒸馏残渣" in r.get_json()["message"]
    r = op.post("/api/v1/code-reservations", {"profile_id": residue, "count": 5})
    assert r.status_code == 403 and r.get_json()["code"] == "personnel.not_authorized"
    assert len(op.get("/api/v1/ledger/entries?limit=1000").get_json()) == size
    # The admin may register any profile of its enterprise, and grants the operator.
    assert (
        admin.post("/api/v1/batches", {"profile_id": residue, "weight_kg": "10"}).status_code == 201
    )
    uid = world.user_ids["p1op"]
    r = admin.put(
        f"/api/v1/users/{uid}/authorizations",
        {"profile_ids": [world.profiles["p1"], residue]},
    )
    assert r.status_code == 200 and sorted(r.get_json()["profile_ids"]) == sorted(
        [world.profiles["p1"], residue]
    )
    assert op.post("/api/v1/batches", {"profile_id": residue, "weight_kg": "10"}).status_code == 201
    # Revoked again: refused; the grant and the revocation are ledger entries.
    admin.put(f"/api/v1/users/{uid}/authorizations", {"profile_ids": [world.profiles["p1"]]})
    r = op.post("/api/v1/batches", {"profile_id": residue, "weight_kg": "10"})
    assert r.status_code == 403
    entries = admin.get(f"/api/v1/ledger/entries?subject=user-{world.usernames['p1op']}").get_json()
    assert [e["payload"]["revoked"] for e in entries][-1] == [residue]
    # Only the enterprise's admin grants: not the operator, not another enterprise's admin.
    assert op.put(f"/api/v1/users/{uid}/authorizations", {"profile_ids": []}).status_code == 403
    r = world.as_("p2admin").put(f"/api/v1/users/{uid}/authorizations", {"profile_ids": []})
    assert r.status_code == 404
    assert world.as_("p2op").get(f"/api/v1/users/{uid}/authorizations").status_code == 404
    assert world.as_("park").get(f"/api/v1/users/{uid}/authorizations").status_code == 200


def test_incompatible_waste_is_refused_naming_a_batch_on_the_shelf(world: World) -> None:
    """The room check groups the room's stored batches by waste profile; the refusal still
    names one stored batch of the clashing waste, and the room's weight counts every batch."""
    admin, op = world.as_("p1admin"), world.as_("p1op")
    oil = world.add_profile("p1", "900-249-08", "废矿物油", "液态", ["T", "I"])
    r = admin.put(
        f"/api/v1/users/{world.user_ids['p1op']}/authorizations",
        {"profile_ids": [world.profiles["p1"], oil]},
    )
    assert r.status_code == 200, r.get_json()
    r = admin.post(
        "/api/v1/storage-rooms",
        {"name": "综合库", "capacity_kg": "100", "allowed_categories": ["HW49", "HW08"]},
    )
    assert r.status_code == 201, r.get_json()
    room = r.get_json()["id"]
    stored = []
    for _ in range(3):
        code = op.register(world.profiles["p1"], "1")["code"]
        assert op.act(code, "label").status_code == 200
        assert op.act(code, "store", room_id=room).status_code == 200
        stored.append(code)
    drum = op.register(oil, "2")["code"]
    assert op.act(drum, "label").status_code == 200
    r = op.act(drum, "store", room_id=room)
    body = r.get_json()
    assert r.status_code == 409 and body["code"] == "storage.incompatible", body
    assert body["context"]["batch"] in stored and body["context"]["rule"] == "infectious-other"
    assert body["context"]["batch"] in body["message"]
    assert op.get(f"/api/v1/batches/{drum}").get_json()["status"] == "LABELLED"
    # Capacity counts the three stored batches (3 kg of 100): 98 kg more is refused, 97 kg is not.
    heavy = op.register(world.profiles["p1"], "98")["code"]
    assert op.act(heavy, "label").status_code == 200
    r = op.act(heavy, "store", room_id=room)
    assert r.status_code == 409 and r.get_json()["context"]["stored_kg"] == "3.000"
    fits = op.register(world.profiles["p1"], "97")["code"]
    assert op.act(fits, "label").status_code == 200
    assert op.act(fits, "store", room_id=room).status_code == 200
