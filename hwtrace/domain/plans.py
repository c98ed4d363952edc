"""The yearly hazardous-waste management plan (危险废物管理计划) of HJ 1259-2022 appendix A, tables
A.1–A.7, with the columns ``hj1259-2022.md`` lists in the standard's order; a draft prefilled
from the previous year's figures (``prefill``), edited by the enterprise and checked
(``check_tables``) before it is confirmed. Which headings could not be confirmed word for word is
in docs/standards.md ("HJ 1259-2022 management plan A.1–A.7").

No database, no Flask: ``services/plans.py`` feeds the previous year's rows and the enterprise's
facilities and profiles."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from hwtrace.domain.declarations import WasteRow, province_of, tonnes
from hwtrace.domain.errors import BadValue

NAMES = ["危险废物名称（行业俗称/单位内部名称）", "危险废物名称（国家危险废物名录名称）"]
WASTE = [*NAMES, "危险废物类别", "危险废物代码"]

A1_FIELDS = ["单位名称", "注册地址", "经营场所地址", "行政区划", "行业类别", "行业代码", "经度",
             "纬度", "统一社会信用代码", "管理类别", "法定代表人", "法定代表人联系电话",
             "技术负责人", "技术负责人联系电话", "环境影响评价批复文号",
             "排污许可证编号"]  # fmt: skip

TABLES: dict[str, tuple[str, list[str]]] = {
    "A.1": ("单位基本信息", ["项目", "内容"]),
    "A.2": ("设施信息", ["序号", "生产单元", "生产工艺", "设施名称", "设施编码", "设施参数",
                        "设计生产能力", "产品名称", "原辅材料名称"]),
    "A.3": ("危险废物产生情况", ["序号", "产生设施编码", "产生设施名称", "产生环节", *WASTE,
                            "有害成分名称", "形态", "危险特性", "本年度预计产生量", "计量单位",
                            "自行利用设施编码", "自行处置设施编码", "贮存设施编码",
                            "设施设计能力"]),
    "A.4": ("危险废物贮存情况", ["序号", "贮存设施编码", "贮存设施类型", *WASTE, "包装形式",
                            "本年度预计剩余贮存量", "计量单位"]),
    "A.5": ("危险废物自行利用/处置情况", ["序号", "设施类型", "设施编码", *WASTE,
                                   "利用/处置方式代码", "本年度预计利用/处置量", "计量单位"]),
    "A.6": ("危险废物减量化计划和措施", ["序号", *WASTE, "本年度预计产生量", "预计减少量",
                                  "计量单位", "减量化措施"]),
    "A.7": ("危险废物转移情况", ["序号", "转移类型", *WASTE, "本年度预计转移量", "计量单位",
                            "利用/处置方式代码", "拟接收单位类型", "拟接收单位名称",
                            "许可证编号"]),
}  # fmt: skip

TITLE_EN = {
    "A.1": "The unit",
    "A.2": "Facilities",
    "A.3": "Waste generated",
    "A.4": "Storage",
    "A.5": "Own utilization/disposal",
    "A.6": "Reduction plan and measures",
    "A.7": "Transfers",
}

MAX_ROWS = 200
MAX_CELL = 500
PERMIT_HOLDER = "危险废物经营许可证持有单位"


@dataclass
class Sources:
    """What a draft is prefilled from: the enterprise, its facilities and waste profiles, and
    the previous year's rows per waste (``domain/declarations.WasteRow``, grams)."""

    name: str
    uscc: str
    address: str
    management_class_zh: str
    facilities: list[dict[str, Any]] = field(default_factory=list)  # kind, code, name, methods
    waste: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> names, form, …
    last_year: list[WasteRow] = field(default_factory=list)
    receivers: dict[str, tuple[str, str]] = field(default_factory=dict)  # USCC -> name, permit


def _waste_cells(src: Sources, code: str) -> list[str]:
    w = src.waste.get(code, {})
    return [w.get("name", ""), w.get("catalogue_name", ""), w.get("category", ""), code]


def _numbered(rows: list[list[str]]) -> list[list[str]]:
    return [[str(i), *r] for i, r in enumerate(rows, start=1)]


def prefill(src: Sources) -> dict[str, list[list[str]]]:
    """The draft's rows per table from last year's figures: expected quantities are last year's
    (generated, utilized/disposed in-house, transferred per receiver and method, stock at the
    year's end), for the enterprise to adjust. What hwtrace does not know is left empty."""
    a1 = dict.fromkeys(A1_FIELDS, "")
    a1.update(
        {
            "单位名称": src.name,
            "注册地址": src.address,
            "经营场所地址": src.address,
            "统一社会信用代码": src.uscc,
            "管理类别": src.management_class_zh,
        }
    )
    kind_zh = {"storage": "贮存设施", "utilization": "利用设施", "disposal": "处置设施"}
    a2 = [["", "", f["name"], f["code"], kind_zh.get(f["kind"], f["kind"]), "", "", ""]
          for f in src.facilities]  # fmt: skip
    stores = ",".join(f["code"] for f in src.facilities if f["kind"] == "storage")
    a3, a4, a5, a6, a7 = [], [], [], [], []
    for r in src.last_year:
        w = src.waste.get(r.waste_code, {})
        cells = _waste_cells(src, r.waste_code)
        if r.generated_g:
            a3.append(["", "", w.get("process", ""), *cells, w.get("harmful", ""),
                       w.get("form", ""), w.get("hazards", ""), tonnes(r.generated_g), "t", "",
                       "", stores, ""])  # fmt: skip
            a6.append([*cells, tonnes(r.generated_g), "", "t", ""])
        if r.closing_g:
            a4.append(["", "贮存库", *cells, w.get("packaging", ""), tonnes(r.closing_g), "t"])
        for method, grams in sorted(r.self_g.items()):
            a5.append(["", "", *cells, method, tonnes(grams), "t"])
        for (rcv, method), grams in sorted(r.out_g.items()):
            name, permit = src.receivers.get(rcv, (rcv, ""))
            same = province_of(rcv) and province_of(rcv) == province_of(src.uscc)
            kind = "省内转移" if same else "跨省转移"
            a7.append([kind, *cells, tonnes(grams), "t", method, PERMIT_HOLDER, name, permit])
    return {
        "A.1": [[k, v] for k, v in a1.items()],
        "A.2": _numbered(a2),
        "A.3": _numbered(a3),
        "A.4": _numbered(a4),
        "A.5": _numbered(a5),
        "A.6": _numbered(a6),
        "A.7": _numbered(a7),
    }


def check_tables(tables: Any) -> dict[str, list[list[str]]]:
    """Return the tables of an edited draft, rows with nothing typed dropped and ``序号``
    renumbered; refuse a missing or unknown table, a row of the wrong width, or too much text."""
    if not isinstance(tables, dict) or set(tables) != set(TABLES):
        raise BadValue(
            zh="管理计划须包含表 A.1 至 A.7", en="a plan has tables A.1 to A.7", code="plan.tables"
        )
    out: dict[str, list[list[str]]] = {}
    for tid, (_, headers) in TABLES.items():
        rows = tables[tid]
        if not isinstance(rows, list) or len(rows) > MAX_ROWS:
            raise BadValue(
                zh=f"表 {tid} 最多 {MAX_ROWS} 行", en=f"table {tid} has at most {MAX_ROWS} rows",
                code="plan.rows", detail={"table": tid},
            )  # fmt: skip
        kept: list[list[str]] = []
        for row in rows:
            if not isinstance(row, list) or len(row) != len(headers):
                raise BadValue(
                    zh=f"表 {tid} 的行应有 {len(headers)} 列",
                    en=f"a row of table {tid} has {len(headers)} columns",
                    code="plan.row_width", detail={"table": tid},
                )  # fmt: skip
            cells = [c.strip() if isinstance(c, str) else "" for c in row]
            if any(len(c) > MAX_CELL for c in cells):
                raise BadValue(
                    zh=f"表 {tid} 的单元格不超过 {MAX_CELL} 字",
                    en=f"a cell of table {tid} holds at most {MAX_CELL} characters",
                    code="plan.cell", detail={"table": tid},
                )  # fmt: skip
            if any(cells[1:]):
                kept.append(cells)
        if tid == "A.1":  # the unit's fields, in the standard's order, whatever was sent
            values = {r[0]: r[1] for r in kept}
            kept = [[f, values.get(f, "")] for f in A1_FIELDS]
        else:
            kept = [[str(i), *r[1:]] for i, r in enumerate(kept, start=1)]
        out[tid] = kept
    return out


def content_of(
    tables: dict[str, list[list[str]]], *, year: int, uscc: str, name: str
) -> dict[str, Any]:
    """The content a confirmation fixes (its SHA-256 is in the ledger)."""
    return {
        "standard": "HJ 1259-2022",
        "appendix": "A",
        "year": year,
        "enterprise": {"uscc": uscc, "name": name},
        "tables": {tid: {"title": TABLES[tid][0], "headers": list(TABLES[tid][1]),
                         "rows": [list(r) for r in rows]}
                   for tid, rows in tables.items()},
    }  # fmt: skip


def sha256_of(content: dict[str, Any]) -> str:
    """The SHA-256 of a content's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
