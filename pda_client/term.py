"""Terminal output: messages in colour with a beep on refusals, and the sync progress bar."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BEL = "\a"
RED, GREEN, YELLOW, RESET = "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[0m"


def _tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _paint(stream: TextIO, colour: str, text: str) -> str:
    return f"{colour}{text}{RESET}" if _tty(stream) else text


def ok(text: str, stream: TextIO | None = None) -> None:
    """A success line in green."""
    out = stream or sys.stdout
    print(_paint(out, GREEN, text), file=out, flush=True)


def info(text: str, stream: TextIO | None = None) -> None:
    """A plain line."""
    out = stream or sys.stdout
    print(text, file=out, flush=True)


def warn(text: str, stream: TextIO | None = None) -> None:
    """A warning line in yellow (no beep)."""
    out = stream or sys.stderr
    print(_paint(out, YELLOW, text), file=out, flush=True)


def refuse(text: str, stream: TextIO | None = None) -> None:
    """A refusal: BEL (the handheld beeps) and the message in red."""
    out = stream or sys.stderr
    print(BEL + _paint(out, RED, text), file=out, flush=True)


class Progress:
    """A one-line progress bar on a terminal; on a pipe, a line every ``every`` seconds."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, every: float = 2.0
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = _tty(self.stream)
        self.every = every
        self.start = time.monotonic()
        self._last = 0.0 if self.tty else self.start
        self.done = 0

    def update(self, done: int, force: bool = False) -> None:
        """Show ``done`` of ``total``."""
        self.done = done
        now = time.monotonic()
        if not force and now - self._last < (0.1 if self.tty else self.every):
            return
        self._last = now
        rate = done / max(now - self.start, 1e-6)
        total = max(self.total, done, 1)
        if self.tty:
            width = 30
            filled = int(width * done / total)
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(
                f"\r{self.label} [{bar}] {done}/{total} {100 * done // total:3d}% {rate:6.0f}/s"
            )
        else:
            self.stream.write(f"{self.label} {done}/{total} {rate:.0f}/s\n")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        self.update(self.done, force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
