"""A Bluetooth serial link stand-in: socat joins two pseudo-terminals, one named like the
device ``rfcomm bind`` makes (``.../rfcomm0``) for the sender, the other read by the test as
the printer. The sender opens it exactly as it opens /dev/rfcomm0 (a tty, serial://)."""

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
        self._fd = os.open(self._printer, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self._fd)
        self.data = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            if ready:
                try:
                    self.data += os.read(self._fd, 65536)
                except OSError:
                    return

    def wait_for(self, predicate: Callable[[bytes], bool], timeout: float = 20) -> bytes:
        """What the printer received once predicate holds (or the timeout passed)."""
        end = time.monotonic() + timeout
        while not predicate(bytes(self.data)) and time.monotonic() < end:
            time.sleep(0.02)
        return bytes(self.data)

    def close(self) -> None:
        """Stop reading and end socat (the process this object started)."""
        self._stop.set()
        if hasattr(self, "_thread"):
            self._thread.join(5)
        if hasattr(self, "_fd"):
            os.close(self._fd)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
