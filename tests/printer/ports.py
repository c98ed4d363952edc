"""The printer ends of serial links for tests: a reader thread on a file descriptor, and a
Bluetooth serial link stand-in — socat joins two pseudo-terminals, one named like the device
``rfcomm bind`` makes (``.../rfcomm0``) for the sender, the other read by the test as the
printer. The sender opens it exactly as it opens /dev/rfcomm0 (a tty, serial://)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

import pytest


class FdReader:
    """Collects everything that arrives on a file descriptor, in a thread."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.data += os.read(self.fd, 65536)
                except OSError:
                    return

    def wait_until(self, predicate: Callable[[bytes], bool], timeout: float = 20) -> bytes:
        """What arrived once predicate holds (or the timeout passed)."""
        end = time.monotonic() + timeout
        while not predicate(bytes(self.data)) and time.monotonic() < end:
            time.sleep(0.01)
        return bytes(self.data)

    def stop(self) -> None:
        """Stop the reader thread (the descriptor stays open)."""
        self._stop.set()
        self._thread.join(5)


class SocatLink:
    """``socat pty,link=<dir>/rfcomm0 pty,link=<dir>/printer``: write to .device, read .data."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("socat") is None:
            pytest.fail("socat missing: apt-get install socat (scripts/bootstrap.sh does)")
        self.device = folder / "rfcomm0"
        self._printer = folder / "printer"
        self.proc = subprocess.Popen(
            [
                "socat",
                f"pty,raw,echo=0,link={self.device}",
                f"pty,raw,echo=0,link={self._printer}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        end = time.monotonic() + 10
        while not (self.device.exists() and self._printer.exists()):
            if time.monotonic() > end or self.proc.poll() is not None:
                self.close()
                pytest.fail("socat did not create the pty pair")
            time.sleep(0.02)
        fd = os.open(self._printer, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        self.reader = FdReader(fd)

    @property
    def data(self) -> bytes:
        """Everything the printer end received so far."""
        return bytes(self.reader.data)

    def wait_for(self, predicate: Callable[[bytes], bool], timeout: float = 20) -> bytes:
        """What the printer received once predicate holds (or the timeout passed)."""
        return self.reader.wait_until(predicate, timeout)

    def close(self) -> None:
        """Stop reading and end socat (the process this object started)."""
        if hasattr(self, "reader"):
            self.reader.stop()
            os.close(self.reader.fd)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
