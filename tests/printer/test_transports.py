"""Transports against real endpoints: a pseudo-terminal pair and a TCP server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

import printer
from printer.transports import MEMORY, open_transport, print_job
from tests.printer.conftest import LABELS
from tests.printer.ports import FdReader


class PtyReader(FdReader):
    """The printer end of a pty pair: collects bytes until idle."""

    def __init__(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.master, self._slave = master, slave
        self.path = os.ttyname(slave)
        super().__init__(master)

    def wait_for(self, n: int, timeout: float = 5.0) -> bytes:
        return self.wait_until(lambda d: len(d) >= n, timeout)

    def close(self) -> None:
        self.stop()
        os.close(self.master)
        os.close(self._slave)


class TcpReader:
    """A raw-9100-style server: accepts connections, records each connection's bytes."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
                self.jobs.append(b"".join(chunks))

    def wait_jobs(self, n: int, timeout: float = 5.0) -> list[bytes]:
        end = time.monotonic() + timeout
        while len(self.jobs) < n and time.monotonic() < end:
            time.sleep(0.01)
        return self.jobs

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def pty_reader() -> Iterator[PtyReader]:
    reader = PtyReader()
    yield reader
    reader.close()


@pytest.fixture
def tcp_reader() -> Iterator[TcpReader]:
    reader = TcpReader()
    yield reader
    reader.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_escpos_over_pty_arrives_whole(pty_reader: PtyReader) -> None:
    data = printer.render_label(LABELS["liquid"], "escpos")
    attempts = print_job(data, f"serial://{pty_reader.path}?baudrate=115200", retries=0)
    assert attempts == 1
    assert pty_reader.wait_for(len(data)) == data


def test_tspl_over_tcp_arrives_whole(tcp_reader: TcpReader) -> None:
    data = printer.render_label(LABELS["gas"], "tspl")
    print_job(data, f"tcp://127.0.0.1:{tcp_reader.port}", retries=0)
    assert tcp_reader.wait_jobs(1) == [data]


def test_missing_serial_device_then_retry_succeeds(tmp_path: Path, pty_reader: PtyReader) -> None:
    link = tmp_path / "rfcomm0"
    url = f"serial://{link}"
    with pytest.raises(printer.PrinterUnavailableError) as exc:
        print_job(b"x", url, retries=1, backoff=0.01)
    assert exc.value.code == "printer.unavailable" and "rfcomm0" in exc.value.en
    data = printer.render_label(LABELS["solid"], "escpos")
    threading.Timer(0.15, lambda: link.symlink_to(pty_reader.path)).start()
    attempts = print_job(data, url, retries=5, backoff=0.05)
    assert attempts > 1
    assert pty_reader.wait_for(len(data)) == data


def test_closed_tcp_port_then_retry_succeeds() -> None:
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}?timeout=1"
    with pytest.raises(printer.PrinterUnavailableError, match="打印任务重试 2 次后仍失败"):
        print_job(b"x", url, retries=1, backoff=0.01)
    data = printer.render_label(LABELS["solid"], "tspl")
    readers: list[TcpReader] = []
    threading.Timer(0.15, lambda: readers.append(TcpReader(port))).start()
    attempts = print_job(data, url, retries=5, backoff=0.05)
    assert attempts > 1
    # the timer thread appends the reader after it is already listening
    while not readers:
        time.sleep(0.01)
    assert readers[0].wait_jobs(1) == [data]
    readers[0].close()


def test_status_query_over_pty(pty_reader: PtyReader) -> None:
    with open_transport(f"serial://{pty_reader.path}") as transport:
        # answer DLE EOT 1 with "offline" bit clear and DLE EOT 4 with paper-end bits set
        def answer() -> None:
            pty_reader.wait_for(3)
            os.write(pty_reader.master, b"\x12")
            pty_reader.wait_for(6)
            os.write(pty_reader.master, b"\x72")

        threading.Thread(target=answer).start()
        status = transport.query_status()
    assert status is not None and status.online and status.paper_out


def test_status_query_times_out_on_silent_printer(pty_reader: PtyReader) -> None:
    with (
        open_transport(f"serial://{pty_reader.path}") as transport,
        pytest.raises(printer.PrinterTimeoutError),
    ):
        transport.query_status(timeout=0.1)


def test_out_of_paper_fails_the_job_with_its_code(tcp_reader: TcpReader) -> None:
    from printer.transports import _check
    from printer.transports.base import PrinterStatus

    with pytest.raises(printer.PrinterOutOfPaperError) as exc:
        _check(PrinterStatus(online=True, paper_out=True))
    assert exc.value.code == "printer.out_of_paper"


def test_bad_url() -> None:
    with pytest.raises(printer.TransportURLError):
        open_transport("lpd://printer")


def test_memory_url_records() -> None:
    MEMORY.pop("t1", None)
    print_job(b"abc", "memory://t1")
    assert MEMORY["t1"].data == b"abc"
