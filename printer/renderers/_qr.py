"""QR matrices for the vector and raster renderers (level M, no border; renderers add it)."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=256)
def matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR module matrix for payload."""
    # A fixed mask pattern: qrcode otherwise builds the symbol eight times to score every mask,
    # which was half of a PDF render (cProfile). Any of the eight masks is a valid symbol;
    # the scoring only avoids hard-to-read patterns, and zbar decodes mask 2 in the tests.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=2)
    qr.add_data(payload.encode("utf-8"))
    qr.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in qr.get_matrix())


def runs(row: tuple[bool, ...] | str) -> list[tuple[int, int]]:
    """(start, length) of each dark run in a row of modules."""
    out: list[tuple[int, int]] = []
    start = -1
    for i, v in enumerate(row):
        dark = v in (True, "1")
        if dark and start < 0:
            start = i
        elif not dark and start >= 0:
            out.append((start, i - start))
            start = -1
    if start >= 0:
        out.append((start, len(row) - start))
    return out


#: Byte-mode capacity of QR versions 1-40 at error correction M (ISO/IEC 18004 table 7).
BYTE_CAPACITY_M = (
    14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624,
    666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809,
    1911, 1989, 2099, 2213, 2331,
)  # fmt: skip


def max_modules(payload: str) -> int:
    """Modules per side of the largest symbol a printer's own encoder can make for payload at
    level M (byte mode; an encoder that uses denser modes makes a smaller one), without
    building the symbol."""
    n = len(payload.encode("utf-8"))
    for version, capacity in enumerate(BYTE_CAPACITY_M, start=1):
        if n <= capacity:
            return 17 + 4 * version
    raise ValueError(f"a QR code holds at most {BYTE_CAPACITY_M[-1]} bytes at level M")
