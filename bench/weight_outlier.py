"""False alarms of the weight-outlier warning on the demo year: the rule before (a modified
z-score over the profile's last 50 batches, threshold 3.5) against the rule now
(``hwtrace.domain.warnings.weight_outlier`` and ``correction_outlier``), on the same ledger.

    python -m bench.weight_outlier [--batches 40] [--seeds 7,8,9]

Each seed builds the demo park on a scratch SQLite database (``hwtrace.demo.seed``: a simulated
year, 8 producers, three waste profiles each), then replays its ledger in order: every
``batch.register`` is judged against the same profile's earlier batches (voided ones left out,
as at registration), every weight correction by both rules. The demo's containers vary by a few
per cent (at most ±10 %) and one in twenty leaves part-filled, so every flag on them is a false
alarm; its two deliberate slips are p7's declaration of 1,850 kg (a digit too many in a 180 kg
drum) and p8's correction multiplying a ton bag's weight by ten, which a rule should flag.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from hwtrace import migrate
from hwtrace.app import create_app
from hwtrace.demo import seed
from hwtrace.domain import warnings as W
from hwtrace.domain.quantities import kg_to_g
from hwtrace.keys import init_keys


def rule_before(weight_g: int, history_g: list[int]) -> bool:
    """The rule as it was: modified z-score 0.6745·|w − median| / MAD > 3.5 over the last 50
    batches (at least 10); with MAD 0, more than 50 % from the median. Corrections unjudged."""
    if len(history_g) < 10:
        return False
    xs = sorted(history_g)
    med = _median([Decimal(x) for x in xs])
    mad = _median(sorted(abs(Decimal(x) - med) for x in xs))
    dev = abs(Decimal(weight_g) - med)
    if mad == 0:
        return bool(med and dev / med > Decimal("0.5"))
    return Decimal("0.6745") * dev / mad > Decimal("3.5")


def _median(xs: list[Decimal]) -> Decimal:
    n, mid = len(xs), len(xs) // 2
    return xs[mid] if n % 2 else (xs[mid - 1] + xs[mid]) / 2


def replay(entries: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """Judge every registration and weight correction of a ledger with both rules."""
    history: dict[int, list[tuple[str, int]]] = defaultdict(list)  # profile -> (code, g)
    profile_of: dict[str, int] = {}
    voided: set[str] = set()
    out: dict[str, Any] = {
        "registrations": 0,
        "corrections": 0,
        "before": {"ordinary": 0, "slips": 0},
        "now": {"ordinary": 0, "slips": 0},
        "slips": 0,
    }
    for etype, code, payload in entries:
        if etype == "batch.void":
            voided.add(code)
            continue
        if etype == "batch.register":
            pid, g = int(payload["profile_id"]), kg_to_g(payload["weight_kg"])
            past = [w for c, w in reversed(history[pid]) if c not in voided][: W.OUTLIER_WINDOW]
            slip = g == 1_850_000  # p7's declaration with a digit too many
            out["registrations"] += 1
            out["slips"] += slip
            what = "slips" if slip else "ordinary"
            out["before"][what] += rule_before(g, past)
            out["now"][what] += W.weight_outlier(g, past) is not None
            history[pid].append((code, g))
            profile_of[code] = pid
        elif etype == "batch.correct" and "weight_kg" in payload.get("changes", {}):
            change = payload["changes"]["weight_kg"]
            old, new = kg_to_g(change["old"]), kg_to_g(change["new"])
            pid = profile_of[code]
            past = [w for c, w in reversed(history[pid]) if c not in voided and c != code]
            past = past[: W.OUTLIER_WINDOW]
            slip = Decimal(new) >= 5 * old  # p8's ton bag, a digit missing
            out["corrections"] += 1
            out["slips"] += slip
            what = "slips" if slip else "ordinary"
            # Before, a correction was never judged.
            judged = W.weight_outlier(new, past)
            in_line = judged is None and len(past) >= W.OUTLIER_MIN_HISTORY
            flag = None if in_line else W.correction_outlier(old, new) or judged
            out["now"][what] += flag is not None
    return out


def demo_ledger(batches: int, rng_seed: int, tmp: Path) -> list[tuple[str, str, dict[str, Any]]]:
    url = f"sqlite:///{tmp / f'demo-{rng_seed}.sqlite'}"
    migrate.upgrade(url)
    init_keys(tmp / "key", "hwtrace.local/bench", None)
    app = create_app(
        {
            "DATABASE_URL": url,
            "LEDGER_KEY_FILE": os.fspath(tmp / "key"),
            "SECRET_KEY": "bench",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 256,
            "LOG_LEVEL": "WARNING",
        }
    )
    ctx = app.extensions["hwtrace"]
    try:
        seed(ctx, batches_per_producer=batches, rng_seed=rng_seed)
        with ctx.db.read_session() as s:
            return [
                (e.entry_type, e.subject or "", e.payload)
                for e in ctx.log.entries(s.connection())
                if e.entry_type in ("batch.register", "batch.correct", "batch.void")
            ]
    finally:
        ctx.db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", type=int, default=40, help="batches per producer (demo)")
    ap.add_argument("--seeds", default="7,8,9", help="demo random seeds, comma-separated")
    args = ap.parse_args()
    total: dict[str, Any] = {}
    print(f"# weight-outlier false alarms on the demo year, {args.batches} batches per producer")
    print(
        f"{'seed':>6} {'judged':>7} {'ordinary':>9} {'slips':>6}   "
        f"{'before: false / slips caught':>28}   {'now: false / slips caught':>26}"
    )
    for rng_seed in (int(x) for x in args.seeds.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            r = replay(demo_ledger(args.batches, rng_seed, Path(tmp)))
        judged = r["registrations"] + r["corrections"]
        ordinary = judged - r["slips"]
        b, n = r["before"], r["now"]
        print(
            f"{rng_seed:>6} {judged:>7} {ordinary:>9} {r['slips']:>6}   "
            f"{b['ordinary']:>12} ({100 * b['ordinary'] / ordinary:4.1f} %) / {b['slips']}/"
            f"{r['slips']:<6}   {n['ordinary']:>10} ({100 * n['ordinary'] / ordinary:4.1f} %) / "
            f"{n['slips']}/{r['slips']}"
        )
        for k in ("registrations", "corrections", "slips"):
            total[k] = total.get(k, 0) + r[k]
        for side in ("before", "now"):
            for k in ("ordinary", "slips"):
                total[f"{side}_{k}"] = total.get(f"{side}_{k}", 0) + r[side][k]
    ordinary = total["registrations"] + total["corrections"] - total["slips"]
    print(
        f"total: {ordinary} ordinary weights, {total['slips']} slips; false alarms before "
        f"{total['before_ordinary']}, now {total['now_ordinary']}; slips caught before "
        f"{total['before_slips']}, now {total['now_slips']}"
    )


if __name__ == "__main__":
    main()
