"""The demo park: a park administration, eight pharmaceutical producers, a transporter, an
incinerator and an oil recycler, users for each, waste profiles, storage rooms, and a year of
batches in every lifecycle state, with one of each kind of warning.

Idempotent: running it twice leaves one demo park. Everything goes through the use cases, so the
demo ledger is a real one that verifies.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hwtrace.domain.access import Actor, Role
from hwtrace.domain.lifecycle import Action, BatchStatus
from hwtrace.services import audit
from hwtrace.services import batches as B
from hwtrace.services import bookings as BK
from hwtrace.services import contracts as CT
from hwtrace.services import declarations as DC
from hwtrace.services import directory as D
from hwtrace.services import discrepancies as DS
from hwtrace.services import manifests as MF
from hwtrace.services.auth import actor_of
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch, Discrepancy, Enterprise, User
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


def _uscc(body: str) -> str:
    return body + formats.uscc_check_char(body)


def _actor(ctx: Context, username: str) -> Actor:
    with ctx.db.read_session() as s:
        user, ent = s.execute(
            sa.select(User, Enterprise).join(Enterprise).where(User.username == username)
        ).one()
    return actor_of(user, ent)


def seed(
    ctx: Context,
    *,
    batches_per_producer: int = 40,
    rng_seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Create the demo park (once) and return its logins (``progress(day, days)`` as the
    simulated year goes by)."""
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
                    permits=_permits(kind, name),
                ),
            )
        _users(ctx, list(ents.values()))
        _activity(ctx, batches_per_producer, random.Random(rng_seed), progress)
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


def _permits(kind: str, name: str = "") -> dict[str, Any]:
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


class _SimClock:
    """The demo's clock: it walks through the past year so dates, charts and warnings look
    like a park that has been running for a year. (Ledger entries keep their real server time;
    the read model and the entries' client times carry the simulated dates.)"""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t


def _contract_pdf(number: str) -> bytes:
    """A one-page PDF standing for the scanned, signed contract (ASCII text only)."""
    text = f"Contract {number} - signed copy (demo)"
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objs = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj" % i + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def _contract(
    ctx: Context,
    p: _Producer,
    receiver: Actor,
    number: str,
    quantities_t: dict[str, str],
    valid_from: dt.date,
    valid_to: dt.date,
    note: str = "",
) -> int:
    """The producer registers a contract with the receiver, which confirms it."""
    c = CT.propose_contract(
        ctx,
        actor=p.admin,
        new=CT.NewContract(
            number=number,
            receiver_id=receiver.enterprise_id,
            valid_from=valid_from,
            valid_to=valid_to,
            quantities_t=quantities_t,
            document=_contract_pdf(number),
            document_name=f"{number}.pdf",
            document_type="application/pdf",
            note=note,
        ),
    )
    CT.confirm_contract(ctx, actor=receiver, contract_id=c.id)
    return c.id


# What each producer contracts for a year: the incinerator takes residues and packaging, the
# recycler waste mineral oil (tonnes).
INCINERATOR_T = {"271-001-02": "60", "900-041-49": "20"}
RECYCLER_T = {"900-249-08": "30"}


def _contracts(
    ctx: Context,
    p: _Producer,
    incinerator: Actor,
    recycler: Actor,
    year: int,
    start: dt.date,
    recycler_to: dt.date | None = None,
) -> None:
    """One year's contracts of a producer from ``start``: the year before's are renewed on the
    day they lapse."""
    end = start + dt.timedelta(days=364)
    _contract(ctx, p, incinerator, f"LY-{year}-P{p.n}-01", INCINERATOR_T, start, end)
    _contract(ctx, p, recycler, f"XH-{year}-P{p.n}-01", RECYCLER_T, start, recycler_to or end)


def _sign(
    ctx: Context,
    day: int,
    producers: list[_Producer],
    incinerator: Actor,
    recycler: Actor,
    first: dt.date,
    real_now: dt.datetime,
) -> None:
    """The contracts: the first year's on the first day, renewed a month before they lapse
    (p8's recycler renews for a short term that ends three weeks from now)."""
    for p in producers:
        if day == 0:
            _contracts(ctx, p, incinerator, recycler, 1, first)
        elif day == 330:
            short = (real_now + dt.timedelta(days=20)).date() if p.n == 8 else None
            _contracts(ctx, p, incinerator, recycler, 2, first + dt.timedelta(days=365), short)


# HJ 1259 management classes: p1–p3 key supervision (monthly), p4–p6 simplified (quarterly),
# p7–p8 registration (yearly only).
CLASSES = {1: "key", 2: "key", 3: "key", 4: "simplified", 5: "simplified", 6: "simplified"}


def _declare(ctx: Context, day: int, days: int, producers: list[_Producer]) -> None:
    """The park sets each producer's management class on the first day; on the 10th of each
    month every producer declares what is due, except p3, which stopped six weeks ago (late)."""
    if day == 0:
        park = _actor(ctx, "park")
        for p in producers:
            DC.set_management_class(
                ctx,
                actor=park,
                enterprise_id=p.admin.enterprise_id,
                management_class=CLASSES.get(p.n, "registered"),
            )
    if ctx.today().day != 10:
        return
    for p in producers:
        if p.n == 3 and day > days - 42:
            continue
        for d in DC.todo(ctx, actor=p.admin):
            if d.version == 0:
                rep = DC.report(ctx, actor=p.admin, enterprise_id=None, period=d.period.key)
                DC.submit(ctx, actor=p.admin, period=d.period.key, reviewed_sha256=rep.sha256)


@dataclass
class _Producer:
    n: int
    admin: Actor
    op: Actor
    profiles: list[Any]
    rooms: dict[str, int]
    stored: list[tuple[str, str]] = field(default_factory=list)  # (code, category)


def _activity(
    ctx: Context,
    per_producer: int,
    rng: random.Random,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    real_now = ctx.now()
    saved = ctx.clock
    sim = _SimClock(real_now - dt.timedelta(days=380))
    ctx.clock = sim
    try:
        _year(ctx, sim, real_now, per_producer, rng, progress or (lambda done, total: None))
    finally:
        ctx.clock = saved


def _year(
    ctx: Context,
    sim: _SimClock,
    real_now: dt.datetime,
    per_producer: int,
    rng: random.Random,
    progress: Callable[[int, int], None],
) -> None:
    transporter = _actor(ctx, "driver")
    incinerator = _actor(ctx, "receiver")
    recycler = _actor(ctx, "recycler")
    producers = [_setup_producer(ctx, n, rng) for n in range(1, 9)]
    start = sim.t
    days = (real_now - start).days
    first = ctx.today()
    # Production dates: spread over the year, a little busier lately.
    plan: dict[int, list[tuple[_Producer, int]]] = {}
    for p in producers:
        for i in range(per_producer):
            day = int(days * rng.random() ** 0.8)
            plan.setdefault(day, []).append((p, i))
    for p in producers[:2]:  # one batch each past, and near, the one-year limit
        plan.setdefault(10, []).append((p, -1))
        plan.setdefault(days - 350, []).append((p, -2))
    for day in range(days + 1):
        progress(day, days + 1)
        sim.t = start + dt.timedelta(days=day, hours=9)
        _sign(ctx, day, producers, incinerator, recycler, first, real_now)
        _declare(ctx, day, days, producers)
        for p, i in plan.get(day, []):
            profile = p.profiles[(i if i >= 0 else p.n) % len(p.profiles)]
            weight = _weight(profile.waste_code, rng)
            batch = B.register_batch(
                ctx,
                actor=p.op,
                command=B.RegisterBatch(
                    profile_id=profile.id,
                    weight_kg=weight,
                    container_volume_l=CONTAINER_L.get(profile.packaging, 200),
                    client_ts=sim.t,
                ),
            )
            code = batch.code
            if i >= 0 and i % 29 == 3:
                B.apply_event(
                    ctx,
                    actor=p.op,
                    code=code,
                    event=B.BatchEvent(
                        Action.VOID, reason="标签打印错误，重新登记", client_ts=sim.t
                    ),
                )
                continue
            if day > days - 4 and i % 3 == 0:
                continue  # registered lately, never labelled
            B.apply_event(
                ctx, actor=p.op, code=code, event=B.BatchEvent(Action.LABEL, client_ts=sim.t)
            )
            if day > days - 4 and i % 3 == 1:
                continue  # labelled, not yet stored: a warning after 24 h
            B.apply_event(
                ctx,
                actor=p.op,
                code=code,
                event=B.BatchEvent(Action.STORE, room_id=p.rooms[batch.category], client_ts=sim.t),
            )
            if i >= 0:  # the special ones stay in storage
                p.stored.append((code, profile.waste_code))
        # Pickups: each producer every two weeks (staggered), of what was stored a week ago.
        for p in producers:
            if (day + 2 * p.n) % 14 == 0 and day < days - 2:
                _pickup(ctx, sim, p, transporter, incinerator, recycler, rng, days - day)
    progress(days + 1, days + 1)
    sim.t = real_now - dt.timedelta(hours=2)
    _scenarios(ctx, sim, producers, transporter, incinerator, recycler, rng)


# What one container of each profile weighs when full: a 200 L drum of distillation residue
# (about 180 kg), a 50 L bag of contaminated packaging and rags (about 20 kg), a 200 L
# drum of waste mineral oil filled to 90 % (about 160 kg).
FULL_KG = {"271-001-02": 180, "900-041-49": 20, "900-249-08": 160}
CONTAINER_L = {"袋": 50, "桶": 200}


def _weight(waste_code: str, rng: random.Random) -> str:
    """A container's weight: full ones vary by a few per cent (at most ±10 %); one in twenty
    leaves part-filled (30-70 %), when the pickup comes before it is full."""
    base = FULL_KG.get(waste_code, 100)
    if rng.random() < 0.05:
        fill = rng.uniform(0.3, 0.7)
    else:
        fill = min(1.1, max(0.9, rng.gauss(1.0, 0.04)))
    return f"{base * fill:.1f}"


def _setup_producer(ctx: Context, n: int, rng: random.Random) -> _Producer:
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
    return _Producer(
        n, admin, op, profiles, {"HW02": mixed.id, "HW08": mixed.id, "HW49": packaging.id}
    )


def _book(
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
            vehicle_plate="苏E3A621",
            driver_user_id=transporter.user_id,
            driver_licence="320500198801",
        ),
    )
    return booking.id, MF.create_manifest(ctx, actor=op, booking_id=booking.id).number


def _ship(
    ctx: Context,
    sim: _SimClock,
    p: _Producer,
    codes: list[str],
    transporter: Actor,
    receiver: Actor,
    method: str,
) -> str:
    """Scan out, load and depart: the batches are on the road."""
    _, number = _book(ctx, codes, p.op, transporter, receiver, method)
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


def _pickup(
    ctx: Context,
    sim: _SimClock,
    p: _Producer,
    transporter: Actor,
    incinerator: Actor,
    recycler: Actor,
    rng: random.Random,
    days_left: int,
) -> None:
    if not p.stored:
        return
    oil = [c for c, w in p.stored if w == "900-249-08"]
    rest = [c for c, w in p.stored if c not in oil]
    p.stored.clear()
    saved = sim.t
    for codes, receiver, method, final in (
        (rest, incinerator, "D10", Action.DISPOSE),
        (oil, recycler, "R9", Action.UTILIZE),
    ):
        if not codes:
            continue
        sim.t = saved + dt.timedelta(hours=1)
        number = _ship(ctx, sim, p, codes, transporter, receiver, method)
        if days_left < 3:
            continue
        sim.t = saved + dt.timedelta(days=1, hours=2)
        with ctx.db.read_session() as s:
            weights = dict(
                s.execute(sa.select(Batch.code, Batch.weight_g).where(Batch.code.in_(codes))).all()
            )
        for c in codes:
            got = weights[c] * rng.uniform(0.997, 1.003)
            B.apply_event(
                ctx,
                actor=receiver,
                code=c,
                event=B.BatchEvent(
                    Action.RECEIVE, manifest=number, weight_kg=f"{got / 1000:.3f}", client_ts=sim.t
                ),
            )
        MF.confirm_receipt(ctx, actor=receiver, number=number)
        if days_left < 8:
            continue
        sim.t = saved + dt.timedelta(days=rng.randint(3, 7))
        for c in codes:
            B.apply_event(
                ctx,
                actor=receiver,
                code=c,
                event=B.BatchEvent(final, method=method, client_ts=sim.t),
            )
    sim.t = saved


def _scenarios(
    ctx: Context,
    sim: _SimClock,
    producers: list[_Producer],
    transporter: Actor,
    incinerator: Actor,
    recycler: Actor,
    rng: random.Random,
) -> None:
    """The things a park administrator must see: one of each kind of warning."""
    _p1, p2, p3, p4, p5, p6, p7, p8 = producers

    def fresh(p: _Producer, weight: str | None = None, profile: int = 0) -> str:
        prof = p.profiles[profile]
        b = B.register_batch(
            ctx,
            actor=p.op,
            command=B.RegisterBatch(
                profile_id=prof.id,
                weight_kg=weight or _weight(prof.waste_code, rng),
                client_ts=sim.t,
            ),
        )
        B.apply_event(
            ctx, actor=p.op, code=b.code, event=B.BatchEvent(Action.LABEL, client_ts=sim.t)
        )
        B.apply_event(
            ctx,
            actor=p.op,
            code=b.code,
            event=B.BatchEvent(Action.STORE, room_id=p.rooms[b.category], client_ts=sim.t),
        )
        return b.code

    base = sim.t
    # A transfer that left eight days ago and was never confirmed: overdue.
    sim.t = base - dt.timedelta(days=8)
    _ship(ctx, sim, p3, [fresh(p3), fresh(p3)], transporter, incinerator, "D10")
    # A receipt with a weight discrepancy (+4 %), a partial rejection, a missing batch and a
    # wholly rejected batch that goes back into storage.
    sim.t = base - dt.timedelta(days=3)
    codes = [fresh(p4) for _ in range(4)]
    number = _ship(ctx, sim, p4, codes, transporter, incinerator, "D10")
    sim.t += dt.timedelta(hours=5)
    with ctx.db.read_session() as s:
        w = dict(
            s.execute(sa.select(Batch.code, Batch.weight_g).where(Batch.code.in_(codes))).all()
        )
    B.apply_event(
        ctx,
        actor=incinerator,
        code=codes[0],
        event=B.BatchEvent(
            Action.RECEIVE, manifest=number, weight_kg=f"{w[codes[0]] * 1.04 / 1000:.3f}"
        ),
    )
    B.apply_event(
        ctx,
        actor=incinerator,
        code=codes[1],
        event=B.BatchEvent(
            Action.RECEIVE,
            manifest=number,
            weight_kg=f"{w[codes[1]] / 1000:.3f}",
            rejected_kg="20",
            reason="桶内混入不明液体，该部分退回",
        ),
    )
    B.apply_event(
        ctx,
        actor=incinerator,
        code=codes[2],
        event=B.BatchEvent(
            Action.REJECT, manifest=number, weight_kg=f"{w[codes[2]] / 1000:.3f}", reason="包装破损"
        ),
    )
    MF.confirm_receipt(ctx, actor=incinerator, number=number)  # codes[3] never scanned: missing
    sim.t += dt.timedelta(days=1)
    B.apply_event(
        ctx,
        actor=p4.op,
        code=codes[2],
        event=B.BatchEvent(Action.STORE, room_id=p4.rooms["HW02"], client_ts=sim.t),
    )
    # A resolved weight discrepancy from p5 (explained by the producer).
    sim.t = base - dt.timedelta(days=2)
    c5 = fresh(p5)
    n5 = _ship(ctx, sim, p5, [c5], transporter, incinerator, "D10")
    with ctx.db.read_session() as s:
        g5 = s.scalar(sa.select(Batch.weight_g).where(Batch.code == c5)) or 0
    B.apply_event(
        ctx,
        actor=incinerator,
        code=c5,
        event=B.BatchEvent(Action.RECEIVE, manifest=n5, weight_kg=f"{g5 * 0.97 / 1000:.3f}"),
    )
    MF.confirm_receipt(ctx, actor=incinerator, number=n5)
    with ctx.db.read_session() as s:
        did = s.scalar(sa.select(Discrepancy.id).where(Discrepancy.code == c5))
    if did:
        DS.resolve_discrepancy(
            ctx, actor=p5.admin, discrepancy_id=did, resolution="液体挥发损耗，已复核，属正常"
        )
    # An accepted booking whose window passed without a manifest; a declined and a cancelled one.
    sim.t = base - dt.timedelta(days=2)
    c6 = [fresh(p6), fresh(p6)]
    now = ctx.now()
    bk = BK.request_booking(
        ctx,
        actor=p6.op,
        req=BK.BookingRequest(
            codes=c6[:1],
            transporter_id=transporter.enterprise_id,
            receiver_id=incinerator.enterprise_id,
            window_start=now,
            window_end=now + dt.timedelta(hours=6),
            planned_method="D10",
        ),
    )
    BK.accept_booking(
        ctx,
        actor=transporter,
        booking_id=bk.id,
        acc=BK.Acceptance(
            vehicle_plate="苏E5B980",
            driver_user_id=transporter.user_id,
            driver_licence="320500199002",
        ),
    )
    for step in ("decline", "cancel"):
        b = BK.request_booking(
            ctx,
            actor=p6.op,
            req=BK.BookingRequest(
                codes=c6[1:],
                transporter_id=transporter.enterprise_id,
                receiver_id=incinerator.enterprise_id,
                window_start=now,
                window_end=now + dt.timedelta(days=2),
                planned_method="D10",
            ),
        )
        if step == "decline":
            BK.decline_booking(ctx, actor=transporter, booking_id=b.id, reason="车辆年检，改约下周")
        else:
            BK.cancel_booking(ctx, actor=p6.op, booking_id=b.id, reason="改为下次合并转运")
    # A room over capacity after a weighing correction: p8's packaging room holds 400 kg; a ton
    # bag (吨袋) was registered with a digit missing and re-weighed on the weighbridge. The
    # correction multiplies the weight by ten, so it is flagged too.
    sim.t = base - dt.timedelta(hours=20)
    with ctx.db.read_session() as s:
        stored = int(
            s.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(Batch.weight_g), 0)).where(
                    Batch.room_id == p8.rooms["HW49"], Batch.status == BatchStatus.STORED
                )
            )
            or 0
        )
    weighed_g = max(400_000 - stored + 30_000, 200_000)
    typed = round(weighed_g / 10_000, 1)  # kilograms, a digit missing
    c8 = fresh(p8, f"{typed:.1f}", profile=1)
    with ctx.db.read_session() as s:
        reg_seq = next(iter(ctx.log.entries(s.connection(), subject=c8))).seq
    B.correct_batch(
        ctx,
        actor=p8.admin,
        code=c8,
        correction=B.Correction(
            corrects_seq=reg_seq,
            reason="吨袋录入时少输一位，地磅复秤",
            weight_kg=f"{typed * 10:.1f}",
        ),
    )
    # A supplementary contract for packaging waste of which most is used already (p2).
    today = ctx.today()
    _contract(
        ctx,
        p2,
        incinerator,
        "LY-BC-P2-01",
        {"900-041-49": "0.1"},
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=89),
        note="补充协议：包装物临时增量",
    )
    _book(
        ctx,
        [fresh(p2, "42", profile=1), fresh(p2, "42", profile=1)],
        p2.op,
        transporter,
        incinerator,
    )
    # A declared weight far out of line with the profile's history (p7), and an event whose
    # device clock runs behind (p2's PDA synced a scan-in stamped before the label print).
    for _ in range(10):  # enough recent history for the rule to judge
        fresh(p7)
    fresh(p7, "1850")
    sim.t = base - dt.timedelta(hours=6)
    b2 = B.register_batch(
        ctx,
        actor=p2.op,
        command=B.RegisterBatch(profile_id=p2.profiles[0].id, weight_kg="175", client_ts=sim.t),
    )
    B.apply_event(ctx, actor=p2.op, code=b2.code, event=B.BatchEvent(Action.LABEL, client_ts=sim.t))
    B.apply_event(
        ctx,
        actor=p2.op,
        code=b2.code,
        event=B.BatchEvent(
            Action.STORE, room_id=p2.rooms["HW02"], client_ts=sim.t - dt.timedelta(hours=3)
        ),
    )
