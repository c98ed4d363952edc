"""Rendering: the bytes people and spreadsheets read (CSV, XLSX, the annual ledger report PDF,
the manifest PDF), made from what the services return. No queries and no Flask here; the web
layer and the CLI call a service, then a renderer."""
