"""Find the TrueType CJK font the PDF and PNG renderers embed."""

from __future__ import annotations

import os
from pathlib import Path

from printer.errors import FontMissingError

#: Well-known Debian paths, best first: (path, subfont index inside a .ttc collection).
DEBIAN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
)
ENV_VAR = "HWTRACE_LABEL_FONT"


def find_font(path: str | os.PathLike[str] | None = None) -> tuple[str, int]:
    """Return (font path, subfont index): the argument, else $HWTRACE_LABEL_FONT, else Debian's.

    :raises FontMissingError: no usable font; the message names the Debian package.
    """
    explicit = str(path) if path is not None else os.environ.get(ENV_VAR)
    if explicit:
        if Path(explicit).is_file():
            return explicit, 0
        raise FontMissingError(
            en=f"label font {explicit!r} does not exist (from argument or ${ENV_VAR})",
            zh=f"标签字体 {explicit!r} 不存在（参数或环境变量 {ENV_VAR}）",
        )
    for candidate, index in DEBIAN_FONTS:
        if Path(candidate).is_file():
            return candidate, index
    raise FontMissingError(
        en="no TrueType CJK font found for labels; install it with "
        "`apt-get install fonts-wqy-microhei` or set $HWTRACE_LABEL_FONT to a .ttf/.ttc file",
        zh="未找到标签所需的 TrueType 中文字体；请执行 `apt-get install fonts-wqy-microhei`，"
        "或设置环境变量 HWTRACE_LABEL_FONT 指向 .ttf/.ttc 字体文件",
    )
