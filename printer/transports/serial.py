"""Serial transport (pyserial): Bluetooth SPP /dev/rfcommN or USB-serial /dev/ttyUSBn."""

from __future__ import annotations

import serial as pyserial

from printer.errors import PrinterTimeoutError, PrinterUnavailableError
from printer.transports.base import (
    DLE_EOT_PAPER,
    DLE_EOT_PRINTER,
    PrinterStatus,
    Transport,
    interpret_status,
)


class SerialTransport(Transport):
    """A serial port opened at baudrate with a write timeout."""

    def __init__(
        self, port: str, *, baudrate: int = 9600, write_timeout: float = 5.0, timeout: float = 0.5
    ) -> None:
        self.port = port
        try:
            self._ser: pyserial.Serial | None = pyserial.Serial(
                port, baudrate=baudrate, write_timeout=write_timeout, timeout=timeout
            )
        except (pyserial.SerialException, OSError) as exc:
            raise PrinterUnavailableError(
                en=f"cannot open printer port {port}: {exc} (is the printer on and paired?)",
                zh=f"无法打开打印机端口 {port}：{exc}（请确认打印机已开机并已配对）",
            ) from exc

    def _port(self) -> pyserial.Serial:
        if self._ser is None:
            raise PrinterUnavailableError(en="serial transport is closed", zh="串口通道已关闭")
        return self._ser

    def write(self, data: bytes) -> None:
        """Write all of data and wait until it has left the buffer."""
        ser = self._port()
        try:
            ser.write(data)
            ser.flush()
        except pyserial.SerialTimeoutException as exc:
            raise PrinterTimeoutError(
                en=f"write to {self.port} timed out (printer busy, off or out of range)",
                zh=f"向 {self.port} 写入超时（打印机忙、已关机或超出蓝牙范围）",
            ) from exc
        except (pyserial.SerialException, OSError) as exc:
            raise PrinterUnavailableError(
                en=f"printer on {self.port} disconnected: {exc}",
                zh=f"{self.port} 上的打印机已断开：{exc}",
            ) from exc

    def query_status(self, timeout: float = 0.5) -> PrinterStatus:
        """Ask the ESC/POS real-time status (DLE EOT 1 and 4).

        :raises PrinterTimeoutError: no answer within timeout.
        """
        ser = self._port()
        ser.timeout = timeout
        answers = []
        try:
            ser.reset_input_buffer()
            for cmd in (DLE_EOT_PRINTER, DLE_EOT_PAPER):
                ser.write(cmd)
                got = ser.read(1)
                if not got:
                    raise PrinterTimeoutError(
                        en="printer did not answer the status query (DLE EOT)",
                        zh="打印机未响应状态查询（DLE EOT）",
                    )
                answers.append(got[0])
        except pyserial.SerialException as exc:
            raise PrinterUnavailableError(
                en=f"printer on {self.port} disconnected: {exc}",
                zh=f"{self.port} 上的打印机已断开：{exc}",
            ) from exc
        return interpret_status(answers[0], answers[1])

    def close(self) -> None:
        """Close the port."""
        if self._ser is not None:
            self._ser.close()
            self._ser = None
