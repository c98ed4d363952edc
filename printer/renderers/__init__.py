"""Label renderers: one Protocol, one implementation per output format."""

from __future__ import annotations

from typing import Protocol

from printer.label import LabelData, LabelSize
from printer.profiles import PrinterProfile


class Renderer(Protocol):
    """Turn one label into the bytes of one output format."""

    def render(
        self, label: LabelData, size: LabelSize, profile: PrinterProfile | None
    ) -> bytes: ...
