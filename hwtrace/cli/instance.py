"""Commands for the instance itself: its keys, its database schema, backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask

from hwtrace import migrate
from hwtrace.cli.common import context, make_app


@click.group()
def keys() -> None:
    """The instance's keys: the ledger signing key and the session secret."""


@keys.command("init")
def keys_init() -> None:
    """Make the ledger signing key and the session secret in the instance directory where they
    do not exist yet (existing keys are kept); print where they are and the verifier key."""
    from hwtrace import keys as keys_mod

    app = make_app()
    secret = None if app.config["SECRET_KEY"] else Path(app.instance_path) / keys_mod.SECRET_FILE
    report = keys_mod.init_keys(
        Path(app.config["LEDGER_KEY_FILE"]), context(app).settings.ledger_origin, secret
    )
    verb = "created / 已生成" if report.signing_key_created else "kept / 已存在，未改动"
    click.echo(f"ledger signing key: {report.signing_key} ({verb})")
    if report.secret is None:
        click.echo("session secret: from HWTRACE_SECRET_KEY")
    else:
        verb = "created / 已生成" if report.secret_created else "kept / 已存在，未改动"
        click.echo(f"session secret: {report.secret} ({verb})")
    click.echo(f"verifier key / 验证公钥: {report.vkey}")
    click.echo(f"instance directory / 实例目录 (back it up / 请备份): {app.instance_path}")


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="the revision to upgrade to")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to the newest schema."""
    app = make_app()
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database at {migrate.current(app.config['DATABASE_URL'])}")


@db.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    app = make_app()
    click.echo(migrate.current(app.config["DATABASE_URL"]) or "(empty)")


@db.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def db_downgrade(revision: str, yes: bool) -> None:
    """Downgrade the database to REVISION (a revision id, or -1 for one step); tables and
    columns added since are dropped with their data: back up first (`hwtrace backup`)."""
    app = make_app()
    url = app.config["DATABASE_URL"]
    if not yes:
        click.confirm(
            f"downgrade {sa_url(url)} from {migrate.current(url)} to {revision}? "
            "Data in what is dropped is lost (降级会删除新增表和列中的数据)",
            abort=True,
        )
    migrate.downgrade(url, revision)
    click.echo(f"database at {migrate.current(url) or '(empty)'}")


@db.command("history")
def db_history() -> None:
    """List the migrations, newest first, marking the database's current one."""
    migrate.history(make_app().config["DATABASE_URL"])


@db.command("revision")
@click.option("-m", "--message", required=True, help="what the migration changes")
@click.option(
    "--autogenerate/--empty",
    default=True,
    show_default=True,
    help="compare hwtrace/store/tables.py with the database (migrated to head), or write an "
    "empty migration",
)
def db_revision(message: str, autogenerate: bool) -> None:
    """For developers: write a new migration into hwtrace/migrations/versions/ (then check it
    on SQLite and PostgreSQL; docs/ARCHITECTURE.md, "A migration")."""
    migrate.revision(make_app().config["DATABASE_URL"], message, autogenerate)


def sa_url(url: str) -> str:
    """The database URL without its password, for messages."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


@db.command("grant-app-role")
@click.argument("role")
def db_grant_app_role(role: str) -> None:
    """PostgreSQL: let ROLE (the server's login role) read the ledger and append to it only
    through the database's ledger_append function."""
    import sqlalchemy as sa

    import ledger.schema

    app = make_app()
    engine = sa.create_engine(app.extensions["hwtrace"].db.url)
    if engine.dialect.name != "postgresql":
        raise click.ClickException("roles are a PostgreSQL feature; SQLite relies on triggers")
    with engine.begin() as conn:
        ledger.schema.grant_append_only(conn, role)
        q = conn.dialect.identifier_preparer.quote
        app_tables = [t for t in sa.inspect(conn).get_table_names() if not t.startswith("ledger_")]
        for table in app_tables:
            conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q(table)} TO {q(role)}")
        conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {q(role)}")
    engine.dispose()
    click.echo(
        f"{role}: ledger entries, nodes and head SELECT only, appended through ledger_append(); "
        "checkpoints and cosignatures SELECT/INSERT; app tables read/write"
    )


def where(app: Flask) -> Any:
    from hwtrace import keys as keys_mod
    from hwtrace.services.backup import Where

    # The secret is the instance's file unless HWTRACE_SECRET_KEY gives it (then no file).
    secret: Path | None = Path(app.instance_path) / keys_mod.SECRET_FILE
    if app.config["SECRET_KEY"] and not secret.exists():  # type: ignore[union-attr]
        secret = None
    return Where(app.config["DATABASE_URL"], Path(app.config["LEDGER_KEY_FILE"]), secret)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--dated",
    is_flag=True,
    help="write into a new subdirectory of DIRECTORY named after the time (UTC), "
    "e.g. hwtrace-20261129T023000Z (for a nightly timer)",
)
def backup(directory: str, dated: bool) -> None:
    """Back up the instance into the new DIRECTORY: signing key, session secret, database
    (SQLite online copy, or pg_dump) and a manifest with the ledger's size and root."""
    import datetime as dt

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import backup as backup_svc

    if dated:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        directory = str(Path(directory) / f"hwtrace-{stamp}")
    app = make_app()
    from hwtrace.progress import progress

    try:
        with progress("backup / 备份", unit="pages") as bar:
            manifest = backup_svc.backup(context(app), where(app), Path(directory), bar.to)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    click.echo(
        f"{directory}: {manifest['database']}, keys, ledger at tree size {manifest['tree_size']} "
        f"root {manifest['root']}"
    )


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def restore(directory: str) -> None:
    """Restore a backup DIRECTORY into this (empty) instance, then verify the whole ledger and
    check it still holds the backup's entries; exit 1 if not."""
    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import backup as backup_svc

    app = make_app()
    try:
        manifest = backup_svc.restore(Path(directory), where(app))
        migrate.upgrade(app.config["DATABASE_URL"])
        report = backup_svc.check_restored(context(make_app()), manifest)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    click.echo(
        f"restored / 已恢复: ledger OK, {report.size} entries, the backup's "
        f"{manifest['tree_size']} unchanged (root {manifest['root']})"
    )
