"""The Flask app factory: config in three layers, then database, ledger key, error handlers,
blueprints and CLI; nothing is created at import time."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from hwtrace import api, pages, problems
from hwtrace.config import DEFAULTS
from hwtrace.db import Database
from hwtrace.keys import load_or_create_signer
from hwtrace.services.context import Context, Settings


def _secret_key(instance: Path) -> str:
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _check_schema(url: str) -> None:
    """Refuse to serve a database whose schema is not the code's (run ``hwtrace db upgrade``)."""
    from hwtrace import migrate

    have, want = migrate.current(url), migrate.head(url)
    if have != want:
        raise RuntimeError(
            f"database schema is at {have or 'nothing'}, this code needs {want}: "
            "run `hwtrace db upgrade` (数据库结构版本不符，请先执行 hwtrace db upgrade)"
        )


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the hwtrace server: defaults, then HWTRACE_* variables, then ``config``."""
    app = Flask("hwtrace", instance_relative_config=True)
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("HWTRACE")
    if config:
        app.config.update(config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'hwtrace.sqlite'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    key_file = app.config["LEDGER_KEY_FILE"] or str(instance / "ledger_signing.key")
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    settings = Settings.from_config(app.config)
    context = Context(
        db=Database(app.config["DATABASE_URL"]),
        settings=settings,
        signer=load_or_create_signer(Path(key_file), settings.ledger_origin),
    )
    app.extensions["hwtrace"] = context
    if app.config["CHECK_SCHEMA"]:
        _check_schema(app.config["DATABASE_URL"])
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    problems.init_app(app)
    api.init_app(app)
    pages.init_app(app)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "pid": os.getpid()}

    return app
