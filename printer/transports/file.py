"""A transport that writes to a file (or a device node such as /dev/usb/lp0)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from printer.errors import PrinterUnavailableError
from printer.transports.base import Transport


class FileTransport(Transport):
    """Writes the bytes to path (truncating it unless append)."""

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        try:
            self._fh: BinaryIO | None = open(self.path, "ab" if append else "wb")  # noqa: SIM115
        except OSError as exc:
            raise PrinterUnavailableError(
                en=f"cannot open {self.path}: {exc.strerror}",
                zh=f"无法打开 {self.path}：{exc.strerror}",
            ) from exc

    def write(self, data: bytes) -> None:
        """Write and flush data."""
        if self._fh is None:
            raise PrinterUnavailableError(en="file transport is closed", zh="文件通道已关闭")
        try:
            self._fh.write(data)
            self._fh.flush()
        except OSError as exc:
            raise PrinterUnavailableError(
                en=f"cannot write {self.path}: {exc.strerror}",
                zh=f"无法写入 {self.path}：{exc.strerror}",
            ) from exc

    def close(self) -> None:
        """Close the file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
