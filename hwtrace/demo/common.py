"""The demo park's cast and its small moves: enterprises, users, profiles and rooms, the simulated
clock, and booking and shipping a pickup through the use cases."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hwtrace.domain.access import Actor, Role
from hwtrace.domain.lifecycle import Action
from hwtrace.services import batches as B
from hwtrace.services import bookings as BK
from hwtrace.services import directory as D
from hwtrace.services import fleet as FL
from hwtrace.services import manifests as MF
from hwtrace.services.auth import actor_of
from hwtrace.services.context import Context
from hwtrace.store.tables import Enterprise, User
from schemas import formats

PASSWORD = "hwtrace-demo"

# (USCC body of 17 characters, name, kind, map x, map y, contact)
ENTERPRISES = [
    ("11320500MB1A2B3C4", "示范化工园区管理委员会", "park", 50, 8, "王主任"),
    ("91320500MA1XY0001", "苏南制药股份有限公司", "producer", 12, 24, "李工"),
    ("91320500MA1XY0002", "华东生物医药有限公司", "producer", 38, 24, "张工"),
    ("91320500MA1XY0003", "长江精细化工有限公司", "producer", 64, 24, "陈工"),
    ("91320500MA1XY0006", "恒瑞原料药科技有限公司", "producer", 88, 24, "孙工"),
    ("91320500MA1XY0007", "新元医药中间体有限公司", "producer", 12, 58, "吴工"),
    ("91320500MA1XY0008", "博康制剂有限公司", "producer", 38, 58, "郑工"),
    ("91320500MA1XY0009", "瑞泰化学品有限公司", "producer", 64, 58, "冯工"),
    ("91320500MA1XY0010", "海森生物技术有限公司", "producer", 88, 58, "褚工"),
    ("91320500MA1XY0004", "安达危险品运输有限公司", "transporter", 25, 92, "赵队长"),
    ("91320500MA1XY0005", "绿源环保处置有限公司", "receiver", 60, 92, "周经理"),
    ("91320500MA1XY0011", "循环再生资源利用有限公司", "receiver", 88, 92, "钱经理"),
]

PROFILES = [
    # waste code, name, form, hazards, packaging, main, harmful, precautions
    (
        "271-001-02",
        "化学合成原料药生产蒸馏残渣",
        "半固态",
        ["T"],
        "桶",
        "有机残渣",
        "卤代有机物",
        "密闭贮存，远离火源",
    ),
    (
        "900-041-49",
        "废包装桶及沾染物",
        "固态",
        ["T", "In"],
        "袋",
        "废包装物",
        "残留有机溶剂",
        "防止破损泄漏",
    ),
    (
        "900-249-08",
        "废矿物油",
        "液态",
        ["T", "I"],
        "桶",
        "矿物油",
        "多环芳烃",
        "远离火源，防止泄漏",
    ),
]


def uscc(body: str) -> str:
    return body + formats.uscc_check_char(body)


def actor(ctx: Context, username: str) -> Actor:
    with ctx.db.read_session() as s:
        user, ent = s.execute(
            sa.select(User, Enterprise).join(Enterprise).where(User.username == username)
        ).one()
    return actor_of(user, ent)


def permits(kind: str, name: str = "") -> dict[str, Any]:
    if kind == "receiver" and "循环" in name:
        # the recycler re-refines waste mineral oil only (R9)
        return {
            "operating": {
                "number": "JS3205OOR002-3",
                "codes": ["900-249-08"],
                "annual_capacity_t": "5000",
            }
        }
    if kind == "receiver":
        return {
            "operating": {
                "number": "JS3205OOD001-5",
                "codes": [p[0] for p in PROFILES],
                "annual_capacity_t": "20000",
            }
        }
    if kind == "transporter":
        return {"transport": {"number": "苏交运管许可苏字320500001234号"}}
    return {}


def create_users(ctx: Context, ents: list[Enterprise]) -> None:
    names = {
        "park": ["park", "auditor"],
        "producer": ["p{n}admin", "p{n}op"],
        "transporter": ["driver"],
        "receiver": ["receiver"],
    }
    n = 0
    for e in ents:
        if e.kind == "producer":
            n += 1
        pats = names[e.kind]
        if e.kind == "receiver" and "循环" in e.name:
            pats = ["recycler"]
        for i, pattern in enumerate(pats):
            username = pattern.format(n=n)
            if e.kind == "park":
                role = Role.PARK_ADMIN if i == 0 else Role.AUDITOR
            else:
                role = Role.ADMIN if i == 0 else Role.OPERATOR
            D.create_user(
                ctx,
                actor=None,
                new=D.NewUser(
                    username=username,
                    password=PASSWORD,
                    role=role.value,
                    display_name=e.contact_name,
                    enterprise_id=e.id,
                ),
            )


class SimClock:
    """The demo's clock: it walks through the past year so dates, charts and warnings look
    like a park that has been running for a year. (Ledger entries keep their real server time;
    the read model and the entries' client times carry the simulated dates.)"""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t


@dataclass
class Producer:
    n: int
    admin: Actor
    op: Actor
    profiles: list[Any]
    rooms: dict[str, int]
    stored: list[tuple[str, str]] = field(default_factory=list)  # (code, category)


# What one container of each profile weighs when full: a 200 L drum of distillation residue
# (about 180 kg), a 50 L bag of contaminated packaging and rags (about 20 kg), a 200 L
# drum of waste mineral oil filled to 90 % (about 160 kg).
FULL_KG = {"271-001-02": 180, "900-041-49": 20, "900-249-08": 160}
CONTAINER_L = {"袋": 50, "桶": 200}


def container_weight(waste_code: str, rng: random.Random) -> str:
    """A container's weight: full ones vary by a few per cent (at most ±10 %); one in twenty
    leaves part-filled (30-70 %), when the pickup comes before it is full."""
    base = FULL_KG.get(waste_code, 100)
    if rng.random() < 0.05:
        fill = rng.uniform(0.3, 0.7)
    else:
        fill = min(1.1, max(0.9, rng.gauss(1.0, 0.04)))
    return f"{base * fill:.1f}"


def setup_producer(ctx: Context, n: int, rng: random.Random) -> Producer:
    admin = actor(ctx, f"p{n}admin")
    op = actor(ctx, f"p{n}op")
    profiles = [
        D.create_profile(
            ctx,
            actor=admin,
            new=D.NewProfile(
                waste_code=code,
                name=name,
                form=form,
                hazards=hz,
                packaging=pack,
                main_components=main,
                harmful_components=harm,
                precautions=prec,
                process=rng.choice(["合成车间", "精馏工段", "设备维修", "质检实验室"]),
            ),
        )
        for code, name, form, hz, pack, main, harm, prec in PROFILES
    ]
    D.set_authorizations(ctx, actor=admin, user_id=op.user_id, profile_ids=[p.id for p in profiles])
    mixed = D.create_room(
        ctx,
        actor=admin,
        name="1号危废暂存间",
        capacity_kg="20000",
        allowed_categories=["HW02", "HW08"],
    )
    packaging = D.create_room(
        ctx,
        actor=admin,
        name="2号危废暂存间（包装物）",
        capacity_kg="400" if n == 8 else "10000",  # p8's is a small room
        allowed_categories=["HW49"],
    )
    return Producer(
        n, admin, op, profiles, {"HW02": mixed.id, "HW08": mixed.id, "HW49": packaging.id}
    )


DEMO_PLATE = "苏E3A621"
DEMO_LICENCE = "320500198801"


def register_fleet(ctx: Context, transporter: Actor, real_today: dt.date) -> None:
    """The transporter's vehicle and driver that every demo manifest names, qualified beyond
    the simulated year (loading checks them: 第十三条第三款), an escort, and a retired tanker
    whose road-transport certificate has expired (it would be refused at loading)."""
    until = real_today + dt.timedelta(days=700)
    for plate, number, valid, active in (
        (DEMO_PLATE, "苏交运管苏字320500301122号", until, True),
        ("苏E7C318", "苏交运管苏字320500287730号", real_today - dt.timedelta(days=40), False),
    ):
        FL.create_vehicle(
            ctx,
            actor=transporter,
            form=FL.VehicleForm(plate, number, valid, dangerous_goods=True, active=active),
        )
    for name, role, number, user_id in (
        ("赵建国", "driver", DEMO_LICENCE, transporter.user_id),
        ("钱晓梅", "escort", "320500199207", None),
    ):
        FL.save_staff(
            ctx,
            actor=transporter,
            form=FL.StaffForm(name, role, number, until - dt.timedelta(days=90), user_id),
        )


def book(
    ctx: Context,
    codes: list[str],
    op: Actor,
    transporter: Actor,
    receiver: Actor,
    method: str = "D10",
) -> tuple[int, str]:
    """Book a pickup of stored batches, accept it, make its manifest; return (booking, number)."""
    now = ctx.now()
    booking = BK.request_booking(
        ctx,
        actor=op,
        req=BK.BookingRequest(
            codes=codes,
            transporter_id=transporter.enterprise_id,
            receiver_id=receiver.enterprise_id,
            window_start=now,
            window_end=now + dt.timedelta(hours=8),
            planned_method=method,
        ),
    )
    BK.accept_booking(
        ctx,
        actor=transporter,
        booking_id=booking.id,
        acc=BK.Acceptance(
            vehicle_plate=DEMO_PLATE,
            driver_user_id=transporter.user_id,
            driver_licence=DEMO_LICENCE,
        ),
    )
    return booking.id, MF.create_manifest(ctx, actor=op, booking_id=booking.id).number


def ship(
    ctx: Context,
    sim: SimClock,
    p: Producer,
    codes: list[str],
    transporter: Actor,
    receiver: Actor,
    method: str,
) -> str:
    """Scan out, load and depart: the batches are on the road."""
    _, number = book(ctx, codes, p.op, transporter, receiver, method)
    for c in codes:
        B.apply_event(ctx, actor=p.op, code=c, event=B.BatchEvent(Action.UNSTORE, client_ts=sim.t))
    sim.t += dt.timedelta(minutes=40)
    for c in codes:
        B.apply_event(
            ctx,
            actor=transporter,
            code=c,
            event=B.BatchEvent(Action.LOAD, manifest=number, client_ts=sim.t),
        )
    MF.depart(ctx, actor=transporter, number=number)
    return number
