"""The demo park: a park administration, three pharmaceutical producers, a transporter and a
receiver, users for each, waste profiles, storage rooms, and batches in every lifecycle state.

Idempotent: running it twice leaves one demo park. Everything goes through the use cases, so the
demo ledger is a real one that verifies.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from hwtrace.domain.access import Actor, Role
from hwtrace.domain.lifecycle import Action
from hwtrace.services import audit
from hwtrace.services import batches as B
from hwtrace.services import directory as D
from hwtrace.services import transport as T
from hwtrace.services.auth import actor_of
from hwtrace.services.context import Context
from hwtrace.store.tables import Enterprise, User
from schemas import formats

PASSWORD = "hwtrace-demo"

# (USCC body of 17 characters, name, kind, map x, map y, contact)
ENTERPRISES = [
    ("11320500MB1A2B3C4", "示范化工园区管理委员会", "park", 50, 50, "王主任"),
    ("91320500MA1XY0001", "苏南制药股份有限公司", "producer", 20, 30, "李工"),
    ("91320500MA1XY0002", "华东生物医药有限公司", "producer", 45, 70, "张工"),
    ("91320500MA1XY0003", "长江精细化工有限公司", "producer", 75, 35, "陈工"),
    ("91320500MA1XY0004", "安达危险品运输有限公司", "transporter", 85, 80, "赵队长"),
    ("91320500MA1XY0005", "绿源环保处置有限公司", "receiver", 15, 85, "周经理"),
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


def _uscc(body: str) -> str:
    return body + formats.uscc_check_char(body)


def _actor(ctx: Context, username: str) -> Actor:
    with ctx.db.read_session() as s:
        user, ent = s.execute(
            sa.select(User, Enterprise).join(Enterprise).where(User.username == username)
        ).one()
    return actor_of(user, ent)


def seed(
    ctx: Context, *, batches_per_producer: int = 40, rng_seed: int = 7
) -> list[dict[str, Any]]:
    """Create the demo park (once) and return its logins."""
    D.ensure_park(ctx)
    logins: list[dict[str, Any]] = []
    with ctx.db.read_session() as s:
        existing = s.scalar(sa.select(sa.func.count()).select_from(Enterprise)) or 0
    ents: dict[str, Enterprise] = {}
    if existing == 0:
        for body, name, kind, x, y, contact in ENTERPRISES:
            ents[kind + str(len(ents))] = D.create_enterprise(
                ctx,
                actor=None,
                new=D.NewEnterprise(
                    uscc=_uscc(body),
                    name=name,
                    kind=kind,
                    map_x=x,
                    map_y=y,
                    contact_name=contact,
                    contact_phone="0512-6000" + body[-4:],
                    address="示范化工园区" + name[:2] + "路 8 号",
                    permits=_permits(kind),
                ),
            )
        _users(ctx, list(ents.values()))
        _activity(ctx, batches_per_producer, random.Random(rng_seed))
        audit.sign_checkpoint(ctx)
    with ctx.db.read_session() as s:
        for user, ent in s.execute(sa.select(User, Enterprise).join(Enterprise).order_by(User.id)):
            logins.append(
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "role": user.role,
                    "enterprise": ent.name,
                }
            )
    return logins


def _permits(kind: str) -> dict[str, Any]:
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


def _users(ctx: Context, ents: list[Enterprise]) -> None:
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
        for i, pattern in enumerate(names[e.kind]):
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


def _activity(ctx: Context, per_producer: int, rng: random.Random) -> None:
    transporter = _actor(ctx, "driver")
    receiver = _actor(ctx, "receiver")
    today = ctx.now().date()
    for n in (1, 2, 3):
        admin = _actor(ctx, f"p{n}admin")
        op = _actor(ctx, f"p{n}op")
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
                    process="合成车间",
                ),
            )
            for code, name, form, hz, pack, main, harm, prec in PROFILES
        ]
        D.set_authorizations(
            ctx, actor=admin, user_id=op.user_id, profile_ids=[p.id for p in profiles]
        )
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
            capacity_kg="10000",
            allowed_categories=["HW49"],
        )
        rooms = {"HW02": mixed, "HW08": mixed, "HW49": packaging}
        for i in range(per_producer):
            profile = profiles[i % len(profiles)]
            age = rng.choice([2, 10, 40, 90, 200, 340, 358]) if i % 5 else rng.randint(0, 30)
            batch = B.register_batch(
                ctx,
                actor=op,
                command=B.RegisterBatch(
                    profile_id=profile.id,
                    weight_kg=f"{rng.randint(20, 400)}.{rng.randint(0, 9)}",
                    produced_on=today - dt.timedelta(days=age),
                    container_volume_l=30 if profile.packaging == "袋" else 200,
                ),
            )
            _advance(ctx, batch.code, i, op, transporter, receiver, rooms[batch.category].id)


def _advance(
    ctx: Context, code: str, i: int, op: Actor, transporter: Actor, receiver: Actor, room_id: int
) -> None:
    """Walk a batch to a lifecycle state chosen by its index, so every state is present."""
    stage = i % 10
    if stage == 0:
        return  # REGISTERED
    if stage == 1:
        B.apply_event(
            ctx, actor=op, code=code, event=B.BatchEvent(Action.VOID, reason="标签打印错误")
        )
        return
    B.apply_event(ctx, actor=op, code=code, event=B.BatchEvent(Action.LABEL))
    if stage == 2:
        return  # LABELLED
    B.apply_event(ctx, actor=op, code=code, event=B.BatchEvent(Action.STORE, room_id=room_id))
    if stage in (3, 4, 5):
        return  # STORED
    number = _book(ctx, [code], op, transporter, receiver)
    B.apply_event(ctx, actor=op, code=code, event=B.BatchEvent(Action.UNSTORE))
    if stage == 6:
        return  # AWAITING_PICKUP
    B.apply_event(
        ctx, actor=transporter, code=code, event=B.BatchEvent(Action.LOAD, manifest=number)
    )
    T.depart(ctx, actor=transporter, number=number)
    if stage == 7:
        return  # IN_TRANSIT
    if stage == 8 and i % 20 == 8:
        B.apply_event(
            ctx,
            actor=receiver,
            code=code,
            event=B.BatchEvent(Action.REJECT, reason="包装破损，拒收"),
        )
        T.confirm_receipt(ctx, actor=receiver, number=number)
        return  # REJECTED
    with ctx.db.read_session() as s:
        from hwtrace.store.tables import Batch

        weight_g = s.scalar(sa.select(Batch.weight_g).where(Batch.code == code)) or 0
    B.apply_event(
        ctx,
        actor=receiver,
        code=code,
        event=B.BatchEvent(Action.RECEIVE, weight_kg=str(weight_g / 1000)),
    )
    T.confirm_receipt(ctx, actor=receiver, number=number)
    if stage == 8:
        return  # RECEIVED
    action = Action.DISPOSE if i % 20 == 9 else Action.UTILIZE
    B.apply_event(
        ctx,
        actor=receiver,
        code=code,
        event=B.BatchEvent(action, method="D10" if action is Action.DISPOSE else "R2"),
    )


def _book(ctx: Context, codes: list[str], op: Actor, transporter: Actor, receiver: Actor) -> str:
    """Book a pickup of stored batches, accept it, make its manifest; return the number."""
    now = ctx.now()
    booking = T.request_booking(
        ctx,
        actor=op,
        req=T.BookingRequest(
            codes=codes,
            transporter_id=transporter.enterprise_id,
            receiver_id=receiver.enterprise_id,
            window_start=now,
            window_end=now + dt.timedelta(hours=8),
            planned_method="D10",
        ),
    )
    T.accept_booking(
        ctx,
        actor=transporter,
        booking_id=booking.id,
        acc=T.Acceptance(
            vehicle_plate="苏E3A621",
            driver_user_id=transporter.user_id,
            driver_licence="320500198801",
        ),
    )
    return T.create_manifest(ctx, actor=op, booking_id=booking.id).number
