"""Exports: batch and ledger tables as CSV (for Excel) and XLSX, the annual HJ 1259-2022 ledger
report as a PDF, and the signed ledger bundle an inspector verifies offline
(``hwtrace ledger verify --bundle FILE``).

Scoped like every other read: an enterprise's users get only what their enterprise is party to,
park administrators and auditors the whole park; ``enterprise_id`` narrows, never widens.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.params import date_arg, int_arg
from hwtrace.api.routing import actor, ctx, route
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.reports import annual_pdf, spreadsheet
from hwtrace.services import exports as svc

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}

ENTERPRISE_Q: dict[str, Any] = {
    "name": "enterprise_id",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
}
DATE_SCHEMA = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
SINCE_Q = {"name": "since", "in": "query", "required": False, "schema": DATE_SCHEMA}
UNTIL_Q = {"name": "until", "in": "query", "required": False, "schema": DATE_SCHEMA}
BATCH_Q = [
    ENTERPRISE_Q,
    {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"enum": [s.value for s in BatchStatus]},
    },
    {
        "name": "waste_code",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "pattern": r"^[0-9]{3}-[0-9]{3}-[0-9]{2}$"},
    },
    SINCE_Q,
    UNTIL_Q,
]
LEDGER_Q = [
    ENTERPRISE_Q,
    {
        "name": "type",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    },
    {
        "name": "subject",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128},
    },
    SINCE_Q,
    UNTIL_Q,
]
BUNDLE_SCHEMA = {
    "type": "object",
    "required": ["format", "version", "origin", "checkpoint", "vkey", "entries"],
    "properties": {
        "format": {"const": "hwtrace-ledger-bundle"},
        "version": {"type": "integer"},
        "origin": {"type": "string"},
        "log": {"type": "string"},
        "checkpoint": {"type": "string"},
        "vkey": {"type": "string"},
        "tree_size": {"type": "integer"},
        "root_hash": {"type": "string"},
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "leaf", "proof"],
                "properties": {
                    "index": {"type": "integer"},
                    "leaf": {"type": "string"},
                    "proof": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _stamp() -> str:
    return ctx().local_now().strftime("%Y%m%d")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _batches() -> tuple[list[str], list[list[Any]]]:
    return svc.batches_table(
        ctx(),
        actor=actor(),
        enterprise_id=int_arg("enterprise_id"),
        status=request.args.get("status") or None,
        waste_code=request.args.get("waste_code") or None,
        since=date_arg("since"),
        until=date_arg("until"),
    )


def _ledger() -> tuple[list[str], list[list[Any]]]:
    return svc.ledger_table(
        ctx(),
        actor=actor(),
        enterprise_id=int_arg("enterprise_id"),
        entry_type=request.args.get("type") or None,
        subject=request.args.get("subject") or None,
        since=date_arg("since"),
        until=date_arg("until"),
    )


@route(
    "/exports/batches.csv",
    "GET",
    summary="The batches the caller may see, as CSV (UTF-8 with BOM, opens in Excel)",
    tag="exports",
    query=BATCH_Q,
    response=BINARY,
    content_types=(CSV,),
)
def batches_csv() -> Response:
    headers, rows = _batches()
    return _download(spreadsheet.to_csv(headers, rows), CSV, f"batches-{_stamp()}.csv")


@route(
    "/exports/batches.xlsx",
    "GET",
    summary="The batches the caller may see, as an Excel workbook",
    tag="exports",
    query=BATCH_Q,
    response=BINARY,
    content_types=(XLSX,),
)
def batches_xlsx() -> Response:
    headers, rows = _batches()
    return _download(spreadsheet.to_xlsx(headers, rows, "批次"), XLSX, f"batches-{_stamp()}.xlsx")


@route(
    "/exports/ledger.csv",
    "GET",
    summary="The ledger entries the caller may see, as CSV (UTF-8 with BOM)",
    tag="exports",
    query=LEDGER_Q,
    response=BINARY,
    content_types=(CSV,),
)
def ledger_csv() -> Response:
    headers, rows = _ledger()
    return _download(spreadsheet.to_csv(headers, rows), CSV, f"ledger-{_stamp()}.csv")


@route(
    "/exports/ledger.xlsx",
    "GET",
    summary="The ledger entries the caller may see, as an Excel workbook",
    tag="exports",
    query=LEDGER_Q,
    response=BINARY,
    content_types=(XLSX,),
)
def ledger_xlsx() -> Response:
    headers, rows = _ledger()
    return _download(spreadsheet.to_xlsx(headers, rows, "台账"), XLSX, f"ledger-{_stamp()}.xlsx")


@route(
    "/exports/annual-report.pdf",
    "GET",
    summary="An enterprise's HJ 1259-2022 ledger record tables for one year (PDF); "
    "enterprise users get their own, park roles any enterprise's",
    tag="exports",
    query=[
        ENTERPRISE_Q,
        {
            "name": "year",
            "in": "query",
            "required": True,
            "schema": {"type": "integer", "minimum": 2000, "maximum": 2999},
        },
    ],
    response=BINARY,
    content_types=("application/pdf",),
)
def annual_report() -> Response:
    year = int_arg("year")
    assert year is not None  # required: the route checked it
    eid = int_arg("enterprise_id")
    report = svc.annual_ledger(ctx(), actor=actor(), enterprise_id=eid, year=year)
    pdf = annual_pdf.render(report, park_name=ctx().settings.park_name)
    return _download(pdf, "application/pdf", f"annual-ledger-{eid or 'own'}-{year}.pdf")


@route(
    "/exports/hj1259-records.xlsx",
    "GET",
    summary="One of the HJ 1259-2022 ledger record tables B.1–B.5 (appendix B, the standard's "
    "columns in its order) of an enterprise for one year, as XLSX",
    tag="exports",
    query=[
        ENTERPRISE_Q,
        {
            "name": "year",
            "in": "query",
            "required": True,
            "schema": {"type": "integer", "minimum": 2000, "maximum": 2999},
        },
        {
            "name": "table",
            "in": "query",
            "required": True,
            "schema": {"enum": ["B.1", "B.2", "B.3", "B.4", "B.5"]},
        },
    ],
    response=BINARY,
    content_types=(XLSX,),
)
def hj1259_records() -> Response:
    year = int_arg("year")
    assert year is not None  # required: the route checked it
    eid = int_arg("enterprise_id")
    table = request.args["table"]
    report = svc.annual_ledger(ctx(), actor=actor(), enterprise_id=eid, year=year)
    headers, rows = report.b_tables[table]
    data = spreadsheet.to_xlsx(headers, rows, table)
    return _download(data, XLSX, f"hj1259-{table}-{eid or 'own'}-{year}.xlsx")


@route(
    "/exports/bundle.json",
    "GET",
    summary="A signed ledger bundle of the entries the caller may see: checkpoint, verifier "
    "key, canonical entry bytes and inclusion proofs; verifies offline",
    tag="exports",
    query=[
        ENTERPRISE_Q,
        {
            "name": "subject",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
        },
    ],
    response=BUNDLE_SCHEMA,
)
def ledger_bundle() -> Response:
    subject = request.args.get("subject") or None
    data = svc.bundle(
        ctx(),
        actor=actor(),
        enterprise_id=int_arg("enterprise_id"),
        subjects=[subject] if subject else None,
    )
    return _download(data, "application/json", f"ledger-bundle-{_stamp()}.json")
