"""The reference tables shipped in schemas/reference/: the national waste catalogue
(《国家危险废物名录》, 2021 edition), its exemption list, the provisional method codes and the
synonym table, each with a sidecar naming its source."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import pytest

import schemas
from hwtrace.domain.catalogue import HAZARD_ORDER, parse_hazards

CODE_RE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
TABLES = ("waste-catalogue-2021", "exemptions-2021", "method-codes-partial")

# The 46 categories of the 2021 edition (HW41-HW44 are unused).
CATEGORY_NAMES = {
    "HW01": "医疗废物",
    "HW02": "医药废物",
    "HW03": "废药物、药品",
    "HW04": "农药废物",
    "HW05": "木材防腐剂废物",
    "HW06": "废有机溶剂与含有机溶剂废物",
    "HW07": "热处理含氰废物",
    "HW08": "废矿物油与含矿物油废物",
    "HW09": "油/水、烃/水混合物或乳化液",
    "HW10": "多氯（溴）联苯类废物",
    "HW11": "精（蒸）馏残渣",
    "HW12": "染料、涂料废物",
    "HW13": "有机树脂类废物",
    "HW14": "新化学物质废物",
    "HW15": "爆炸性废物",
    "HW16": "感光材料废物",
    "HW17": "表面处理废物",
    "HW18": "焚烧处置残渣",
    "HW19": "含金属羰基化合物废物",
    "HW20": "含铍废物",
    "HW21": "含铬废物",
    "HW22": "含铜废物",
    "HW23": "含锌废物",
    "HW24": "含砷废物",
    "HW25": "含硒废物",
    "HW26": "含镉废物",
    "HW27": "含锑废物",
    "HW28": "含碲废物",
    "HW29": "含汞废物",
    "HW30": "含铊废物",
    "HW31": "含铅废物",
    "HW32": "无机氟化物废物",
    "HW33": "无机氰化物废物",
    "HW34": "废酸",
    "HW35": "废碱",
    "HW36": "石棉废物",
    "HW37": "有机磷化合物废物",
    "HW38": "有机氰化物废物",
    "HW39": "含酚废物",
    "HW40": "含醚废物",
    "HW45": "含有机卤化物废物",
    "HW46": "含镍废物",
    "HW47": "含钡废物",
    "HW48": "有色金属采选和冶炼废物",
    "HW49": "其他废物",
    "HW50": "废催化剂",
}


@pytest.fixture(scope="module")
def rows() -> tuple[dict[str, str], ...]:
    return schemas.catalogue("2021")


@pytest.mark.parametrize("name", TABLES)
def test_each_table_names_its_source_and_matches_its_digest(name: str) -> None:
    side = schemas.source(name)
    assert side["source"] and side["version"] and side["file"] == f"{name}.csv"
    data = resources.files("schemas").joinpath(f"reference/{name}.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == side["sha256"], "table changed, sidecar not"


def test_2021_is_shipped_and_the_newest_by_default() -> None:
    assert "2021" in schemas.catalogue_editions()
    assert schemas.catalogue() == schemas.catalogue(schemas.catalogue_editions()[-1])
    with pytest.raises(KeyError):
        schemas.catalogue("1998")


def test_full_count_and_categories(rows: tuple[dict[str, str], ...]) -> None:
    assert len(rows) == 467 == schemas.source("waste-catalogue-2021")["counts"]["codes"]
    assert len({r["code"] for r in rows}) == 467
    expected = [f"HW{n:02d}" for n in [*range(1, 41), *range(45, 51)]]
    assert sorted({r["category"] for r in rows}) == expected and len(expected) == 46


def test_every_code_has_the_form_and_ends_in_its_category(rows: tuple[dict[str, str], ...]) -> None:
    for r in rows:
        assert CODE_RE.fullmatch(r["code"]), r
        assert r["code"][-2:] == r["category"][2:], r
        assert all(r[k].strip() for k in ("category_name", "industry", "description")), r


def test_category_names(rows: tuple[dict[str, str], ...]) -> None:
    assert {r["category"]: r["category_name"] for r in rows} == CATEGORY_NAMES
    for r in rows:  # one name per category on every row
        assert CATEGORY_NAMES[r["category"]] == r["category_name"], r["code"]


def test_hazards_parse_and_keep_the_official_notation(rows: tuple[dict[str, str], ...]) -> None:
    kinds = {"single": 0, "has_may": 0, "one_or_more": 0}
    for r in rows:
        hz = parse_hazards(r["hazards_official"])
        assert "/".join(hz.letters) == r["hazards"], r["code"]
        assert set(hz.letters) <= set(HAZARD_ORDER)
        kind = "one_or_more" if hz.one_or_more else "has_may" if hz.may else "single"
        kinds[kind] += 1
    assert kinds == {"single": 371, "has_may": 88, "one_or_more": 8}
    by_code = {r["code"]: parse_hazards(r["hazards_official"]) for r in rows}
    assert (by_code["900-249-08"].has, by_code["900-249-08"].may) == (("T",), ("I",))
    assert by_code["900-047-49"].one_or_more and by_code["900-047-49"].may == ("T", "C", "I", "R")
    assert (by_code["841-001-01"].has, by_code["261-059-35"].has) == (("In",), ("C",))
    assert by_code["336-064-17"].one_or_more and by_code["336-064-17"].may == ("T", "C")
    assert (by_code["251-014-34"].has, by_code["251-014-34"].may) == (("C",), ("T",))  # "C,T"


def test_codes_named_in_the_domain_notes_are_present(rows: tuple[dict[str, str], ...]) -> None:
    present = {r["code"] for r in rows}
    assert {"271-001-02", "900-041-49", "900-249-08", "900-047-49", "900-039-49"} <= present


def test_exemption_list_refers_to_existing_codes_and_categories(
    rows: tuple[dict[str, str], ...],
) -> None:
    ex = schemas.table("exemptions-2021")
    assert len(ex) == 57 and sorted({int(e["no"]) for e in ex}) == list(range(1, 33))
    stages = {"全部环节", "收集", "运输", "利用", "处置", "利用、处置"}
    codes = {r["code"] for r in rows}
    named = 0
    for e in ex:
        assert e["exempt_stage"] in stages and e["condition"] and e["exemption"], e
        for part in e["category_or_code"].split(";"):
            if CODE_RE.fullmatch(part):
                assert part in codes, part
                named += 1
            elif re.fullmatch(r"HW\d{2}", part):
                assert part in CATEGORY_NAMES, part
    assert named > 30


def test_method_list_is_marked_provisional_with_its_gaps() -> None:
    side = schemas.source("method-codes-partial")
    assert side["provisional"] is True and "R10" in side["missing"] and "D2" in side["missing"]
    codes = [m["code"] for m in schemas.table("method-codes-partial")]
    assert len(codes) == len(set(codes)) == 27
    assert not set(codes) & set(side["missing"])
    assert {"R2", "R9", "D10"} <= set(codes)  # used by the demo and the tests


def test_synonyms_point_at_catalogue_words_codes_and_categories(
    rows: tuple[dict[str, str], ...],
) -> None:
    syn = schemas.reference("catalogue-synonyms")
    assert syn["source"] and syn["version"]
    codes = {r["code"] for r in rows}
    text = "\n".join(r["description"] for r in rows)
    words = [i["word"] for i in syn["items"]]
    assert len(words) == len(set(words))
    for item in syn["items"]:
        assert set(item["codes"]) <= codes, item
        assert all(t in text for t in item["terms"]), item
        assert set(item.get("categories", ())) <= set(CATEGORY_NAMES), item
        assert item["codes"] or item["terms"] or item.get("categories"), item
