"""The JSON API under /api/v1: one blueprint; one route module per service it calls (named
after it: ``api/batches.py`` calls ``services/batches.py``). Route machinery is in
``routing`` (authentication, body and query validation, idempotency, the OpenAPI record) and
request-value parsing in ``params``; routes reach the database only through the services."""

from __future__ import annotations

import importlib
from typing import Any

from hwtrace.api.routing import ROUTES, RouteDoc, bp

# The route modules, in the order the OpenAPI document lists their routes.
ROUTE_MODULES = (
    "auth",
    "batches",
    "reservations",
    "labels",
    "directory",
    "facilities",
    "exports",
    "audit",
    "openapi",
    "docs",
    "reference",
    "sync",
    "contracts",
    "approvals",
    "declarations",
    "bookings",
    "manifests",
    "fleet",
    "discrepancies",
    "receipts",
    "paper_manifests",
    "warnings",
    "monitoring",
    "cases",
    "notifications",
)


def load_routes() -> list[RouteDoc]:
    """Import the route modules (each registers its routes on ``bp``) and return them all."""
    for name in ROUTE_MODULES:
        importlib.import_module(f"hwtrace.api.{name}")

    return ROUTES


def init_app(app: Any) -> None:
    """Mount the API blueprint with all its routes."""
    load_routes()
    app.register_blueprint(bp)
