"""Label render benchmark: one row per format, mean and p95 per label, bytes per label.

    PYTHONPATH=. .venv/bin/python -m bench.printer_bench [--n 200] [--profile FMT]
    PYTHONPATH=. .venv/bin/python -m bench.printer_bench --baseline main

Rendering is measured warm (the font is registered and the first render done before timing),
which is how a server or PDA process renders: once per label, many labels per process.
With --baseline REV the same measurement runs, in the same run, on the printer/ and schemas/
of git revision REV (extracted to a temporary folder) and each row prints the ratio.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import printer
from printer import LabelData

TARGET_MS = {"pdf": 15.0, "png": None, "escpos": 2.0, "tspl": None}
# ESC/POS: text, QR and CODE128 are native commands; the hazard pictograms are raster images
# (about 1 KB per pictogram at 203 dpi), which HJ 1276 requires on the label.
TARGET_BYTES = {"escpos": 8192}
ROOT = Path(__file__).resolve().parents[1]


def label(i: int) -> LabelData:
    """A distinct realistic label per iteration (so no per-payload cache helps)."""
    code = f"91320500MA1W9XKX3T90004149202611240{i % 100:02d}"[:37]
    return LabelData(
        name="废有机溶剂",
        category="HW06 废有机溶剂与含有机溶剂废物",
        waste_code="900-402-06",
        form="液态",
        hazards=("T", "I"),
        main_components="丙酮、乙酸乙酯",
        harmful_components="丙酮",
        precautions="防火防爆，桶口朝上，远离热源",
        identification_code=code,
        producer="苏州某某化工有限公司",
        contact_person="张三",
        contact_phone="0512-66668888",
        production_date="2026-11-24",
        weight=f"{180 + i}.5 kg",
        remarks="无",
        qr_payload=f"HW1|{code}|900-402-06|{180 + i}.5kg|20261124|Z{i % 10}",
        barcode=code,
    )


def measure(fmt: str, n: int) -> tuple[float, float, float]:
    """Mean ms, p95 ms, mean bytes for n renders of fmt."""
    printer.render_label(label(0), fmt)
    times, sizes = [], []
    for i in range(n):
        lb = label(i + 1000)
        t0 = time.perf_counter()
        data = printer.render_label(lb, fmt)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(data))
    times.sort()
    return statistics.fmean(times), times[int(0.95 * (n - 1))], statistics.fmean(sizes)


def _measure_in(tree: Path | None, fmt: str, n: int) -> tuple[float, float, float]:
    """measure() in a fresh interpreter whose printer/ and schemas/ come from tree (None: this
    checkout), so that both sides of a comparison start equally cold."""
    path = [str(tree)] if tree else []
    code = (
        f"import sys, json; sys.path[:0] = {path!r}; "
        "from bench.printer_bench import measure; "
        f"print(json.dumps(measure({fmt!r}, {n})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    mean, p95, size = json.loads(out.stdout)
    return float(mean), float(p95), float(size)


def compare(rev: str, n: int) -> None:
    """Each format on this checkout and on git revision rev, in the same run; print ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "printer", "schemas"],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        head = f"{'format':8} {'mean ms':>8} {rev + ' ms':>12} {'ratio':>6}"
        print(f"{head} {'bytes':>8} {rev + ' B':>10}")
        for fmt in TARGET_MS:
            base = _measure_in(Path(tmp), fmt, n)
            mine = _measure_in(None, fmt, n)
            print(
                f"{fmt:8} {mine[0]:8.2f} {base[0]:12.2f} {mine[0] / base[0]:6.2f} "
                f"{mine[2]:8.0f} {base[2]:10.0f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--profile", choices=list(TARGET_MS), help="cProfile one format")
    ap.add_argument("--baseline", metavar="REV", help="compare with git revision REV (e.g. main)")
    args = ap.parse_args()
    if args.baseline:
        compare(args.baseline, args.n)
        return
    if args.profile:
        printer.render_label(label(0), args.profile)
        prof = cProfile.Profile()
        prof.enable()
        for i in range(args.n):
            printer.render_label(label(i), args.profile)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return
    print(f"{'format':8} {'mean ms':>8} {'p95 ms':>8} {'bytes':>8}  target              result")
    for fmt, target in TARGET_MS.items():
        mean, p95, size = measure(fmt, args.n)
        goals, ok = [], True
        if target is not None:
            goals.append(f"<= {target:g} ms")
            ok &= mean <= target
        if fmt in TARGET_BYTES:
            goals.append(f"<= {TARGET_BYTES[fmt]} B")
            ok &= size <= TARGET_BYTES[fmt]
        result = ("pass" if ok else "FAIL") if goals else "-"
        print(f"{fmt:8} {mean:8.2f} {p95:8.2f} {size:8.0f}  {', '.join(goals) or '-':18}  {result}")


if __name__ == "__main__":
    main()
