"""Raw TCP (port 9100, "JetDirect") transport."""

from __future__ import annotations

import socket

from printer.errors import PrinterTimeoutError, PrinterUnavailableError
from printer.transports.base import (
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterStatus,
    Transport,
    interpret_status,
)


class TcpTransport(Transport):
    """A socket to host:port with connect and write timeouts."""

    def __init__(self, host: str, port: int = 9100, *, timeout: float = 5.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        try:
            self._sock: socket.socket | None = socket.create_connection((host, port), timeout)
        except TimeoutError as exc:
            raise PrinterTimeoutError(
                en=f"printer {host}:{port} did not answer within {timeout:g} s",
                zh=f"打印机 {host}:{port} 在 {timeout:g} 秒内无响应",
            ) from exc
        except OSError as exc:
            raise PrinterUnavailableError(
                en=f"cannot connect to printer {host}:{port}: {exc.strerror or exc}",
                zh=f"无法连接打印机 {host}:{port}：{exc.strerror or exc}（请检查电源和网络）",
            ) from exc

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise PrinterUnavailableError(en="TCP transport is closed", zh="网络打印通道已关闭")
        return self._sock

    def write(self, data: bytes) -> None:
        """Send all of data."""
        try:
            self._socket().sendall(data)
        except TimeoutError as exc:
            raise PrinterTimeoutError(
                en=f"write to {self.host}:{self.port} timed out",
                zh=f"向 {self.host}:{self.port} 发送超时",
            ) from exc
        except OSError as exc:
            raise PrinterUnavailableError(
                en=f"printer {self.host}:{self.port} dropped the connection: {exc}",
                zh=f"打印机 {self.host}:{self.port} 连接中断：{exc}",
            ) from exc

    def query_status(self, timeout: float = 0.5) -> PrinterStatus:
        """Ask the ESC/POS real-time status (DLE EOT 1 and 4).

        :raises PrinterTimeoutError: no answer within timeout.
        """
        sock = self._socket()
        old = sock.gettimeout()
        sock.settimeout(timeout)
        try:
            answers = []
            for cmd in (DLE_EOT_PRINTER, DLE_EOT_PAPER):
                sock.sendall(cmd)
                got = sock.recv(1)
                if not got:
                    raise PrinterUnavailableError(
                        en="printer closed the connection", zh="打印机断开连接"
                    )
                answers.append(got[0])
        except TimeoutError as exc:
            raise PrinterTimeoutError(
                en="printer did not answer the status query (DLE EOT)",
                zh="打印机未响应状态查询（DLE EOT）",
            ) from exc
        finally:
            sock.settimeout(old)
        return interpret_status(answers[0], answers[1])

    def close(self) -> None:
        """Close the socket."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
