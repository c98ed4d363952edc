"""Text that can only ever be printed: every value goes through ``clean`` before any renderer
sees it, and the thermal renderers encode it with ``printable`` (what the printer's resident
font can show), so no stored or typed text can end a TSPL string or start an ESC/POS command.

``clean``:
- line breaks and other whitespace controls (CR, LF, TAB, VT, FF, NEL, U+2028/2029) become one
  space; runs of whitespace collapse; leading and trailing space is dropped;
- every other control character (C0, DEL, C1) becomes U+FFFD, the visible replacement mark, so
  a reader sees that something was removed;
- format characters (category Cf: right-to-left marks and overrides, zero-width characters,
  BOM, soft hyphen) are dropped: they are invisible and bidi overrides could make the printed
  text read differently from the stored one;
- lone surrogates (not characters; no encoder accepts them) become U+FFFD.

``printable`` keeps what the profile's character set encodes (GBK on the usual Chinese
thermal printers) and replaces the rest (emoji, rare CJK extension characters) with "?".
After it, the text's bytes contain no byte below 0x20: a GBK double-byte character has a lead
byte 0x81-0xFE and a trail byte 0x40-0xFE, so neither CR, LF, ESC, GS, FS nor DLE can appear.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

REPLACEMENT = "\ufffd"
UNPRINTABLE = "?"
ELLIPSIS = "…"
_SPACES = re.compile(r"\s+")
_WHITESPACE_CONTROLS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")


@lru_cache(maxsize=4096)
def clean(text: str) -> str:
    """The text with controls, format characters and lone surrogates neutralised (see module)."""
    out: list[str] = []
    for c in text:
        if c in _WHITESPACE_CONTROLS:
            out.append(" ")
            continue
        cat = unicodedata.category(c)
        if cat == "Cc" or cat == "Cs":
            out.append(REPLACEMENT)
        elif cat == "Cf":
            continue
        else:
            out.append(c)
    return _SPACES.sub(" ", "".join(out)).strip()


@lru_cache(maxsize=4096)
def printable(text: str, charset: str) -> str:
    """``clean(text)`` restricted to what charset encodes; other characters become "?"."""
    out: list[str] = []
    for c in clean(text):
        try:
            data = c.encode(charset)
        except UnicodeEncodeError:
            out.append(UNPRINTABLE)
            continue
        out.append(c if min(data) >= 0x20 else UNPRINTABLE)
    return "".join(out)


def is_wide(c: str) -> bool:
    """True for a character a CJK printer font draws full width (East Asian wide/fullwidth)."""
    return unicodedata.east_asian_width(c) in ("W", "F")
