"""A transport that records the bytes written, for tests."""

from __future__ import annotations

from printer.transports.base import Transport


class MemoryTransport(Transport):
    """Keeps every write in .writes and the concatenation in .data."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    @property
    def data(self) -> bytes:
        """Everything written so far."""
        return b"".join(self.writes)

    def write(self, data: bytes) -> None:
        """Record data."""
        self.writes.append(bytes(data))

    def close(self) -> None:
        """Mark closed."""
        self.closed = True
