"""Transports by URL, and a retrying print job."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, unquote, urlsplit

from printer.errors import (
    PrinterOfflineError,
    PrinterOutOfPaperError,
    PrinterUnavailableError,
    TransportURLError,
)
from printer.transports.base import PrinterStatus, Transport
from printer.transports.file import FileTransport
from printer.transports.memory import MemoryTransport
from printer.transports.tcp import TcpTransport

__all__ = ["PrinterStatus", "Transport", "open_transport", "print_job"]

#: memory:// URLs with a name share one recorder per name (tests read it back).
MEMORY: dict[str, MemoryTransport] = {}


def open_transport(url: str, *, timeout: float = 5.0) -> Transport:
    """Open serial:///dev/rfcomm0?baudrate=9600, tcp://host:9100, file:///path or memory://name.

    :raises TransportURLError: unknown scheme or malformed URL.
    :raises PrinterUnavailableError: the device or host cannot be opened.
    """
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "serial":
        from printer.transports.serial import SerialTransport  # pyserial only when needed

        try:
            baud = int(query.get("baudrate", "9600"))
        except ValueError as exc:
            raise TransportURLError(
                en=f"bad baudrate in {url!r}", zh=f"{url!r} 中的波特率无效"
            ) from exc
        return SerialTransport(
            unquote(parts.path), baudrate=baud, write_timeout=float(query.get("timeout", timeout))
        )
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise TransportURLError(en=f"no host in {url!r}", zh=f"{url!r} 缺少主机名")
        return TcpTransport(
            parts.hostname, parts.port or 9100, timeout=float(query.get("timeout", timeout))
        )
    if parts.scheme == "file":
        return FileTransport(unquote(parts.path), append=query.get("append") == "1")
    if parts.scheme == "memory":
        name = parts.netloc or parts.path
        if not name:
            return MemoryTransport()
        return MEMORY.setdefault(name, MemoryTransport())
    raise TransportURLError(
        en=f"unknown printer URL {url!r}; use serial://, tcp://, file:// or memory://",
        zh=f"无法识别的打印机地址 {url!r}；请使用 serial://、tcp://、file:// 或 memory://",
    )


def print_job(
    data: bytes,
    transport_url: str,
    *,
    retries: int = 3,
    backoff: float = 0.5,
    check_status: bool = False,
    timeout: float = 5.0,
) -> int:
    """Send data to the printer, retrying with exponential backoff; return the attempts used.

    With check_status, a bidirectional ESC/POS link is asked DLE EOT first and an offline or
    out-of-paper printer counts as a failed attempt.

    :raises PrinterUnavailableError: (or a subclass) every attempt failed; names the last cause.
    """
    last: PrinterUnavailableError | None = None
    for attempt in range(1, retries + 2):
        try:
            with open_transport(transport_url, timeout=timeout) as transport:
                if check_status:
                    _check(transport.query_status())
                transport.write(data)
            return attempt
        except PrinterUnavailableError as exc:
            last = exc
            if attempt <= retries:
                time.sleep(backoff * 2 ** (attempt - 1))
    assert last is not None
    raise type(last)(
        zh=f"打印任务重试 {retries + 1} 次后仍失败：{last.zh}",
        en=f"print job failed after {retries + 1} attempts: {last.en}",
    ) from last


def _check(status: PrinterStatus | None) -> None:
    if status is None:
        return
    if status.paper_out:
        raise PrinterOutOfPaperError(en="printer is out of paper", zh="打印机缺纸")
    if not status.online:
        raise PrinterOfflineError(
            en="printer is offline (cover open or error)",
            zh="打印机离线（开盖或故障）",
        )
