"""Builders that speak the domain: a small park with every kind of party, and an API client
per user (``world.as_("p1op").post(...)``)."""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hwtrace.services import auth as auth_svc
from hwtrace.services import directory as D
from hwtrace.services.context import Context
from schemas import formats

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def random_uscc(rng: random.Random | None = None) -> str:
    """Return a valid, random 统一社会信用代码 (so each test's enterprises are its own)."""
    r = rng or random.Random(uuid.uuid4().int)
    body = (
        "91"
        + "".join(r.choice("0123456789") for _ in range(6))
        + "".join(r.choice(_ALPHABET) for _ in range(9))
    )
    return body + formats.uscc_check_char(body)


class Caller:
    """An API client that sends one user's bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def _h(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url: str, **kw: Any) -> TestResponse:
        return self.client.get(url, headers=self._h(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.post(url, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def put(self, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.put(url, json=json, headers=self._h(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any) -> TestResponse:
        return self.client.delete(url, headers=self._h(kw.pop("headers", None)), **kw)

    def register(self, profile_id: int, weight: str = "25.5", **extra: Any) -> dict[str, Any]:
        r = self.post("/api/v1/batches", {"profile_id": profile_id, "weight_kg": weight, **extra})
        assert r.status_code == 201, r.get_json()
        return r.get_json()  # type: ignore[no-any-return]

    def act(self, code: str, action: str, **params: Any) -> TestResponse:
        return self.post(f"/api/v1/batches/{code}/events", {"action": action, **params})


@dataclass
class World:
    app: Flask
    ctx: Context
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, int] = field(default_factory=dict)
    rooms: dict[str, int] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    method_d: str = "D10"
    user_ids: dict[str, int] = field(default_factory=dict)
    manifests: dict[str, str] = field(default_factory=dict)
    contracts: dict[tuple[str, str], int] = field(default_factory=dict)
    vehicle_id: int = 0
    staff_id: int = 0

    def as_(self, who: str) -> Caller:
        return Caller(self.app.test_client(), self.tokens[who])

    def add_profile(
        self, producer: str, waste_code: str, name: str, form: str, hazards: list[str]
    ) -> int:
        """Create a waste profile as ``producer``'s admin (packed in drums); return its id."""
        r = self.as_(f"{producer}admin").post(
            "/api/v1/waste-profiles",
            {
                "waste_code": waste_code,
                "name": name,
                "form": form,
                "hazards": hazards,
                "packaging": "桶",
            },
        )
        assert r.status_code == 201, r.get_json()
        return int(r.get_json()["id"])

    def add_contract(
        self,
        producer: str,
        receiver: str,
        quantities_t: dict[str, str] | None = None,
        *,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        confirm: bool = True,
    ) -> int:
        """Register ``producer``'s contract with ``receiver`` (by default a year around today
        covering the codes of the receivers' permits, 1000 t each) and have the receiver
        confirm it; return its id."""
        today = dt.date.today()
        body = {
            "number": f"HT-{producer}-{receiver}-{uuid.uuid4().hex[:8]}",
            "receiver_id": self.ids[receiver],
            "valid_from": (valid_from or today - dt.timedelta(days=30)).isoformat(),
            "valid_to": (valid_to or today + dt.timedelta(days=335)).isoformat(),
            "quantities_t": quantities_t or {"900-041-49": "1000", "271-001-02": "1000"},
            "document": {
                "name": "contract.pdf",
                "type": "application/pdf",
                "content_base64": base64.b64encode(CONTRACT_PDF).decode(),
            },
        }
        r = self.as_(f"{producer}admin").post("/api/v1/contracts", body)
        assert r.status_code == 201, r.get_json()
        cid = int(r.get_json()["id"])
        if confirm:
            r = self.as_(f"{receiver}admin").post(f"/api/v1/contracts/{cid}/confirm")
            assert r.status_code == 200, r.get_json()
        return cid

    def walk(self, code: str, to: str) -> None:
        """Drive a p1 batch through the lifecycle up to status ``to`` (via booking + manifest)."""
        steps: list[tuple[str, Any]] = [
            ("LABELLED", lambda: self.as_("p1op").act(code, "label")),
            ("STORED", lambda: self.as_("p1op").act(code, "store", room_id=self.rooms["p1"])),
            ("AWAITING_PICKUP", lambda: self._scan_out([code])),
            ("IN_TRANSIT", lambda: self._load_and_depart([code])),
            (
                "RECEIVED",
                lambda: self.as_("r1").post(
                    f"/api/v1/manifests/{self.manifests[code]}/receive",
                    {"code": code, "weight_kg": "25.5"},
                ),
            ),
        ]
        for status, step in steps:
            r = step()
            assert r.status_code in (200, 201), r.get_json()
            if status == to:
                return
        raise AssertionError(f"cannot walk to {to}")

    def book(self, codes: list[str], receiver: str = "r1", producer: str = "p1op") -> int:
        """Book, accept and manifest a pickup of stored batches; return the booking id."""
        now = dt.datetime.now(dt.UTC)
        r = self.as_(producer).post(
            "/api/v1/bookings",
            {
                "codes": codes,
                "transporter_id": self.ids["t"],
                "receiver_id": self.ids[receiver],
                "window_start": now.isoformat(),
                "window_end": (now + dt.timedelta(hours=8)).isoformat(),
                "planned_method": self.method_d,
            },
        )
        assert r.status_code == 201, r.get_json()
        bid = int(r.get_json()["id"])
        r = self.as_("t").post(
            f"/api/v1/bookings/{bid}/accept",
            {
                "vehicle_plate": VEHICLE_PLATE,
                "driver_user_id": self.user_ids["t"],
                "driver_licence": DRIVER_LICENCE,
            },
        )
        assert r.status_code == 200, r.get_json()
        r = self.as_(producer).post(f"/api/v1/bookings/{bid}/manifest")
        assert r.status_code == 201, r.get_json()
        for c in codes:
            self.manifests[c] = r.get_json()["number"]
        return bid

    def _scan_out(self, codes: list[str]) -> TestResponse:
        self.book(codes)
        r = None
        for c in codes:
            r = self.as_("p1op").act(c, "unstore")
            assert r.status_code == 200, r.get_json()
        assert r is not None
        return r

    def _load_and_depart(self, codes: list[str]) -> TestResponse:
        number = self.manifests[codes[0]]
        for c in codes:
            r = self.as_("t").post(f"/api/v1/manifests/{number}/load", {"code": c})
            assert r.status_code == 200, r.get_json()
        r = self.as_("t").post(f"/api/v1/manifests/{number}/depart", {})
        assert r.status_code == 200, r.get_json()
        return self.as_("t").get(f"/api/v1/batches/{codes[-1]}")


PASSWORD = "correct horse battery"
VEHICLE_PLATE = "苏E12345"
DRIVER_LICENCE = "320500000001"
# A small, well-formed PDF standing in for a scanned, signed contract.
CONTRACT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PERMITS: dict[str, dict[str, Any]] = {
    "receiver": {
        "operating": {
            "number": "JS3205000001",
            "codes": ["900-041-49", "271-001-02"],
            "annual_capacity_t": "500",
        }
    },
    "transporter": {"transport": {"number": "苏交运管许可苏字320500000001号"}},
}


def build_world(app: Flask, ctx: Context) -> World:
    w = World(app=app, ctx=ctx)
    D.ensure_park(ctx)
    suffix = uuid.uuid4().hex[:6]
    spec = [
        ("park", "park", [("park", "park_admin"), ("auditor", "auditor")]),
        ("p1", "producer", [("p1admin", "admin"), ("p1op", "operator")]),
        ("p2", "producer", [("p2admin", "admin"), ("p2op", "operator")]),
        ("t", "transporter", [("t", "operator"), ("tadmin", "admin")]),
        ("r1", "receiver", [("r1", "operator"), ("r1admin", "admin")]),
        ("r2", "receiver", [("r2", "operator"), ("r2admin", "admin")]),
    ]
    for key, kind, users in spec:
        ent = D.create_enterprise(
            ctx,
            actor=None,
            new=D.NewEnterprise(
                uscc=random_uscc(),
                name=f"{key} 测试单位 {suffix}",
                kind=kind,
                permits=PERMITS.get(kind, {}),
            ),
        )
        w.ids[key] = ent.id
        for who, role in users:
            username = f"{who}_{suffix}"
            user = D.create_user(
                ctx,
                actor=None,
                new=D.NewUser(
                    username=username, password=PASSWORD, role=role, enterprise_id=ent.id
                ),
            )
            w.usernames[who] = username
            w.user_ids[who] = user.id
            w.tokens[who] = auth_svc.login(
                ctx, username=username, password=PASSWORD, remote_addr="127.0.0.1"
            ).token
    for p in ("p1", "p2"):
        admin = w.as_(f"{p}admin")
        r = admin.post(
            "/api/v1/waste-profiles",
            {
                "waste_code": "900-041-49",
                "name": "废包装桶",
                "form": "固态",
                "hazards": ["T", "In"],
                "packaging": "袋",
                "main_components": "废包装物",
                "harmful_components": "有机溶剂",
            },
        )
        assert r.status_code == 201, r.get_json()
        w.profiles[p] = r.get_json()["id"]
        r = admin.put(
            f"/api/v1/users/{w.user_ids[f'{p}op']}/authorizations",
            {"profile_ids": [w.profiles[p]]},
        )
        assert r.status_code == 200, r.get_json()
        r = admin.post(
            "/api/v1/storage-rooms",
            {"name": "1号库", "capacity_kg": "1000", "allowed_categories": ["HW49"]},
        )
        assert r.status_code == 201, r.get_json()
        w.rooms[p] = r.get_json()["id"]
        for rec in ("r1", "r2"):
            w.contracts[(p, rec)] = w.add_contract(p, rec)
    add_fleet(w)
    return w


def add_fleet(w: World) -> None:
    """The transporter's vehicle and driver that ``World.book`` names, qualified for a year
    (loading checks them: 第十三条第三款)."""
    until = (w.ctx.today() + dt.timedelta(days=365)).isoformat()
    admin = w.as_("tadmin")
    r = admin.post(
        "/api/v1/vehicles",
        {
            "plate": VEHICLE_PLATE,
            "certificate_no": "苏交运管苏字320500123456号",
            "certificate_valid_until": until,
            "dangerous_goods": True,
        },
    )
    assert r.status_code == 201, r.get_json()
    w.vehicle_id = int(r.get_json()["id"])
    r = admin.post(
        "/api/v1/transport-staff",
        {
            "name": "王师傅",
            "role": "driver",
            "qualification_no": DRIVER_LICENCE,
            "qualification_valid_until": until,
            "user_id": w.user_ids["t"],
        },
    )
    assert r.status_code == 201, r.get_json()
    w.staff_id = int(r.get_json()["id"])


def page_client(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    """A test client logged in through the login form (with its CSRF token)."""
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        csrf = sess["csrf"]
    r = client.post("/login", data={"username": username, "password": password, "csrf": csrf})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return client
