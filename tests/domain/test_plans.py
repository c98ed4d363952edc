"""The yearly management plan's tables (HJ 1259-2022 appendix A): prefilled from last year's
rows, checked when edited, hashed canonically."""

from __future__ import annotations

import pytest

from hwtrace.domain.declarations import WasteRow
from hwtrace.domain.errors import BadValue
from hwtrace.domain.plans import A1_FIELDS, TABLES, Sources, check_tables, content_of, prefill
from hwtrace.domain.plans import sha256_of as sha

USCC = "91320500MA1XXXXX0X"  # Jiangsu (32)
SAME = "91320583MA2YYYYY1Y"
OTHER = "91310000MA3ZZZZZ2Z"  # Shanghai (31)


def _src() -> Sources:
    row = WasteRow(
        "900-041-49",
        opening_g=0,
        generated_g=2_500_000,
        self_g={"R4": 100_000},
        out_g={(SAME, "D10"): 1_000_000, (OTHER, "R9"): 400_000},
        closing_g=1_000_000,
    )
    return Sources(
        name="测试化工",
        uscc=USCC,
        address="苏州",
        management_class_zh="简化管理",
        facilities=[{"kind": "storage", "code": "TS001", "name": "一号库", "methods": []}],
        waste={
            "900-041-49": {
                "name": "废包装桶",
                "catalogue_name": "含有或沾染…",
                "category": "HW49",
                "packaging": "桶",
            }
        },
        last_year=[row],
        receivers={SAME: ("绿源", "JS-001"), OTHER: ("沪环", "SH-9")},
    )


def test_prefill_from_last_year() -> None:
    t = prefill(_src())
    assert set(t) == set(TABLES)
    for tid, rows in t.items():
        assert all(len(r) == len(TABLES[tid][1]) for r in rows), tid
    a1 = dict(t["A.1"])
    assert a1["单位名称"] == "测试化工" and a1["统一社会信用代码"] == USCC
    assert [r[0] for r in t["A.1"]] == A1_FIELDS
    assert t["A.2"][0][4:6] == ["TS001", "贮存设施"]
    (a3,) = t["A.3"]
    assert a3[5:8] == ["含有或沾染…", "HW49", "900-041-49"]
    assert a3[11:13] == ["2.500000", "t"] and a3[15] == "TS001"
    assert t["A.4"][0][-3:] == ["桶", "1.000000", "t"]
    assert t["A.5"][0][-3:] == ["R4", "0.100000", "t"]
    a7 = {r[-2]: r for r in t["A.7"]}
    assert a7["绿源"][1] == "省内转移" and a7["绿源"][6:8] == ["1.000000", "t"]
    assert a7["沪环"][1] == "跨省转移" and a7["沪环"][-1] == "SH-9"


def test_edited_tables_are_checked_and_renumbered() -> None:
    t = prefill(_src())
    t["A.6"].append(["", "", "", "", "", "", "", "", ""])  # an empty row: dropped
    t["A.2"].append(["", "二车间", "", "", "", "", "", "", ""])
    t["A.1"] = list(reversed(t["A.1"]))
    clean = check_tables(t)
    assert len(clean["A.6"]) == 1
    assert [r[0] for r in clean["A.2"]] == ["1", "2"] and clean["A.2"][1][1] == "二车间"
    assert [r[0] for r in clean["A.1"]] == A1_FIELDS  # the standard's order, whatever was sent
    bad = dict(t, **{"A.5": [["1", "x"]]})
    with pytest.raises(BadValue) as e:
        check_tables(bad)
    assert e.value.code == "plan.row_width"
    with pytest.raises(BadValue) as e:
        check_tables({k: v for k, v in t.items() if k != "A.7"})
    assert e.value.code == "plan.tables"
    long = dict(t, **{"A.6": [["1", *(["x" * 501] * 8)]]})
    with pytest.raises(BadValue) as e:
        check_tables(long)
    assert e.value.code == "plan.cell"


def test_the_content_hash_covers_every_cell() -> None:
    t = check_tables(prefill(_src()))
    a = content_of(t, year=2027, uscc=USCC, name="测试化工")
    assert a["tables"]["A.3"]["headers"] == TABLES["A.3"][1]
    t["A.6"][0][-1] = "改用可重复使用的包装桶"
    b = content_of(t, year=2027, uscc=USCC, name="测试化工")
    assert sha(a) != sha(b) and sha(b) == sha(content_of(t, year=2027, uscc=USCC, name="测试化工"))
