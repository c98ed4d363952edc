"""Declarations on the demo park: every monthly report of the demo year, recomputed here from the
ledger entries with code of its own (a replay to each month's end for the stock, sums of the
month's entries for the flows), has the same numbers as hwtrace's; every submitted version's
content still hashes the same; the park sees who is late."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

import ledger
from hwtrace.services import auth
from hwtrace.services.context import Context


def _token(ctx: Context, who: str) -> str:
    return auth.login(ctx, username=who, password="hwtrace-demo", remote_addr="127.0.0.1").token


def _get(app: Flask, token: str, url: str) -> Any:
    r = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _entries(ctx: Context) -> list[dict[str, Any]]:
    E = ledger.schema.ledger_entry
    with ctx.db.read_session() as s:
        bodies = s.scalars(sa.select(E.c.body).order_by(E.c.seq))
        out = []
        for b in bodies:
            f = json.loads(bytes(b))
            ts = f["client_ts"] or f["server_ts"]
            f["at"] = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
            out.append(f)
        return out


def _g(kg: Any) -> int:
    return int(Decimal(str(kg)) * 1000)


class Recount:
    """One producer's waste recounted from the raw entries."""

    def __init__(self, uscc: str, entries: list[dict[str, Any]]) -> None:
        self.uscc = uscc
        self.entries = entries

    def _walk(self, until: dt.datetime) -> dict[str, dict[str, Any]]:
        """The producer's lots after every entry dated before ``until`` (in ledger order)."""
        lots: dict[str, dict[str, Any]] = {}
        for f in self.entries:
            if f["at"] >= until:
                continue
            t, p, code = f["type"], f["payload"], f["subject"]
            if t == "batch.register" and f["enterprise"] == self.uscc:
                lots[code] = {"waste": p["waste_code"], "g": _g(p["weight_kg"]), "where": "here"}
            elif code in lots and t.startswith("batch."):
                lot = lots[code]
                a = t[6:]
                if a == "correct" and (p.get("changes") or {}).get("weight_kg"):
                    lot["g"] = _g(p["changes"]["weight_kg"]["new"])
                elif a == "void" or (
                    (a in ("utilize", "dispose") and f["enterprise"] == self.uscc)
                    and lot["where"] == "here"
                ):
                    lot["where"] = "gone"
                elif a == "load" and lot["where"] == "here":
                    lot["where"] = "away"
                elif a == "reject" and lot["where"] == "away":
                    lot["where"] = "here"
        return lots

    def stock(self, at: dt.datetime) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for lot in self._walk(at).values():
            if lot["where"] == "here":
                out[lot["waste"]] += lot["g"]
        return dict(out)

    def flows(self, start: dt.datetime, stop: dt.datetime) -> dict[str, dict[str, int]]:
        """generated / self / out grams per waste code of the entries dated in [start, stop)."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        lots: dict[str, dict[str, Any]] = {}
        for f in self.entries:
            if f["at"] >= stop:
                continue
            t, p, code = f["type"], f["payload"], f["subject"]
            inside = f["at"] >= start
            if t == "batch.register" and f["enterprise"] == self.uscc:
                lots[code] = {"waste": p["waste_code"], "g": _g(p["weight_kg"]), "where": "here"}
                if inside:
                    out[p["waste_code"]]["generated"] += _g(p["weight_kg"])
                continue
            if code not in lots or not t.startswith("batch."):
                continue
            lot, a = lots[code], t[6:]
            row = out[lot["waste"]] if inside else defaultdict(int)
            if a == "correct" and (p.get("changes") or {}).get("weight_kg"):
                new = _g(p["changes"]["weight_kg"]["new"])
                row["generated"] += new - lot["g"]
                lot["g"] = new
            elif a == "void" and lot["where"] == "here":
                row["generated"] -= lot["g"]
                lot["where"] = "gone"
            elif a in ("utilize", "dispose") and f["enterprise"] == self.uscc:
                if lot["where"] == "here":
                    row["self"] += lot["g"]
                    lot["where"] = "gone"
            elif a == "load" and lot["where"] == "here":
                row["out"] += lot["g"]
                lot["where"] = "away"
            elif a == "reject" and lot["where"] == "away":
                row["out"] -= lot["g"]
                lot["where"] = "here"
        return {k: dict(v) for k, v in out.items()}


def _t(grams: int) -> str:
    return str((Decimal(grams) / 1_000_000).quantize(Decimal("0.000001")))


def test_every_monthly_report_of_the_demo_year_recomputes(demo: Flask) -> None:
    ctx: Context = demo.extensions["hwtrace"]
    tz = ZoneInfo(ctx.settings.timezone)
    entries = _entries(ctx)
    checked = 0
    for who in ("p1admin", "p2admin", "p3admin"):
        token = _token(ctx, who)
        due = _get(demo, token, "/api/v1/declarations/due")
        months = [d["period"] for d in due if d["kind"] == "month"]
        assert len(months) >= 11, months  # a year of monthly declarations
        me = _get(demo, token, "/api/v1/me")
        uscc = me["enterprise"]["uscc"]
        recount = Recount(uscc, entries)
        for period in months:
            y, m = map(int, period.split("-"))
            start = dt.datetime(y, m, 1, tzinfo=tz)
            stop = dt.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=tz)
            rep = _get(demo, token, f"/api/v1/declarations/report?period={period}")
            got = {w["waste_code"]: w for w in rep["wastes"]}
            opening, closing = recount.stock(start), recount.stock(stop)
            flows = recount.flows(start, stop)
            codes = {
                c
                for c in (*opening, *closing, *flows)
                if opening.get(c) or closing.get(c) or any(flows.get(c, {}).values())
            }
            assert set(got) == codes, (who, period)
            for c in codes:
                f = flows.get(c, {})
                want = {
                    "waste_code": c,
                    "opening_t": _t(opening.get(c, 0)),
                    "generated_t": _t(f.get("generated", 0)),
                    "self_t": _t(f.get("self", 0)),
                    "out_t": _t(f.get("out", 0)),
                    "closing_t": _t(closing.get(c, 0)),
                }
                assert got[c] == want, (who, period, c)
                checked += 1
        # Every version submitted still hashes to what the ledger entry fixed.
        for d in _get(demo, token, "/api/v1/declarations"):
            if d["kind"] == "month":
                rep = _get(demo, token, f"/api/v1/declarations/report?period={d['period']}")
                assert rep["sha256"] == d["content_sha256"], d
    assert checked > 20


def test_the_park_sees_who_is_late(demo: Flask) -> None:
    ctx: Context = demo.extensions["hwtrace"]
    park = _token(ctx, "park")
    items = _get(demo, park, "/api/v1/declarations/due")
    late = {d["enterprise"] for d in items if d["late"]}
    assert late == {"长江精细化工有限公司"}  # p3 stopped declaring six weeks ago
    declared = {d["enterprise"] for d in items if d["version"] > 0}
    assert len(declared) >= 6  # key and simplified producers; yearly ones may owe nothing yet
    assert items[0]["late"] is True  # the late ones first
