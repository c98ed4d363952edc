"""Printing to a Bluetooth printer bound as /dev/rfcommN, the way the README shows: the label
goes through a real pty pair (socat) over the serial transport and arrives whole, as one
label (one print, one cut) that still decodes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import printer
from tests.printer import emulators
from tests.printer.conftest import LABELS, zbar
from tests.printer.ports import SocatLink


@pytest.fixture
def rfcomm(tmp_path: Path) -> Iterator[SocatLink]:
    link = SocatLink(tmp_path)
    yield link
    link.close()


@pytest.mark.parametrize("fmt", ["escpos", "tspl"])
def test_label_over_rfcomm_arrives_whole(fmt: str, rfcomm: SocatLink, tmp_path: Path) -> None:
    label = LABELS["liquid"]
    data = printer.render_label(label, fmt)
    attempts = printer.print_job(data, f"serial://{rfcomm.device}?baudrate=9600", retries=0)
    assert attempts == 1
    got = rfcomm.wait_for(lambda d: len(d) >= len(data))
    assert got == data
    out = emulators.escpos(got) if fmt == "escpos" else emulators.tspl(got)
    assert out.prints == 1 and out.cuts == (1 if fmt == "escpos" else 0)
    out.pages[0].save(tmp_path / "printed.png")
    assert sorted(zbar(tmp_path / "printed.png")) == sorted([label.qr_payload, label.barcode])


def test_a_file_write_to_the_device_works_too(rfcomm: SocatLink) -> None:
    # `hwtrace label CODE --format escpos -o /dev/rfcomm0` writes the bytes as a file
    data = printer.render_label(LABELS["solid"], "escpos")
    with printer.open_transport(f"file://{rfcomm.device}") as transport:
        transport.write(data)
    assert rfcomm.wait_for(lambda d: len(d) >= len(data)) == data
