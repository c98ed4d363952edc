"""hwtrace: hazardous-waste barcode traceability (一笔一码) with a tamper-evident ledger."""

from hwtrace.app import create_app as create_app
