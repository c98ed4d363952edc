"""Scanner input: a keyboard-wedge scanner types the code and Enter (lines on stdin); a serial,
USB-CDC or Bluetooth SPP scanner (``/dev/ttyACM0``, ``/dev/ttyUSB0``, ``/dev/rfcomm0``) sends
ASCII ended by CR or CRLF. Both yield one scan per line, without the line end.

A serial scanner's stream ends when the port closes, on an EOT byte (0x04), after
``max_scans`` scans or ``idle_timeout`` seconds without a scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TextIO

EOT = 0x04


def split_scans(buf: bytearray) -> Iterator[str]:
    """Take every complete line (CR, LF or CRLF ended) out of ``buf``."""
    while True:
        ends = [i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0]
        if not ends:
            return
        end = min(ends)
        line = bytes(buf[:end])
        del buf[: end + 1]
        text = line.decode("ascii", "replace").strip()
        if text:
            yield text


def stdin_scans(
    stream: TextIO, prompt: Callable[[], None] | None = None, stop_on_empty: bool = False
) -> Iterator[str]:
    """Lines typed by a keyboard-wedge scanner (or piped); an empty line is skipped, or ends
    the scans with ``stop_on_empty`` (the interactive menu)."""
    while True:
        if prompt is not None:
            prompt()
        line = stream.readline()
        if not line:
            return
        text = line.strip()
        if text:
            yield text
        elif stop_on_empty:
            return


def serial_scans(
    device: str,
    *,
    baudrate: int = 9600,
    idle_timeout: float | None = None,
    on_ready: Callable[[], None] | None = None,
    stop_stream: TextIO | None = None,
) -> Iterator[str]:
    """Scans from a serial scanner (pyserial is imported only here). With ``stop_stream``
    (the keyboard, in the menu) a typed line is a scan too and an empty line ends the scans."""
    import serial

    try:
        port = serial.Serial(device, baudrate=baudrate, timeout=0.1)
    except (serial.SerialException, OSError) as err:
        raise OSError(f"{device}: {err}") from err
    if on_ready is not None:
        on_ready()
    buf = bytearray()
    last = time.monotonic()
    try:
        while True:
            try:
                chunk = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError):
                chunk = b""
                buf += b"\r"
                yield from split_scans(buf)
                return
            if stop_stream is not None and _ready(stop_stream):
                typed = stop_stream.readline()
                if not typed.strip():
                    return
                yield typed.strip()
            if chunk:
                eot = chunk.find(bytes([EOT]))
                buf += chunk if eot < 0 else chunk[:eot] + b"\r"
                yield from split_scans(buf)
                if eot >= 0:
                    return
                last = time.monotonic()  # after the caller handled the scans
            elif idle_timeout is not None and time.monotonic() - last > idle_timeout:
                return
    finally:
        port.close()


def _ready(stream: TextIO) -> bool:
    import select

    try:
        return bool(select.select([stream], [], [], 0)[0])
    except (OSError, ValueError):
        return False
