"""CODE128 symbol planning shared by the renderers: code-set segmentation and module counts."""

from __future__ import annotations

from functools import lru_cache

from barcode.codex import Code128

QUIET_MODULES = 10  # quiet zone each side, in modules


def segments(data: str) -> list[tuple[str, str]]:
    """Split data into (code set, text) runs: "C" for even digit runs of 4 or more, else "B".

    This is the segmentation the native ESC/POS command is given ({B / {C), so the module count
    below is what the printer will print.
    """
    out: list[tuple[str, str]] = []
    i = 0
    n = len(data)
    while i < n:
        j = i
        while j < n and data[j].isdigit():
            j += 1
        run = j - i
        at_end = j == n
        if run >= 4 or (run >= 2 and run == n) or (run >= 2 and at_end and i == 0):
            if run % 2:
                # odd run: the first digit goes to code B, the rest pairs in code C
                _append(out, "B", data[i])
                i += 1
            _append(out, "C", data[i:j])
            i = j
        else:
            k = j if run else i + 1
            # take non-digits (and short digit runs) into code B
            _append(out, "B", data[i:k])
            i = k
    return out


def _append(out: list[tuple[str, str]], code_set: str, text: str) -> None:
    if out and out[-1][0] == code_set:
        out[-1] = (code_set, out[-1][1] + text)
    else:
        out.append((code_set, text))


def native_modules(data: str) -> int:
    """Modules of the symbol (without quiet zones) for the segmentation above."""
    segs = segments(data)
    symbols = 1  # start
    for idx, (code_set, text) in enumerate(segs):
        if idx:
            symbols += 1  # code switch
        symbols += len(text) // 2 if code_set == "C" else len(text)
    symbols += 1  # check symbol
    return symbols * 11 + 13


@lru_cache(maxsize=256)
def bars(data: str) -> str:
    """The module pattern ('1' bar, '0' space) without quiet zones, for vector/raster renderers."""
    pattern: str = Code128(data).build()[0]
    return pattern


def modules(data: str) -> int:
    """The widest module count any renderer will produce for this data."""
    return max(native_modules(data), len(bars(data)))
