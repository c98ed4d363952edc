"""The label size follows the container volume on the handheld client and the server's command
line: ``hwtrace-pda register`` and ``print`` ask for an unknown volume (a prompt on a terminal,
a refusal naming --volume otherwise), never print a small label; the volume they are given is
recorded with the label or reprint; ``hwtrace label`` does the same."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.pda.conftest import ROOT, Park, PdaCli, pda_env
from tests.pda.test_e2e import HW49, codes_in

MM_PER_PT = 25.4 / 72


def page_mm(pdf: Path) -> float:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    m = re.search(r"Page size:\s+([\d.]+) x", info.stdout)
    assert m, info.stdout
    return round(float(m.group(1)) * MM_PER_PT, 1)


def test_register_without_a_volume_is_refused_before_anything_is_queued(
    park: Park, pda: PdaCli, tmp_path: Path
) -> None:
    out = tmp_path / "label.pdf"
    r = pda.run(
        "register",
        "--profile",
        str(park.profile(HW49)),
        "--weight",
        "5",
        "--printer",
        f"file://{out}",
        "--label-format",
        "pdf",
    )
    assert r.returncode != 0 and "--volume" in r.stderr, (r.stdout, r.stderr)
    assert not out.exists() and pda.status()["queued"] == 0


def test_print_asks_for_the_volume_and_records_it(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    code = park.api(
        "p1op", "/batches", "POST", {"profile_id": park.profile(HW49), "weight_kg": "9"}
    )["code"]
    out = tmp_path / "label.pdf"
    args = ("print", code, "--printer", f"file://{out}", "--label-format", "pdf")
    refused = pda.run(*args)
    assert refused.returncode != 0 and "--volume" in refused.stderr, refused.stderr
    assert not out.exists()
    pda.ok(*args, "--volume", "300")
    assert page_mm(out) == 150
    pda.ok("sync", "--no-progress")
    batch = park.batch(code)
    assert batch["status"] == "LABELLED" and batch["container_volume_l"] == 300
    # a reprint uses the recorded volume, nothing to ask
    out.unlink()
    pda.ok(*args, "--reason", "污损")
    assert page_mm(out) == 150


def test_print_prompts_for_the_volume_on_a_terminal(
    park: Park, pda: PdaCli, tmp_path: Path
) -> None:
    code = park.api(
        "p1op", "/batches", "POST", {"profile_id": park.profile(HW49), "weight_kg": "2"}
    )["code"]
    out = tmp_path / "label.pdf"
    master, slave = os.openpty()
    proc = subprocess.Popen(
        pda.argv("print", code, "--printer", f"file://{out}", "--label-format", "pdf"),
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=pda_env(),
        cwd=ROOT,
    )
    os.close(slave)
    seen = b""
    end = time.monotonic() + 60
    while b"L" not in seen and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.1)
        try:
            seen += os.read(master, 4096) if _readable(master) else b""
        except OSError:
            break
    os.write(master, b"600\n")
    stdout, stderr = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0, (stdout, stderr)
    assert page_mm(out) == 200


def _readable(fd: int) -> bool:
    import select

    return bool(select.select([fd], [], [], 0.1)[0])


def test_offline_local_label_needs_the_volume_too(park: Park, pda: PdaCli, tmp_path: Path) -> None:
    profile = str(park.profile(HW49))
    pda.ok("reserve", "--profile", profile, "--count", "2")
    (code,) = codes_in(
        pda.ok("--offline", "register", "--profile", profile, "--weight", "1", "--no-print").stdout
    )
    out = tmp_path / "local.pdf"
    args = ("--offline", "print", code, "--printer", f"file://{out}", "--label-format", "pdf")
    refused = pda.run(*args)
    assert refused.returncode != 0 and "--volume" in refused.stderr, refused.stderr
    pda.ok(*args, "--volume", "30")
    assert page_mm(out) == 100


def test_hwtrace_label_asks_for_the_volume(park: Park, tmp_path: Path) -> None:
    code = park.api(
        "p1op", "/batches", "POST", {"profile_id": park.profile(HW49), "weight_kg": "7"}
    )["code"]
    out = tmp_path / "cli.pdf"

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hwtrace.cli", "label", code, "-o", str(out), *extra],
            env=park.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    refused = run()
    assert refused.returncode != 0 and "label.volume_required" in refused.stderr
    assert "--volume" in refused.stderr and not out.exists()
    assert run("--volume", "500").returncode == 0
    assert page_mm(out) == 200
