"""Progress with an ETA for long commands (demo, ledger verify, backup, catalogue import, …):
a bar on the terminal's stderr, and nothing at all when stderr is not a terminal (logs, CI,
pipes), so redirected output stays clean.

    with progress("verify / 校验", unit="entries") as bar:
        audit.verify(ctx, progress=bar.to)      # bar.to(done, total)
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} [{elapsed}, ETA {remaining}]"


class Bar:
    """One bar; ``to(done, total)`` moves it (a callback for the services' loops)."""

    def __init__(self, desc: str, unit: str, total: int | None, stream: TextIO) -> None:
        from tqdm import tqdm

        size = shutil.get_terminal_size((100, 24))
        self._bar: Any = tqdm(
            desc=desc,
            unit=unit,
            total=total,
            file=stream,
            disable=not stream.isatty(),
            bar_format=FORMAT if total is not None else None,
            # The terminal's size; one that reports none (0 x 0) gets 100 x 24, else tqdm
            # would draw nothing.
            ncols=size.columns,
            nrows=size.lines,
            leave=True,
        )

    def to(self, done: int, total: int | None = None) -> None:
        """Show ``done`` of ``total`` (the total may become known late)."""
        if total is not None and total != self._bar.total:
            self._bar.total = total
            self._bar.bar_format = FORMAT
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """Finish the bar."""
        self._bar.close()


@contextmanager
def progress(
    desc: str, unit: str = "it", total: int | None = None, stream: TextIO | None = None
) -> Iterator[Bar]:
    """A bar on ``stream`` (stderr) when it is a terminal; silent otherwise."""
    bar = Bar(desc, unit, total, stream or sys.stderr)
    try:
        yield bar
    finally:
        bar.close()
