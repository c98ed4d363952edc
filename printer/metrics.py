"""Text models for the layout: how each kind of output prepares and measures text.

- PDF and PNG embed the same TrueType font, so both measure with its advance widths (read once
  per character with FreeType, basic layout: no bidi reordering or shaping, exactly as
  reportlab draws) and therefore wrap identically.
- Thermal printers use their resident font: a GBK double-byte character is one full cell
  (24 dots in the 24-dot font), a single byte half a cell; characters outside the profile's
  character set are printed as "?".
"""

from __future__ import annotations

from functools import cache, lru_cache, partial

from PIL import ImageFont

from printer.fonts import find_font
from printer.layout import TextModel
from printer.text import clean, printable

_REF_PX = 1000


@cache
def _face(path: str, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, _REF_PX, index=index, layout_engine=ImageFont.Layout.BASIC)


def font_model(font_path: str | None = None) -> TextModel:
    """The model of the embedded TrueType font (argument, $HWTRACE_LABEL_FONT or Debian's).

    :raises FontMissingError: no usable font.
    """
    return _font_model(*find_font(font_path))


@cache
def _font_model(path: str, index: int) -> TextModel:
    face = _face(path, index)

    @lru_cache(maxsize=8192)
    def advance(c: str) -> float:
        return float(face.getlength(c)) / _REF_PX

    return TextModel(clean, advance)


def _cell_advance(charset: str, c: str) -> float:
    try:
        return 0.5 * len(c.encode(charset))
    except UnicodeEncodeError:
        return 0.5


@cache
def thermal_model(charset: str) -> TextModel:
    """The model of a thermal printer's resident font for a character set (e.g. gbk)."""
    return TextModel(
        partial(printable, charset=charset),
        lru_cache(maxsize=8192)(partial(_cell_advance, charset)),
    )
