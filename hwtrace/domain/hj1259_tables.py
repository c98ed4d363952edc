"""The ledger record tables of HJ 1259-2022 appendix B (B.1 产生, B.2 入库, B.3 出库, B.4 自行利用/
处置, B.5 委外利用/处置) with exactly the standard's columns, in its order, rebuilt from the year's
replay of an enterprise's entries (``domain/annual_records.Replay``).

What fills the columns (docs/standards.md, "HJ 1259-2022 record tables B.1–B.5"):

- 产生批次编码 and 容器/包装编码: the batch's identification code (one labelled container or
  package lot per code);
- 入库/出库/自行利用/处置/委外批次编码: the standard's example form ``HW`` + initials + date +
  three-digit sequence of the day (B.2 ``HWRK``, B.3 ``HWCK``, B.4 ``HWZXLY``/``HWZXCZ``, B.5
  ``HWWWLY``/``HWWWCZ``: utilization when the method code starts with R, else disposal);
- 贮存设施编码: the facility code of the storage room (``domain/facilities.py``), type 贮存库;
- facility codes hwtrace does not record (the generating facility, the in-house utilization or
  disposal facility) are left empty, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hwtrace.domain.annual_records import Replay
from hwtrace.domain.catalogue import waste_entry
from hwtrace.domain.errors import HwtraceError
from hwtrace.domain.times import local_text

NAMES = ["危险废物名称（行业俗称/单位内部名称）", "危险废物名称（国家危险废物名录名称）"]
CONTAINERS = ["容器/包装编码", "容器/包装类型", "容器/包装数量"]
WASTE = [*NAMES, "危险废物类别", "危险废物代码"]

B1 = ["序号", "产生批次编码", "产生时间", *WASTE, "产生量", "计量单位", *CONTAINERS,
      "产生危险废物设施编码", "产生部门经办人", "去向"]  # fmt: skip
B2 = ["序号", "入库批次编码", "入库时间", *CONTAINERS, *WASTE, "入库量", "计量单位",
      "贮存设施编码", "贮存设施类型", "运送部门经办人", "贮存部门经办人",
      "产生批次编码"]  # fmt: skip
B3 = ["序号", "出库批次编码", "出库时间", *CONTAINERS, *WASTE, "出库量", "计量单位",
      "贮存设施编码", "贮存设施类型", "出库部门经办人", "运送部门经办人", "入库批次编码",
      "去向"]  # fmt: skip
B4 = ["序号", "自行利用/处置批次编码", "自行利用/处置时间", *CONTAINERS, *WASTE,
      "自行利用/处置量", "计量单位", "自行利用/处置设施编码", "自行利用/处置方式",
      "自行利用/处置完毕时间", "自行利用/处置部门经办人", "产生批次编码/出库批次编码"]  # fmt: skip
B5 = ["序号", "委外利用/处置批次编码", "出厂时间", *CONTAINERS, *WASTE, "委外利用/处置量",
      "计量单位", "利用/处置方式", "接收单位类型",
      "危险废物经营许可证持有单位：单位名称", "危险废物经营许可证持有单位：许可证编码",
      "危险废物利用处置环节豁免管理单位：单位名称", "境外单位：单位名称",
      "境外单位：出口核准通知单编号", "产生批次编码/出库批次编码"]  # fmt: skip

TITLES = {
    "B.1": "危险废物产生环节记录表",
    "B.2": "危险废物入库环节记录表",
    "B.3": "危险废物出库环节记录表",
    "B.4": "危险废物自行利用/处置环节记录表",
    "B.5": "危险废物委外利用/处置环节记录表",
}
HEADERS = {"B.1": B1, "B.2": B2, "B.3": B3, "B.4": B4, "B.5": B5}
STORE_KIND = "贮存库"
LICENSED = "危险废物经营许可证持有单位"
KG = "kg"


def _catalogue_name(code: str) -> str:
    try:
        return str(waste_entry(code).get("description", ""))
    except HwtraceError:
        return ""


def _kg(v: Decimal) -> str:
    return f"{v.quantize(Decimal('0.001'))}"


class _Numbers:
    """Batch numbers of the standard's example form: prefix + YYYYMMDD + the day's sequence."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.used: dict[str, int] = {}

    def next(self, prefix: str, when: dt.datetime) -> str:
        day = when.astimezone(self.tz).strftime("%Y%m%d")
        key = prefix + day
        self.used[key] = self.used.get(key, 0) + 1
        return f"{key}{self.used[key]:03d}"


def _method_code(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""


def b_tables(
    replay: Replay,
    *,
    names: Mapping[str, str],
    people: Mapping[str, str],
    tz: dt.tzinfo,
    facility_codes: Mapping[str, str],
    permits: Mapping[str, str],
) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Return B.1–B.5 (headers, rows) of the replayed year.

    ``names``: USCC -> enterprise name; ``people``: username -> display name;
    ``facility_codes``: storage room name -> facility code; ``permits``: receiver USCC ->
    operating permit number.
    """
    nums = _Numbers(tz)
    lines = replay.lines

    def when(t: dt.datetime) -> str:
        return local_text(t, tz)[:16]

    def who(op: str) -> str:
        return people.get(op, op)

    def waste(lot: Any) -> list[Any]:
        return [lot.name, _catalogue_name(lot.waste_code), lot.category, lot.waste_code]

    def box(lot: Any) -> list[Any]:
        return [lot.code, lot.packaging, lot.count]

    b1 = [
        [i, x.lot.code, when(x.when), *waste(x.lot), _kg(x.kg), KG, *box(x.lot), "",
         who(x.operator), x.lot.destination or "暂存（未入库）"]
        for i, x in enumerate(lines["generation"], start=1)
    ]  # fmt: skip
    store_in: dict[str, str] = {}
    b2 = []
    for i, x in enumerate(lines["store_in"], start=1):
        number = store_in[x.lot.code] = nums.next("HWRK", x.when)
        b2.append(
            [i, number, when(x.when), *box(x.lot), *waste(x.lot), _kg(x.kg), KG,
             facility_codes.get(x.place, ""), STORE_KIND, who(x.operator), who(x.operator),
             x.lot.code]
        )  # fmt: skip
    store_out: dict[str, str] = {}
    b3 = []
    for i, x in enumerate(lines["store_out"], start=1):
        number = store_out[x.lot.code] = nums.next("HWCK", x.when)
        b3.append(
            [i, number, when(x.when), *box(x.lot), *waste(x.lot), _kg(x.kg), KG,
             facility_codes.get(x.place, ""), STORE_KIND, who(x.operator), "",
             store_in.get(x.lot.code, ""), names.get(x.lot.receiver or "", x.lot.receiver or "")]
        )  # fmt: skip
    b4 = []
    for i, x in enumerate(lines["self_disposal"], start=1):
        kind = "HWZXLY" if _method_code(x.place).startswith("R") else "HWZXCZ"
        b4.append(
            [i, nums.next(kind, x.when), when(x.when), *box(x.lot), *waste(x.lot), _kg(x.kg),
             KG, "", x.place, when(x.when), who(x.operator),
             store_out.get(x.lot.code) or x.lot.code]
        )  # fmt: skip
    b5 = []
    for i, x in enumerate(lines["transfer"], start=1):
        m = replay.manifests[x.place][0]
        method = x.lot.method or str(m.get("planned_method") or "")
        kind = "HWWWLY" if _method_code(method).startswith("R") else "HWWWCZ"
        receiver = str(m.get("receiver") or "")
        b5.append(
            [i, nums.next(kind, x.when), when(x.when), *box(x.lot), *waste(x.lot), _kg(x.kg),
             KG, method, LICENSED, names.get(receiver, receiver),
             permits.get(receiver) or m.get("operating_permit") or "", "", "", "",
             store_out.get(x.lot.code) or x.lot.code]
        )  # fmt: skip
    return {
        "B.1": (list(B1), b1),
        "B.2": (list(B2), b2),
        "B.3": (list(B3), b3),
        "B.4": (list(B4), b4),
        "B.5": (list(B5), b5),
    }
