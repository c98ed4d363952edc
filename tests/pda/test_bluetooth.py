"""The README's Bluetooth commands, run for real: the printer is bound as a tty named like
/dev/rfcomm0 (a socat pty pair here), ``hwtrace-pda`` registers and prints to it over the
serial transport, ``hwtrace-pda print`` reprints, and ``hwtrace label -o`` writes to it; the
bytes that arrive are the server's label, one print and one cut each."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pda.conftest import Park, PdaCli
from tests.pda.test_e2e import HW49, codes_in, label_bytes
from tests.printer import emulators
from tests.printer.ports import SocatLink


@pytest.fixture
def rfcomm(tmp_path: Path) -> Iterator[SocatLink]:
    link = SocatLink(tmp_path)
    yield link
    link.close()


def test_pda_and_cli_print_to_an_rfcomm_device(
    park: Park, pda: PdaCli, rfcomm: SocatLink, tmp_path: Path
) -> None:
    url = f"serial://{rfcomm.device}?baudrate=9600"
    r = pda.ok(
        "register",
        "--profile",
        str(park.profile(HW49)),
        "--weight",
        "8",
        "--volume",
        "20",
        "--printer",
        url,
    )
    (code,) = codes_in(r.stdout)
    expected = label_bytes(park, code)
    first = rfcomm.wait_for(lambda d: len(d) >= len(expected))
    assert first == expected
    assert (emulators.escpos(first).prints, emulators.escpos(first).cuts) == (1, 1)

    pda.ok("print", code, "--reason", "标签破损", "--printer", url)
    both = rfcomm.wait_for(lambda d: len(d) >= 2 * len(expected))
    assert both == expected * 2

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "hwtrace.cli",
            "label",
            code,
            "--format",
            "escpos",
            "-o",
            str(rfcomm.device),
        ],
        env=park.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    three = rfcomm.wait_for(lambda d: len(d) >= 3 * len(expected))
    assert three == expected * 3
