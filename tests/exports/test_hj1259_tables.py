"""HJ 1259-2022 appendix B ledger record tables B.1–B.5 as exported: exactly the standard's
columns in its order (written out here from the standard, independently of the code), the
journeys' batches in the right tables with their facility codes and linked batch numbers."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl

from hwtrace.services import audit
from tests.exports.conftest import Journeys

N = [
    "危险废物名称（行业俗称/单位内部名称）",
    "危险废物名称（国家危险废物名录名称）",
    "危险废物类别",
    "危险废物代码",
]
C = ["容器/包装编码", "容器/包装类型", "容器/包装数量"]
STANDARD = {
    "B.1": ["序号", "产生批次编码", "产生时间", *N, "产生量", "计量单位", *C,
            "产生危险废物设施编码", "产生部门经办人", "去向"],
    "B.2": ["序号", "入库批次编码", "入库时间", *C, *N, "入库量", "计量单位", "贮存设施编码",
            "贮存设施类型", "运送部门经办人", "贮存部门经办人", "产生批次编码"],
    "B.3": ["序号", "出库批次编码", "出库时间", *C, *N, "出库量", "计量单位", "贮存设施编码",
            "贮存设施类型", "出库部门经办人", "运送部门经办人", "入库批次编码", "去向"],
    "B.4": ["序号", "自行利用/处置批次编码", "自行利用/处置时间", *C, *N, "自行利用/处置量",
            "计量单位", "自行利用/处置设施编码", "自行利用/处置方式", "自行利用/处置完毕时间",
            "自行利用/处置部门经办人", "产生批次编码/出库批次编码"],
    "B.5": ["序号", "委外利用/处置批次编码", "出厂时间", *C, *N, "委外利用/处置量", "计量单位",
            "利用/处置方式", "接收单位类型", "危险废物经营许可证持有单位：单位名称",
            "危险废物经营许可证持有单位：许可证编码", "危险废物利用处置环节豁免管理单位：单位名称",
            "境外单位：单位名称", "境外单位：出口核准通知单编号", "产生批次编码/出库批次编码"],
}  # fmt: skip


def _sheet(j: Journeys, table: str, who: str = "p1op") -> list[tuple[object, ...]]:
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year
    r = j.world.as_(who).get(f"/api/v1/exports/hj1259-records.xlsx?year={year}&table={table}")
    assert r.status_code == 200, r.get_json()
    return list(openpyxl.load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))


def test_b_tables_have_the_standards_columns_in_order(journeys: Journeys) -> None:
    j = journeys
    audit.sign_checkpoint(j.world.ctx)
    rows = {t: _sheet(j, t) for t in STANDARD}
    for t, cols in STANDARD.items():
        assert list(rows[t][0]) == cols, t
    h = {t: {c: i for i, c in enumerate(cols)} for t, cols in STANDARD.items()}
    b1 = {r[h["B.1"]["产生批次编码"]]: r for r in rows["B.1"][1:]}
    assert set(b1) == set(j.p1)
    first = b1[j.p1[0]]
    assert first[h["B.1"]["容器/包装编码"]] == j.p1[0]
    assert first[h["B.1"]["危险废物代码"]] == "900-041-49"
    assert "包装" in first[h["B.1"]["危险废物名称（国家危险废物名录名称）"]]
    # B.2: every stored batch with its storage facility code and its generation batch
    b2 = rows["B.2"][1:]
    assert {r[h["B.2"]["产生批次编码"]] for r in b2} == set(j.p1)
    assert {r[h["B.2"]["贮存设施编码"]] for r in b2} == {"TS001"}
    rk = {r[h["B.2"]["产生批次编码"]]: r[h["B.2"]["入库批次编码"]] for r in b2}
    assert all(str(v).startswith("HWRK") and len(str(v)) == 15 for v in rk.values())
    # B.3: taken out for the transfer, linked to the store-in batch
    b3 = rows["B.3"][1:]
    out = {r[h["B.3"]["容器/包装编码"]]: r for r in b3}
    assert set(out) == set(j.to_r1)
    for code, r in out.items():
        assert r[h["B.3"]["入库批次编码"]] == rk[code]
        assert str(r[h["B.3"]["出库批次编码"]]).startswith("HWCK")
    # B.4: the batch p1 disposed of itself
    (own,) = rows["B.4"][1:]
    assert own[h["B.4"]["容器/包装编码"]] == j.self_disposed
    assert str(own[h["B.4"]["自行利用/处置批次编码"]]).startswith("HWZXCZ")
    # B.5: handed to r1 with its permit, linked to the store-out batch
    b5 = rows["B.5"][1:]
    assert {r[h["B.5"]["容器/包装编码"]] for r in b5} == set(j.to_r1)
    for r in b5:
        assert r[h["B.5"]["接收单位类型"]] == "危险废物经营许可证持有单位"
        assert r[h["B.5"]["危险废物经营许可证持有单位：许可证编码"]] == "JS3205000001"
        assert str(r[h["B.5"]["危险废物经营许可证持有单位：单位名称"]]).startswith("r1 ")
        code = r[h["B.5"]["容器/包装编码"]]
        assert r[h["B.5"]["产生批次编码/出库批次编码"]] == out[code][h["B.3"]["出库批次编码"]]


def test_b_tables_are_scoped(journeys: Journeys) -> None:
    j = journeys
    audit.sign_checkpoint(j.world.ctx)
    year = dt.datetime.now(ZoneInfo("Asia/Shanghai")).year
    url = f"/api/v1/exports/hj1259-records.xlsx?year={year}&table=B.1"
    assert j.world.app.test_client().get(url).status_code == 401
    r = j.world.as_("p2admin").get(url + f"&enterprise_id={j.world.ids['p1']}")
    assert r.status_code == 404
    r = j.world.as_("park").get(url + f"&enterprise_id={j.world.ids['p1']}")
    assert r.status_code == 200
    r = j.world.as_("p1op").get(url.replace("B.1", "B.9"))
    assert r.status_code == 400
