"""Run Alembic from code: the migrations live in the package (``hwtrace:migrations``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def alembic_config(url: str) -> Config:
    """Return an Alembic config for ``url`` with the package's migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", "hwtrace:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at ``url`` to ``revision`` (e.g. ``-1``, or a revision id)."""
    command.downgrade(alembic_config(url), revision)


def history(url: str) -> None:
    """Print the migrations, newest first, marking the database's current one."""
    command.history(alembic_config(url), indicate_current=True)


def revision(url: str, message: str, autogenerate: bool) -> None:
    """Write a new migration into the package's versions folder (for developers: the models
    in ``hwtrace/store/tables.py`` against the database at ``url`` when ``autogenerate``)."""
    command.revision(alembic_config(url), message=message, autogenerate=autogenerate)


def current(url: str) -> str | None:
    """Return the database's current revision."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head(url: str) -> str | None:
    """Return the newest revision in the package."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
