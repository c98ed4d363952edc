"""The catalogue as data with an edition: hazard notation, lookup, search, building an edition
from rows and comparing editions (no database, no Flask)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hwtrace.domain import catalogue as cat
from hwtrace.domain import vocabularies
from hwtrace.domain.catalogue import Edition, edition_from_rows, parse_hazards
from hwtrace.domain.catalogue_changes import compare
from hwtrace.domain.errors import BadValue, HwtraceError


@pytest.fixture(scope="module")
def ed() -> Edition:
    return cat.shipped("2021")


def codes(ed: Edition, q: str, **kw: str) -> list[str]:
    return [h.entry.code for h in ed.search(q, limit=500, **kw)]


# -- hazards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "has", "may", "one_or_more"),
    [
        ("T", ("T",), (), False),
        ("In", ("In",), (), False),
        ("T,I", ("T",), ("I",), False),
        ("T，I", ("T",), ("I",), False),  # as printed, full-width comma
        ("C,T", ("C",), ("T",), False),
        ("T,I,R", ("T",), ("I", "R"), False),
        ("T/C/I/R", (), ("T", "C", "I", "R"), True),
        ("T/In", (), ("T", "In"), True),
    ],
)
def test_hazard_notation(text: str, has: tuple[str], may: tuple[str], one_or_more: bool) -> None:
    hz = parse_hazards(text)
    assert (hz.has, hz.may, hz.one_or_more) == (has, may, one_or_more)
    assert hz.official == text.replace("，", ",")


def test_hazards_in_words_and_canonical_order() -> None:
    assert parse_hazards("T,I").describe() == ("具有 T，可能具有 I", "has T, may also have I")
    assert parse_hazards("T/C").describe()[1] == "one or more of T/C"
    assert parse_hazards("C,T").canonical == ["T", "C"]


@pytest.mark.parametrize("bad", ["", "X", "T,I/C", "T,T", "t", "T;I"])
def test_bad_hazard_notation_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_hazards(bad)


# -- the shipped edition ----------------------------------------------------------------------


def test_shipped_edition(ed: Edition) -> None:
    assert ed.edition == "2021" and len(ed) == 467 and len(ed.categories) == 46
    assert sum(c.count for c in ed.categories) == 467
    assert "部令第15号" in ed.source or "令第15号" in ed.source
    assert cat.shipped() is cat.shipped(cat.shipped_editions()[-1])


def test_lookup_with_or_without_hyphens(ed: Edition) -> None:
    e = ed.entry("900-249-08")
    assert (
        ed.get("90024908") is e and ed.get(" 900-249-08 ") is e and ed.get("９００２４９０８") is e
    )
    assert (e.category, e.category_name, e.industry) == (
        "HW08",
        "废矿物油与含矿物油废物",
        "非特定行业",
    )
    d = cat.waste_entry("900-249-08")
    assert d["hazards"] == ["T", "I"] and d["hazards_official"] == "T,I"
    assert d["hazards_has"] == ["T"] and d["hazards_may"] == ["I"]


@pytest.mark.parametrize("code", ["900-000-49", "900-249-09", "abc", ""])
def test_unknown_code(ed: Edition, code: str) -> None:
    with pytest.raises(BadValue) as e:
        ed.entry(code)
    assert e.value.code == "waste.unknown_code" and "2021" in e.value.message_zh


def test_unknown_edition() -> None:
    with pytest.raises(HwtraceError) as e:
        cat.shipped("1998")
    assert e.value.code == "catalogue.unknown_edition" and e.value.status == 404


def test_categories(ed: Edition) -> None:
    for text in ("HW08", "hw8", "08", "8", "废矿物油与含矿物油废物", "含矿物油"):
        assert (c := ed.category(text)) is not None and c.code == "HW08", text
    assert ed.category("HW41") is None and ed.category("废物") is None  # HW41 unused; ambiguous
    assert ed.check_category("HW49").name == "其他废物"
    for bad in ("HW41", "HW99", "8", "其他废物", ""):
        with pytest.raises(BadValue) as e:
            ed.check_category(bad)
        assert e.value.code == "catalogue.unknown_category"


# -- search -----------------------------------------------------------------------------------


def test_everyday_words_find_the_right_codes(ed: Edition) -> None:
    oil = codes(ed, "废矿物油")
    assert oil[0] == "900-249-08"
    hw08 = [c.code for c in ed.codes if c.category == "HW08"]
    assert set(hw08) <= set(oil) and set(oil[: len(hw08)]) == set(hw08)  # HW08 first
    assert codes(ed, "实验室废液")[0] == "900-047-49"
    assert codes(ed, "实验室")[0] == "900-047-49"
    carbon = codes(ed, "废活性炭")
    assert carbon[0] == "900-039-49"
    assert set(carbon) == {c.code for c in ed.codes if "活性炭" in c.description}
    assert codes(ed, "废机油")[:2] == ["900-214-08", "900-249-08"]
    assert codes(ed, "含油抹布") == ["900-041-49"]
    assert codes(ed, "废电瓶")[0] == "900-052-31"


def test_code_search_exact_first_partial_and_without_hyphens(ed: Edition) -> None:
    assert codes(ed, "900-041") == ["900-041-49"]
    assert codes(ed, "900041") == ["900-041-49"]
    assert codes(ed, "90004149") == ["900-041-49"]
    assert codes(ed, "041-49") == ["900-041-49"]
    # the exact code first, then the entries that cite it ("不包括900-405-06…")
    hits = codes(ed, "900-405-06")
    assert hits[0] == "900-405-06" and "900-039-49" in hits[1:]
    assert all(c.startswith("900-") for c in codes(ed, "900-")[:95])


def test_search_by_category_industry_and_filters(ed: Edition) -> None:
    hw08 = {c.code for c in ed.codes if c.category == "HW08"}
    assert set(codes(ed, "HW08")) == hw08 == set(codes(ed, "废矿物油与含矿物油废物"))
    assert set(codes(ed, "", category="08")) == hw08
    chem = codes(ed, "基础化学原料制造")
    assert len(chem) == 142
    assert len(codes(ed, "", industry="非特定行业")) == 95
    assert codes(ed, "污泥", category="HW29") and all(
        c.endswith("-29") for c in codes(ed, "污泥", category="HW29")
    )
    assert codes(ed, "废活性炭", category="HW49") == ["900-039-49"]


def test_every_word_must_match_and_the_limit_holds(ed: Edition) -> None:
    both = codes(ed, "含汞 污泥")
    assert both and all("汞" in ed.entry(c).description + ed.entry(c).category_name for c in both)
    assert all("污泥" in ed.entry(c).description for c in both)
    assert codes(ed, "含汞 900-041") == []
    assert len(ed.search("废", limit=7)) == 7
    assert len(ed.search("", limit=500)) == 467


def test_words_found_nowhere_fall_back_to_similar_entries(ed: Edition) -> None:
    hits = ed.search("化学实验废物")  # not verbatim, not in the synonym table
    assert hits and hits[0].entry.code == "900-047-49" and hits[0].matched == ("similar",)
    assert ed.search("飞机发动机") == []


def test_the_synonym_table_is_data(ed: Edition) -> None:
    syn = cat.Synonyms(({"word": "黑油", "terms": ["废矿物油"], "codes": ["900-214-08"]},))
    hits = ed.search("黑油", synonyms=syn)
    assert hits[0].entry.code == "900-214-08" and len(hits) > 1
    assert ed.search("黑油", synonyms=cat.Synonyms(())) == []


# -- editions: build, check, compare ----------------------------------------------------------


def test_rows_round_trip(ed: Edition) -> None:
    again = edition_from_rows([c.as_row() for c in ed.codes], edition="2021")
    assert again.codes == ed.codes


def test_compare_reports_added_removed_and_changed(ed: Edition) -> None:
    rows = [c.as_row() for c in ed.codes]
    by = {r["code"]: r for r in rows}
    rows.remove(by["900-044-49"])
    by["900-249-08"]["description"] += "（修订）"
    by["900-039-49"].update(hazards="T/I", hazards_official="T,I")
    rows.append({**by["900-041-49"], "code": "900-060-49", "description": "新增的废物"})
    new = edition_from_rows(rows, edition="2025")
    d = compare(ed, new)
    assert [c.code for c in d.added] == ["900-060-49"]
    assert [c.code for c in d.removed] == ["900-044-49"]
    assert {c.code: c.fields for c in d.changed} == {
        "900-249-08": ("description",),
        "900-039-49": ("hazards_official",),
    }
    assert d.lines()[0] == "2021 -> 2025: 1 added, 1 removed, 2 changed"
    assert "~ 900-039-49 hazards_official: T -> T,I" in d.lines()
    assert d.as_dict()["changed"] == {
        "900-249-08": ["description"],
        "900-039-49": ["hazards_official"],
    }
    assert compare(ed, ed).empty
    # the old edition is untouched: batches registered under it keep its wording
    assert ed.entry("900-044-49") and "修订" not in ed.entry("900-249-08").description


def test_a_malformed_table_is_refused_with_every_problem(ed: Edition) -> None:
    good = ed.codes[0].as_row()
    rows = [
        good,
        {**good, "code": "841-1-01"},
        {**good, "code": "841-009-02"},
        {**good, "code": "841-001-01"},  # twice
        {**good, "code": "841-010-01", "category_name": "医药"},
        {**good, "code": "841-011-01", "hazards_official": "T,I/C"},
        {**good, "code": "841-012-01", "hazards": "T", "hazards_official": "T,I"},
        {**good, "code": "841-013-01", "description": ""},
    ]
    with pytest.raises(BadValue) as e:
        edition_from_rows(rows, edition="2025")
    assert e.value.code == "catalogue.invalid" and e.value.detail["count"] == 7
    text = "\n".join(e.value.detail["problems"])
    for part in ("line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9"):
        assert part in text
    with pytest.raises(BadValue):
        edition_from_rows([], edition="2025")
    with pytest.raises(BadValue):
        edition_from_rows([good], edition="next")
    assert replace(ed.codes[0]) == ed.codes[0]


# -- exemptions and methods -------------------------------------------------------------------


def test_exemptions_for_a_code_and_its_category() -> None:
    rags = cat.exemptions_for("900-041-49")
    assert any(e.item == 24 and e.stage == "全部环节" and "含油抹布" in e.waste for e in rags)
    medical = cat.exemptions_for("841-001-01")
    assert {e.item for e in medical} >= {2, 3}  # HW01 (item 2) and the code itself (item 3)
    assert len(cat.exemptions("2021")) == 57


def test_methods_are_provisional_and_known_codes_resolve() -> None:
    status = vocabularies.methods_status()
    assert status["provisional"] and "D2" in status["missing"]
    assert vocabularies.disposal_method("D10") == {"code": "D10", "name": "焚烧"}
    assert {m["code"] for m in vocabularies.disposal_methods()} >= {"R2", "R9", "D10", "C1", "Y10"}
    with pytest.raises(BadValue):
        vocabularies.disposal_method("D2")  # missing from the partial list: refused, not guessed
