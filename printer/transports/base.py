"""The transport base: a printer connection owns only the bytes (python-escpos's _raw idea)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from types import TracebackType


@dataclass(frozen=True)
class PrinterStatus:
    """ESC/POS real-time status (DLE EOT): online and paper present."""

    online: bool
    paper_out: bool


class Transport(abc.ABC):
    """One connection to a printer: write(bytes), close(), usable as a context manager."""

    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Send all of data to the printer.

        :raises PrinterUnavailableError: the printer cannot be reached or the write timed out.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release the connection; safe to call twice."""

    def query_status(self) -> PrinterStatus | None:
        """Real-time status where the link is bidirectional; None when it cannot be asked."""
        return None

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# DLE EOT n: 1 = printer status (bit 3 offline), 4 = paper roll sensor (bits 5,6 paper end).
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"


def interpret_status(printer_byte: int, paper_byte: int) -> PrinterStatus:
    """Decode the two DLE EOT answers."""
    return PrinterStatus(online=not printer_byte & 0x08, paper_out=bool(paper_byte & 0x60))
