"""The national waste catalogue (《国家危险废物名录》) as data with an edition, its exemption list,
the method codes, and the other reference vocabularies, read from ``schemas/``.

An :class:`Edition` is one table of the catalogue (2021: 生态环境部令第15号, 467 codes in 46
categories). Editions are shipped in ``schemas/reference/waste-catalogue-<year>.csv`` or built
from rows in the same column format (:func:`edition_from_rows`, used to import a new edition);
:func:`compare` says what changed between two editions, :meth:`Edition.search` finds codes by
code, name, industry, category or keyword.

The catalogue's hazard notation (its footnote) is kept: "T,I" (printed "T，I") means the waste has
T and may also have I; "T/C/I/R" means it has one or more of them (:class:`Hazards`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import schemas
from hwtrace.domain.errors import BadValue, NotFound

HAZARD_ORDER = ("T", "C", "I", "R", "In")
COLUMNS = (
    "category",
    "category_name",
    "industry",
    "code",
    "description",
    "hazards",
    "hazards_official",
)
_CODE = re.compile(r"^[0-9]{3}-[0-9]{3}-[0-9]{2}\Z")
_CATEGORY = re.compile(r"^HW[0-9]{2}\Z")
_YEAR = re.compile(r"^[0-9]{4}\Z")


# -- hazards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hazards:
    """The 危险特性 of a catalogue entry in the catalogue's notation.

    ``has`` are the characteristics the waste has; ``may`` the ones it may also have. "T,I":
    has T, may have I. "T/C/I/R": has one or more of T, C, I, R (``has`` empty, all in ``may``).
    """

    official: str  # as written in the table, with an ASCII comma: "T,I", "T/C/I/R", "T"
    has: tuple[str, ...]
    may: tuple[str, ...]

    @property
    def letters(self) -> tuple[str, ...]:
        """Every characteristic named, in the catalogue's order."""
        return self.has + self.may

    @property
    def one_or_more(self) -> bool:
        """True for the "/" notation: at least one of the letters applies."""
        return not self.has

    @property
    def canonical(self) -> list[str]:
        """The letters in the order T, C, I, R, In (the order profiles and labels use)."""
        return [h for h in HAZARD_ORDER if h in self.letters]

    def describe(self) -> tuple[str, str]:
        """Return the notation in words, (Chinese, English)."""
        if self.one_or_more and len(self.may) > 1:
            joined = "/".join(self.may)
            return f"具有 {joined} 中的一种或几种", f"one or more of {joined}"
        if self.may:
            maybe = "、".join(self.may)
            return (
                f"具有 {self.has[0]}，可能具有 {maybe}",
                f"has {self.has[0]}, may also have {', '.join(self.may)}",
            )
        return f"具有 {self.letters[0]}", f"has {self.letters[0]}"


def parse_hazards(text: str) -> Hazards:
    """Parse the hazard notation "T", "T,I" (or "T，I"), "T/C/I/R"; ValueError if malformed."""
    raw = unicodedata.normalize("NFKC", text).replace(" ", "")
    if "," in raw and "/" in raw:
        raise ValueError(f"hazards {text!r} mix ',' and '/'")
    sep = "," if "," in raw else "/"
    letters = tuple(raw.split(sep))
    if not raw or any(h not in HAZARD_ORDER for h in letters):
        raise ValueError(f"hazards {text!r}: each must be one of {'/'.join(HAZARD_ORDER)}")
    if len(set(letters)) != len(letters):
        raise ValueError(f"hazards {text!r} repeat a letter")
    if len(letters) > 1 and sep == "/":
        return Hazards(raw, (), letters)
    return Hazards(raw, letters[:1], letters[1:])


# -- entries, categories, editions ----------------------------------------------------------


def _norm(text: str) -> str:
    """Text as compared by search: NFKC (full-width to ASCII), no spaces, upper-case letters."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


@dataclass(frozen=True)
class WasteCode:
    """One row of the catalogue."""

    code: str
    category: str
    category_name: str
    industry: str
    description: str
    hazards: Hazards

    @property
    def compact(self) -> str:
        """The code without hyphens, as in the identification code (8 digits)."""
        return self.code.replace("-", "")

    @property
    def category_number(self) -> int:
        return int(self.category[2:])

    @property
    def wording(self) -> dict[str, Any]:
        """The fields an edition may word differently for the same code."""
        return {
            "category_name": self.category_name,
            "industry": self.industry,
            "description": self.description,
            "hazards_official": self.hazards.official,
        }

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON: ``hazards`` in T, C, I, R, In order plus the official notation."""
        zh, en = self.hazards.describe()
        return {
            "code": self.code,
            "category": self.category,
            "category_name": self.category_name,
            "industry": self.industry,
            "description": self.description,
            "hazards": self.hazards.canonical,
            "hazards_official": self.hazards.official,
            "hazards_has": list(self.hazards.has),
            "hazards_may": list(self.hazards.may),
            "hazards_text": zh,
            "hazards_text_en": en,
        }

    def as_row(self) -> dict[str, str]:
        """The entry in the shipped CSV column format."""
        return {
            "category": self.category,
            "category_name": self.category_name,
            "industry": self.industry,
            "code": self.code,
            "description": self.description,
            "hazards": "/".join(self.hazards.letters),
            "hazards_official": self.hazards.official,
        }


@dataclass(frozen=True)
class Category:
    """A waste category (废物类别): HW08 废矿物油与含矿物油废物."""

    code: str
    name: str
    count: int

    @property
    def number(self) -> int:
        return int(self.code[2:])


@dataclass(frozen=True)
class Hit:
    """A search result: the entry, its score (higher first) and the fields that matched."""

    entry: WasteCode
    score: int
    matched: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry.as_dict(), "score": self.score, "matched": list(self.matched)}


@dataclass(frozen=True)
class Edition:
    """One edition of the national catalogue: its year and its rows in catalogue order."""

    edition: str
    codes: tuple[WasteCode, ...]
    source: str = ""
    _by_code: dict[str, WasteCode] = field(init=False, repr=False, compare=False)
    _text: dict[str, tuple[str, str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {c.compact: c for c in self.codes})
        text = {
            c.code: (_norm(c.description), _norm(c.category_name), _norm(c.industry))
            for c in self.codes
        }
        object.__setattr__(self, "_text", text)

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code: str) -> WasteCode | None:
        """Return the entry of a code written with or without hyphens, or None."""
        return self._by_code.get(re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", code)))

    def entry(self, code: str) -> WasteCode:
        """Return the entry of a code, or raise ``waste.unknown_code``."""
        row = self.get(code)
        if row is None:
            raise BadValue(
                zh=f"废物代码 {code} 不在《国家危险废物名录》（{self.edition}年版）中",
                en=f"waste code {code} is not in the national catalogue ({self.edition} edition)",
                code="waste.unknown_code",
                detail={"waste_code": code, "edition": self.edition},
            )
        return row

    @property
    def categories(self) -> tuple[Category, ...]:
        """The categories in catalogue order, with their number of codes."""
        out: dict[str, Category] = {}
        for c in self.codes:
            seen = out.get(c.category)
            out[c.category] = Category(c.category, c.category_name, (seen.count if seen else 0) + 1)
        return tuple(out.values())

    def category(self, text: str) -> Category | None:
        """Resolve "HW08", "hw8", "08", "8" or a category's name (whole or a unique part)."""
        q = _norm(text)
        if not q:
            return None
        m = re.fullmatch(r"(?:HW)?([0-9]{1,2})", q)
        cats = self.categories
        if m:
            return next((c for c in cats if c.number == int(m.group(1))), None)
        exact = [c for c in cats if _norm(c.name) == q]
        part = [c for c in cats if q in _norm(c.name)]
        found = exact or part
        return found[0] if len(found) == 1 else None

    def check_category(self, text: str) -> Category:
        """Return the category "HWnn", or raise ``catalogue.unknown_category``."""
        cat = self.category(text) if _CATEGORY.match(text) else None
        if cat is None:
            raise BadValue(
                zh=f"废物类别「{text}」不在《国家危险废物名录》（{self.edition}年版）中",
                en=f"waste category {text!r} is not in the national catalogue ({self.edition} "
                "edition)",
                code="catalogue.unknown_category",
                detail={
                    "category": text,
                    "edition": self.edition,
                    "known": [c.code for c in self.categories],
                },
            )
        return cat

    def search(
        self,
        q: str,
        *,
        category: str | None = None,
        industry: str | None = None,
        limit: int = 50,
        synonyms: Synonyms | None = None,
    ) -> list[Hit]:
        """Find entries by code (with or without hyphens, or a part of it), category (HW08, 08
        or its name), industry (行业来源), or words of the description; everyday words go
        through the synonym table. Every word of ``q`` must match; best first: an exact code,
        then a code prefix, a category, a curated synonym, an industry, the description."""
        rows: Iterable[WasteCode] = self.codes
        if category:
            cat = self.category(category)
            rows = [r for r in rows if cat is not None and r.category == cat.code]
        if industry:
            ind = _norm(industry)
            rows = [r for r in rows if ind in _norm(r.industry)]
        rows = list(rows)
        words = re.split(r"[\s,;、]+", unicodedata.normalize("NFKC", q))
        tokens = [_norm(w) for w in words if w.strip()]
        if not tokens:
            return [Hit(r, 0, ()) for r in rows[:limit]]
        syn = synonyms if synonyms is not None else shipped_synonyms()
        per_token = [self._score_token(t, rows, syn) for t in tokens]
        hits: list[Hit] = []
        for r in rows:
            scores = [s.get(r.code) for s in per_token]
            if any(s is None for s in scores):
                continue
            total = sum(s[0] for s in scores if s is not None)
            matched = sorted({f for s in scores if s is not None for f in s[1]})
            hits.append(Hit(r, total, tuple(matched)))
        order = {r.code: i for i, r in enumerate(self.codes)}
        hits.sort(key=lambda h: (-h.score, order[h.entry.code]))
        return hits[:limit]

    def _score_token(
        self, tok: str, rows: list[WasteCode], syn: Synonyms
    ) -> dict[str, tuple[int, tuple[str, ...]]]:
        out: dict[str, tuple[int, tuple[str, ...]]] = {}
        if re.fullmatch(r"[0-9-]+", tok) or re.fullmatch(r"HW[0-9]{1,2}", tok):
            for r in rows:
                scored = _code_score(tok, r)
                if scored:
                    out[r.code] = (scored[0], (scored[1],))
                elif len(tok) >= 6 and tok in self._text[r.code][0]:
                    out[r.code] = (100, ("description",))  # "不包括900-405-06…"
            return out
        expansion = syn.expand(tok)
        for r in rows:
            desc, cat, ind = self._text[r.code]
            parts = _text_parts(tok, desc, cat, ind)
            syn_score = expansion.score(r, desc)
            if syn_score:
                parts.append((syn_score, "synonym"))
            if parts:
                best = max(p[0] for p in parts)
                out[r.code] = (best + 30 * (len(parts) - 1), tuple(p[1] for p in parts))
        if not out and len(tok) >= 3:
            out = _similar(tok, rows, self._text)
        return out


def _text_parts(tok: str, desc: str, cat: str, ind: str) -> list[tuple[int, str]]:
    """Score a word against a row's category name, industry and description."""
    parts: list[tuple[int, str]] = []
    if cat == tok:
        parts.append((500, "category"))
    elif tok in cat:
        parts.append((320, "category"))
    if ind == tok:
        parts.append((400, "industry"))
    elif tok in ind:
        parts.append((200, "industry"))
    if tok in desc:
        parts.append((310 if desc.startswith(tok) else 300, "description"))
    return parts


def _code_score(tok: str, r: WasteCode) -> tuple[int, str] | None:
    """Score a code-like word: HW08 / 08 (category), the whole code, its beginning, a part."""
    if tok.startswith("HW") or (tok.isdigit() and len(tok) <= 2):
        return (500, "category") if int(tok.removeprefix("HW")) == r.category_number else None
    digits = tok.replace("-", "")
    if not digits:
        return None
    if digits == r.compact:
        return 1000, "code"
    hyphens = "-" in tok
    if r.code.startswith(tok) if hyphens else r.compact.startswith(digits):
        return 600, "code"
    if tok in r.code if hyphens else digits in r.compact:
        return 150, "code"
    return None


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _similar(
    tok: str, rows: list[WasteCode], text: Mapping[str, tuple[str, str, str]]
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Fallback for a word found nowhere verbatim: rows sharing most of its character pairs."""
    grams = _bigrams(tok)
    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    for r in rows:
        have = _bigrams("".join(text[r.code]))
        ratio = len(grams & have) / len(grams)
        if ratio >= 0.6:
            out[r.code] = (int(100 * ratio), ("similar",))
    return out


# -- synonyms (everyday words) ----------------------------------------------------------------


@dataclass(frozen=True)
class _Expansion:
    terms: frozenset[str]
    codes: Mapping[str, int]
    categories: Mapping[str, int]

    def score(self, r: WasteCode, desc: str) -> int:
        best = max(self.codes.get(r.code, 0), self.categories.get(r.category, 0))
        if any(t in desc for t in self.terms):
            best = max(best, 250)
        return best


@dataclass(frozen=True)
class Synonyms:
    """Everyday words mapped to catalogue terms, codes and categories (a data table)."""

    items: tuple[Mapping[str, Any], ...]

    def expand(self, tok: str) -> _Expansion:
        """What a query word stands for: the word itself (best), a word it contains, or a word
        it begins (someone still typing)."""
        terms: set[str] = set()
        codes: dict[str, int] = {}
        cats: dict[str, int] = {}
        for item in self.items:
            word = _norm(item["word"])
            if word == tok:
                weight = 480
            elif word in tok:
                weight = 420
            elif len(tok) >= 2 and word.startswith(tok):
                weight = 400
            else:
                continue
            terms.update(_norm(t) for t in item.get("terms", ()))
            for c in item.get("codes", ()):
                codes[c] = max(codes.get(c, 0), weight)
            for c in item.get("categories", ()):
                cats[c] = max(cats.get(c, 0), weight)
        return _Expansion(frozenset(terms), codes, cats)


@cache
def shipped_synonyms() -> Synonyms:
    """The synonym table shipped in ``schemas/reference/catalogue-synonyms.json``."""
    return Synonyms(tuple(schemas.reference("catalogue-synonyms")["items"]))


# -- building and comparing editions ----------------------------------------------------------


def edition_from_rows(
    rows: Iterable[Mapping[str, str]], *, edition: str, source: str = ""
) -> Edition:
    """Build an edition from rows in the shipped column format, checking every row: the code's
    form NNN-NNN-NN, that it ends in its category's number, one name per category, unique codes,
    the hazard notation, and that ``hazards`` lists the same letters as ``hazards_official``.
    Raise ``catalogue.invalid`` listing the problems (at most 20)."""
    problems: list[str] = []
    if not _YEAR.match(edition):
        problems.append(f"edition {edition!r} is not a year")
    codes: list[WasteCode] = []
    names: dict[str, str] = {}
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        missing = [c for c in COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            problems.append(f"line {line}: empty or missing {', '.join(missing)}")
            continue
        v = {c: row[c].strip() for c in COLUMNS}
        code, cat = v["code"], v["category"]
        if not _CODE.match(code):
            problems.append(f"line {line}: code {code!r} is not NNN-NNN-NN")
        if not _CATEGORY.match(cat) or code[-2:] != cat[2:]:
            problems.append(f"line {line}: code {code} does not end in category {cat}")
        if names.setdefault(cat, v["category_name"]) != v["category_name"]:
            problems.append(
                f"line {line}: {cat} is named {v['category_name']!r}, before {names[cat]!r}"
            )
        if code in seen:
            problems.append(f"line {line}: code {code} appears twice")
        seen.add(code)
        try:
            hz = parse_hazards(v["hazards_official"])
        except ValueError as e:
            problems.append(f"line {line}: {e}")
            continue
        listed = tuple(re.sub(r"\s", "", unicodedata.normalize("NFKC", v["hazards"])).split("/"))
        if listed != hz.letters:
            problems.append(
                f"line {line}: hazards {v['hazards']!r} do not list the letters of "
                f"{v['hazards_official']!r}"
            )
        codes.append(WasteCode(code, cat, v["category_name"], v["industry"], v["description"], hz))
    if not codes and not problems:
        problems.append("the table has no rows")
    if problems:
        raise BadValue(
            zh=f"名录表格有 {len(problems)} 处错误，未导入",
            en=f"the catalogue table has {len(problems)} problem(s); nothing was imported",
            code="catalogue.invalid",
            detail={"problems": problems[:20], "count": len(problems)},
        )
    return Edition(edition, tuple(codes), source)


# -- the shipped editions ---------------------------------------------------------------------


def shipped_editions() -> tuple[str, ...]:
    """The editions shipped in ``schemas/reference/``, oldest first."""
    return schemas.catalogue_editions()


def shipped(edition: str | None = None) -> Edition:
    """A shipped edition (default: the newest shipped), or raise ``catalogue.unknown_edition``."""
    return _shipped(edition or shipped_editions()[-1])


@cache
def _shipped(edition: str) -> Edition:
    if edition not in shipped_editions():
        raise NotFound(
            zh=f"没有《国家危险废物名录》{edition}年版",
            en=f"no {edition} edition of the national catalogue",
            code="catalogue.unknown_edition",
            detail={"edition": edition, "known": list(shipped_editions())},
        )
    src = schemas.source(f"waste-catalogue-{edition}")["source"]
    return edition_from_rows(schemas.catalogue(edition), edition=edition, source=src)


def waste_entry(code: str, *, edition: str | None = None) -> dict[str, Any]:
    """Return the catalogue row of a waste code as JSON, or raise ``waste.unknown_code``."""
    return shipped(edition).entry(code).as_dict()


def search(q: str, *, category: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Return the best matches in the newest shipped edition as JSON rows, best first."""
    return [h.as_dict() for h in shipped().search(q, category=category, limit=limit)]


# -- exemptions (《危险废物豁免管理清单》) -------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    """One exempt stage of an item of the exemption list."""

    item: int
    applies_to: tuple[str, ...]  # codes, categories (HWnn), or a description of the origin
    waste: str
    stage: str
    condition: str
    exemption: str


@cache
def exemptions(edition: str | None = None) -> tuple[Exemption, ...]:
    """The exemption list of a shipped edition (empty if that edition ships none)."""
    edition = edition or shipped_editions()[-1]
    try:
        rows = schemas.table(f"exemptions-{edition}")
    except FileNotFoundError:
        return ()
    return tuple(
        Exemption(
            int(r["no"]),
            tuple(p.strip() for p in r["category_or_code"].split(";") if p.strip()),
            r["waste"],
            r["exempt_stage"],
            r["condition"],
            r["exemption"],
        )
        for r in rows
    )


def exemptions_for(code: str, *, edition: str | None = None) -> list[Exemption]:
    """The exempt stages that name this code or its category."""
    entry = shipped(edition).entry(code)
    return [
        e
        for e in exemptions(edition)
        if entry.code in e.applies_to or entry.category in e.applies_to
    ]
