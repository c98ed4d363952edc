"""Batch and ledger exports as CSV and XLSX, scoped per role: a producer never sees another
producer's rows, a receiver only what was sent to it, the park everything."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from hwtrace.reports.spreadsheet import to_csv, to_xlsx
from hwtrace.services import exports
from tests.exports.conftest import Journeys

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    assert b"\r\n" in data
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def _xlsx(data: bytes) -> tuple[Any, list[list[Any]]]:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


def _get(j: Journeys, who: str, url: str, mimetype: str) -> bytes:
    r = j.world.as_(who).get(url)
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == mimetype
    assert r.headers["Content-Disposition"].startswith("attachment;")
    return r.data


def _codes_csv(j: Journeys, who: str, query: str = "") -> set[str]:
    rows = _csv(_get(j, who, f"/api/v1/exports/batches.csv{query}", "text/csv"))
    assert rows[0] == exports.BATCH_HEADERS
    return {r[0] for r in rows[1:]}


def test_batch_exports_are_scoped_per_role(journeys: Journeys) -> None:
    j = journeys
    p1, p2 = set(j.p1), set(j.p2)
    assert _codes_csv(j, "p1op") == p1
    assert _codes_csv(j, "p1admin") == p1
    assert _codes_csv(j, "p2op") == p2
    assert _codes_csv(j, "r1") == set(j.to_r1)
    assert _codes_csv(j, "r2") == set(j.to_r2)
    assert _codes_csv(j, "t") == set(j.to_r1) | p2
    assert _codes_csv(j, "park") == p1 | p2
    assert _codes_csv(j, "auditor") == p1 | p2
    # enterprise_id narrows (the park to one producer) and never widens (a producer asking
    # for another producer's batches gets none of them).
    ids = j.world.ids
    assert _codes_csv(j, "park", f"?enterprise_id={ids['p1']}") == p1
    assert _codes_csv(j, "auditor", f"?enterprise_id={ids['r2']}") == p2
    assert _codes_csv(j, "p1op", f"?enterprise_id={ids['p2']}") == set()
    assert _codes_csv(j, "p1op", f"?enterprise_id={ids['r1']}") == set(j.to_r1)
    assert _codes_csv(j, "r1", f"?enterprise_id={ids['p2']}") == set()
    # filters
    assert _codes_csv(j, "p1op", "?status=STORED") == {j.in_store}
    assert _codes_csv(j, "park", "?status=DISPOSED") == {j.to_r1[0], j.self_disposed, j.p2[0]}
    assert _codes_csv(j, "park", "?waste_code=900-041-49") == p1 | p2
    assert _codes_csv(j, "park", "?since=2000-01-01&until=2000-12-31") == set()
    assert _codes_csv(j, "park", "?until=2999-12-31") == p1 | p2


def test_batch_csv_content(journeys: Journeys) -> None:
    j = journeys
    rows = _csv(_get(j, "p1op", "/api/v1/exports/batches.csv", "text/csv"))
    h = rows[0]
    by_code = {r[0]: dict(zip(h, r, strict=True)) for r in rows[1:]}
    a = by_code[j.to_r1[0]]
    assert a["废物名称"] == "废包装桶" and a["废物代码"] == "900-041-49"
    assert a["重量（kg）"] == "100.000" and a["状态"] == "已处置"
    assert a["联单编号"] == j.n1 and a["接收重量（kg）"] == "100.000"
    assert "测试单位" in a["产生单位"] and a["产生单位统一社会信用代码"] == j.usccs["p1"]
    assert "r1 测试单位" in a["接收单位"] and "t 测试单位" in a["运输单位"]
    assert by_code[j.in_store]["贮存库房"] == "1号库"
    assert by_code[j.in_store]["状态"] == "已入库"


def test_batch_xlsx_reads_back(journeys: Journeys) -> None:
    j = journeys
    data = _get(j, "p2op", "/api/v1/exports/batches.xlsx", XLSX)
    ws, rows = _xlsx(data)
    assert rows[0] == exports.BATCH_HEADERS
    assert {r[0] for r in rows[1:]} == set(j.p2)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 38  # the identification code fits
    weight = rows[0].index("重量（kg）")
    assert all(r[weight] == Decimal("40") or r[weight] == 40 for r in rows[1:])
    # the same rows as the CSV
    csv_rows = _csv(_get(j, "p2op", "/api/v1/exports/batches.csv", "text/csv"))
    assert [r[0] for r in csv_rows[1:]] == [r[0] for r in rows[1:]]


def _ledger(j: Journeys, who: str, fmt: str = "csv", query: str = "") -> list[list[Any]]:
    if fmt == "csv":
        rows = _csv(_get(j, who, f"/api/v1/exports/ledger.csv{query}", "text/csv"))
    else:
        _, rows = _xlsx(_get(j, who, f"/api/v1/exports/ledger.xlsx{query}", XLSX))
    assert list(rows[0]) == exports.LEDGER_HEADERS
    return rows[1:]


def test_ledger_exports_are_scoped_per_role(journeys: Journeys) -> None:
    j = journeys
    subject = exports.LEDGER_HEADERS.index("对象")
    usccs = exports.LEDGER_HEADERS.index("单位统一社会信用代码")
    p1_view = _ledger(j, "p1op")
    subjects = {r[subject] for r in p1_view}
    assert set(j.p1) <= subjects and j.n1 in subjects
    assert not subjects & (set(j.p2) | {j.n2})
    # no entry written by p2 or r2 reaches p1
    assert {r[usccs] for r in p1_view}.isdisjoint({j.usccs["p2"], j.usccs["r2"]})
    p2_view = {r[subject] for r in _ledger(j, "p2op", "xlsx")}
    assert set(j.p2) <= p2_view and not p2_view & (set(j.p1) | {j.n1})
    park = {r[subject] for r in _ledger(j, "park")}
    assert set(j.p1) | set(j.p2) | {j.n1, j.n2} <= park
    # narrowing to a producer p1 never dealt with: as if it did not exist (docs/security.md)
    r = j.world.as_("p1op").get(f"/api/v1/exports/ledger.csv?enterprise_id={j.world.ids['p2']}")
    assert r.status_code == 404
    narrowed = {r[subject] for r in _ledger(j, "p1op", query=f"?enterprise_id={j.world.ids['r1']}")}
    assert not narrowed & (set(j.p2) | {j.n2})
    one = _ledger(j, "auditor", query=f"?subject={j.to_r1[2]}&type=batch.receive")
    assert len(one) == 1 and "拒收kg：10.000" in one[0][-1] and "原因：混入不明液体" in one[0][-1]


def test_ledger_rows_match_the_ledger(journeys: Journeys) -> None:
    j = journeys
    rows = _ledger(j, "park", "xlsx")
    seqs = [r[0] for r in rows]
    assert seqs == sorted(seqs) and all(isinstance(s, int) for s in seqs)
    with j.world.ctx.db.read_session() as s:
        size = j.world.ctx.log.size(s.connection())
    assert seqs[-1] == size - 1
    store = next(r for r in rows if r[3] == "batch.store" and r[5] == j.in_store)
    assert store[4] == "入库" and "状态 已贴标→已入库" in store[-1] and "库房：1号库" in store[-1]
    dispose = next(r for r in rows if r[3] == "batch.dispose" and r[5] == j.self_disposed)
    assert "方式：D10" in dispose[-1]
    assert "p1 测试单位" in dispose[7]


@pytest.mark.parametrize(
    "query",
    [
        "?status=NOPE",
        "?waste_code=abc",
        "?since=2024-13-40",
        "?since=yesterday",
        "?since=2025-02-01&until=2025-01-01",
        "?enterprise_id=0",
        "?enterprise_id=abc",
        "?enterprise_id=999999999",
    ],
)
def test_bad_query_parameters_are_refused(journeys: Journeys, query: str) -> None:
    r = journeys.world.as_("park").get(f"/api/v1/exports/batches.csv{query}")
    assert r.status_code in (400, 404), r.data
    assert r.get_json()["code"]


def test_exports_need_a_login(journeys: Journeys) -> None:
    client = journeys.world.app.test_client()
    for path in ("batches.csv", "ledger.xlsx", "bundle.json", "annual-report.pdf?year=2025"):
        assert client.get(f"/api/v1/exports/{path}").status_code == 401


def test_text_is_never_a_formula() -> None:
    headers = ["名称", "重量"]
    rows = [['=HYPERLINK("http://x")', Decimal("1.500")], ["+1", 2], ["@SUM(A1)", None]]
    data = to_csv(headers, rows)
    parsed = _csv(data)
    assert parsed[1] == ['\'=HYPERLINK("http://x")', "1.500"]
    assert parsed[2][0] == "'+1" and parsed[3] == ["'@SUM(A1)", ""]
    ws, back = _xlsx(to_xlsx(headers, rows, "a/b:c*d?e[f]ghijklmnopqrstuvwxyz0123456789"))
    assert back[1][0] == '=HYPERLINK("http://x")' and back[1][1] == 1.5
    assert ws["A2"].data_type == "s" and ws["B2"].data_type == "n"
    assert len(ws.title) <= 31 and "/" not in ws.title


def test_oversized_exports_are_refused(journeys: Journeys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "MAX_TABLE_ROWS", 3)
    for path in ("batches.csv", "ledger.xlsx"):
        r = journeys.world.as_("park").get(f"/api/v1/exports/{path}")
        assert r.status_code == 400 and r.get_json()["context"]["limit"] == 3
    r = journeys.world.as_("park").get(f"/api/v1/exports/ledger.csv?subject={journeys.in_store}")
    assert r.status_code == 200


def test_odd_text_never_fails_an_export() -> None:
    data = to_csv(["名称"], [["a\x00b\ud800c"]])
    assert _csv(data)[1] == ["a\x00b?c"]


def test_times_are_in_the_parks_zone(journeys: Journeys, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, park = journeys.world.ctx, journeys.actor("park")
    h, rows = exports.batches_table(ctx, actor=park)
    registered = h.index("登记时间（北京时间）")
    beijing = {r[0]: r[registered] for r in rows}
    monkeypatch.setattr(ctx, "settings", replace(ctx.settings, timezone="Asia/Urumqi"))
    h, rows = exports.batches_table(ctx, actor=park)
    assert "登记时间（Asia/Urumqi）" in h and "登记时间（北京时间）" not in h
    urumqi = {r[0]: r[h.index("登记时间（Asia/Urumqi）")] for r in rows}
    fmt = "%Y-%m-%d %H:%M:%S"
    for code, text in beijing.items():
        diff = dt.datetime.strptime(text, fmt) - dt.datetime.strptime(urumqi[code], fmt)
        assert diff == dt.timedelta(hours=2)
