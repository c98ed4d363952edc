"""Every page text passed to t() has an English form."""

from __future__ import annotations

import re
from pathlib import Path

from hwtrace.pages.i18n import EN

PAGES = Path(__file__).parents[2] / "hwtrace" / "pages"
CALL = re.compile(r"""\bt\(\s*(['"])(.+?)\1\s*\)""")


def test_every_page_string_has_an_english_form() -> None:
    used: set[str] = set()
    for path in [*PAGES.rglob("*.html"), *PAGES.rglob("*.py")]:
        used |= {m.group(2) for m in CALL.finditer(path.read_text(encoding="utf-8"))}
    assert len(used) > 60
    missing = sorted(s for s in used if s not in EN and re.search(r"[\u4e00-\u9fff]", s))
    assert not missing, missing


def test_the_two_tables_of_english_forms_do_not_overlap() -> None:
    from hwtrace.pages import i18n, i18n_features, i18n_fleet

    assert not set(i18n._CORE) & set(i18n_features.FEATURES)
    assert not set(i18n_fleet.FLEET) & (set(i18n._CORE) | set(i18n_features.FEATURES))


def test_every_province_has_an_english_name() -> None:
    from hwtrace.domain.declarations import PROVINCES, PROVINCES_EN

    assert PROVINCES_EN.keys() == PROVINCES.keys() and len(PROVINCES) == 34
    assert all(name.isascii() and name for name in PROVINCES_EN.values())
