"""The Flask app factory: config in three layers, then database, ledger key, error handlers,
blueprints and CLI; nothing is created at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask

from hwtrace import api, guard, keys, observe, pages, problems
from hwtrace.config import DEFAULTS
from hwtrace.db import Database
from hwtrace.services.context import Context, Settings


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
    merged: dict[str, Any] = dict(DEFAULTS)
    env = Config(os.getcwd())
    env.from_prefixed_env("HWTRACE")
    merged.update(env)
    merged.update(config or {})
    # Nothing is written here: the instance directory is made by `hwtrace keys init` or
    # `hwtrace db upgrade`, the keys only by `hwtrace keys init`.
    instance = keys.instance_dir(merged["INSTANCE_DIR"])
    app = Flask("hwtrace", instance_path=str(instance))
    app.config.update(merged)
    app.config["INSTANCE_DIR"] = str(instance)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / keys.SQLITE_FILE}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = keys.read_secret(instance / keys.SECRET_FILE)
    app.config["LEDGER_KEY_FILE"] = str(
        app.config["LEDGER_KEY_FILE"] or instance / keys.SIGNING_KEY_FILE
    )
    observe.configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    settings = Settings.from_config(app.config)
    key_file = Path(app.config["LEDGER_KEY_FILE"])
    context = Context(
        db=Database(app.config["DATABASE_URL"]),
        settings=settings,
        signer_loader=keys.signer_loader(key_file, app.config["LEDGER_SIGNER_SOCKET"], settings),
    )
    app.extensions["hwtrace"] = context
    if app.config["CHECK_SCHEMA"]:
        _check_schema(app.config["DATABASE_URL"])
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    observe.init_app(app)
    guard.init_app(app)
    problems.init_app(app)
    api.init_app(app)
    pages.init_app(app)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "pid": os.getpid()}

    return app


def require_keys(app: Flask) -> None:
    """Refuse to serve without the session secret and the ledger signing key
    (:class:`hwtrace.keys.KeyMissing` names the file and says to run `hwtrace keys init`)."""
    if not app.config["SECRET_KEY"]:
        keys.require_secret(Path(app.instance_path) / keys.SECRET_FILE)
    app.extensions["hwtrace"].signer  # noqa: B018 - loads the key or raises KeyMissing
