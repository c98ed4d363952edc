"""What every command needs: the app on the configured instance, and its use-case context."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hwtrace.services.context import Context


def make_app() -> Flask:
    from hwtrace.app import create_app

    # The CLI migrates the database itself, so it must start on an old schema too.
    app = create_app({"CHECK_SCHEMA": False})
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True, mode=0o700
        )
    return app


def context(app: Flask) -> Context:
    return app.extensions["hwtrace"]  # type: ignore[no-any-return]
