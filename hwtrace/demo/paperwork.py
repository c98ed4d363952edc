"""The demo's paperwork: contracts with the receivers, management classes and monthly
declarations."""

from __future__ import annotations

import datetime as dt

from hwtrace.demo.common import (
    PASSWORD,
    Producer,
    actor,
    uscc,
)
from hwtrace.domain.access import Actor
from hwtrace.services import approvals as AP
from hwtrace.services import contracts as CT
from hwtrace.services import declarations as DC
from hwtrace.services import directory as D
from hwtrace.services.context import Context


def contract_pdf(number: str) -> bytes:
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


def contract(
    ctx: Context,
    p: Producer,
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
            document=contract_pdf(number),
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


def contracts(
    ctx: Context,
    p: Producer,
    incinerator: Actor,
    recycler: Actor,
    year: int,
    start: dt.date,
    recycler_to: dt.date | None = None,
) -> None:
    """One year's contracts of a producer from ``start``: the year before's are renewed on the
    day they lapse."""
    end = start + dt.timedelta(days=364)
    contract(ctx, p, incinerator, f"LY-{year}-P{p.n}-01", INCINERATOR_T, start, end)
    contract(ctx, p, recycler, f"XH-{year}-P{p.n}-01", RECYCLER_T, start, recycler_to or end)


def sign(
    ctx: Context,
    day: int,
    producers: list[Producer],
    incinerator: Actor,
    recycler: Actor,
    first: dt.date,
    real_now: dt.datetime,
) -> None:
    """The contracts: the first year's on the first day, renewed a month before they lapse
    (p8's recycler renews for a short term that ends three weeks from now)."""
    for p in producers:
        if day == 0:
            contracts(ctx, p, incinerator, recycler, 1, first)
        elif day == 330:
            short = (real_now + dt.timedelta(days=20)).date() if p.n == 8 else None
            contracts(ctx, p, incinerator, recycler, 2, first + dt.timedelta(days=365), short)


# HJ 1259 management classes: p1–p3 key supervision (monthly), p4–p6 simplified (quarterly),
# p7–p8 registration (yearly only).
CLASSES = {1: "key", 2: "key", 3: "key", 4: "simplified", 5: "simplified", 6: "simplified"}


def declare(ctx: Context, day: int, days: int, producers: list[Producer]) -> None:
    """The park sets each producer's management class on the first day; on the 10th of each
    month every producer declares what is due, except p3, which stopped six weeks ago (late)."""
    if day == 0:
        park = actor(ctx, "park")
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


# A receiver outside the park's province (浙江省, 33): p1 has a cross-province approval for it
# (部令第23号 第二十一–二十八条); p2 has a contract with it but no approval, so its bookings there
# are refused until one is entered.
CROSS_RECEIVER = ("91330100MA2XY0012", "浙江海岚危废处置有限公司", "33", "ZJ3301OOD012-2")
CROSS_T = {"271-001-02": "8", "900-041-49": "4"}


def cross_province(ctx: Context) -> None:
    """The out-of-province receiver with its user ``zjreceiver``, contracts of p1 and p2 with it,
    and p1's approval (valid from a month ago for ten months, within the receiver's permit)."""
    body, name, province, permit = CROSS_RECEIVER
    today = ctx.today()
    ent = D.create_enterprise(
        ctx,
        actor=None,
        new=D.NewEnterprise(
            uscc=uscc(body),
            name=name,
            kind="receiver",
            address="浙江省杭州市钱塘区海达南路 18 号",
            contact_name="沈经理",
            contact_phone="0571-8600" + body[-4:],
            province_code=province,
            permits={
                "operating": {
                    "number": permit,
                    "codes": sorted(CROSS_T),
                    "annual_capacity_t": "8000",
                    "valid_until": (today + dt.timedelta(days=700)).isoformat(),
                }
            },
        ),
    )
    D.create_user(
        ctx,
        actor=None,
        new=D.NewUser(
            username="zjreceiver",
            password=PASSWORD,
            role="admin",
            display_name="沈经理",
            enterprise_id=ent.id,
        ),
    )
    receiver = actor(ctx, "zjreceiver")
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=335)
    for n in (1, 2):
        p = actor(ctx, f"p{n}admin")
        number = f"ZJ-1-P{n}-01"
        c = CT.propose_contract(
            ctx,
            actor=p,
            new=CT.NewContract(
                number=number,
                receiver_id=ent.id,
                valid_from=start,
                valid_to=end,
                quantities_t=CROSS_T,
                document=contract_pdf(number),
                document_name=f"{number}.pdf",
                document_type="application/pdf",
            ),
        )
        CT.confirm_contract(ctx, actor=receiver, contract_id=c.id)
    AP.enter_approval(
        ctx,
        actor=actor(ctx, "p1admin"),
        new=AP.NewApproval(
            number=f"苏环危转〔{today.year}〕0123号",
            authority="江苏省生态环境厅",
            receiver_id=ent.id,
            method="D10",
            valid_from=start,
            valid_to=start + dt.timedelta(days=300),
            approved_t={"271-001-02": "6", "900-041-49": "3"},
            document=contract_pdf("SHT-0123"),
            document_name="approval-0123.pdf",
            document_type="application/pdf",
        ),
    )
