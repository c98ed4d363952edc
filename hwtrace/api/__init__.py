"""The JSON API under /api/v1: one blueprint; one route module per service it calls (named
after it: ``api/batches.py`` calls ``services/batches.py``). Route machinery is in
``routing`` (authentication, body and query validation, idempotency, the OpenAPI record) and
request-value parsing in ``params``; routes reach the database only through the services."""

from __future__ import annotations

from typing import Any

from hwtrace.api.routing import ROUTES, RouteDoc, bp


def load_routes() -> list[RouteDoc]:
    """Import the route modules (each registers its routes on ``bp``) and return them all."""
    from hwtrace.api import (  # noqa: F401
        auth,
        batches,
        enterprises,
        exports,
        ledger_routes,
        openapi,
        reference,
        sync,
        transport,
    )

    return ROUTES


def init_app(app: Any) -> None:
    """Mount the API blueprint with all its routes."""
    load_routes()
    app.register_blueprint(bp)
