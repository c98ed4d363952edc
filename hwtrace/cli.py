"""The ``hwtrace`` command: database, demo park, server, ledger verification and proofs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from hwtrace import migrate
from hwtrace.services.context import Context


def _app() -> Flask:
    from hwtrace.app import create_app

    # The CLI migrates the database itself, so it must start on an old schema too.
    app = create_app({"CHECK_SCHEMA": False})
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True, mode=0o700
        )
    return app


def _ctx(app: Flask) -> Context:
    return app.extensions["hwtrace"]  # type: ignore[no-any-return]


class _Group(click.Group):
    """Turns a missing key or a misplaced instance directory into a clear message (no
    traceback) in every command."""

    def invoke(self, ctx: click.Context) -> Any:
        from hwtrace.keys import InstanceInsideVenv, KeyMissing

        try:
            return super().invoke(ctx)
        except (KeyMissing, InstanceInsideVenv) as err:
            raise click.ClickException(f"{err.message_zh}\n{err.message_en}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hwtrace", prog_name="hwtrace")
def main() -> None:
    """hwtrace — hazardous-waste traceability (危险废物一笔一码追溯).

    Settings come from HWTRACE_* variables (hwtrace/config.py lists them all); the instance
    directory (database, keys) is HWTRACE_INSTANCE_DIR, by default ./instance. Shell
    completion: eval "$(_HWTRACE_COMPLETE=bash_source hwtrace)" (zsh_source, fish_source).
    """


@main.group()
def keys() -> None:
    """The instance's keys: the ledger signing key and the session secret."""


@keys.command("init")
def keys_init() -> None:
    """Make the ledger signing key and the session secret in the instance directory where they
    do not exist yet (existing keys are kept); print where they are and the verifier key."""
    from hwtrace import keys as keys_mod

    app = _app()
    secret = None if app.config["SECRET_KEY"] else Path(app.instance_path) / keys_mod.SECRET_FILE
    report = keys_mod.init_keys(
        Path(app.config["LEDGER_KEY_FILE"]), _ctx(app).settings.ledger_origin, secret
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


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="the revision to upgrade to")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to the newest schema."""
    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database at {migrate.current(app.config['DATABASE_URL'])}")


@db.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    app = _app()
    click.echo(migrate.current(app.config["DATABASE_URL"]) or "(empty)")


@db.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def db_downgrade(revision: str, yes: bool) -> None:
    """Downgrade the database to REVISION (a revision id, or -1 for one step); tables and
    columns added since are dropped with their data: back up first (`hwtrace backup`)."""
    app = _app()
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
    migrate.history(_app().config["DATABASE_URL"])


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
    migrate.revision(_app().config["DATABASE_URL"], message, autogenerate)


def sa_url(url: str) -> str:
    """The database URL without its password, for messages."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


@db.command("grant-app-role")
@click.argument("role")
def db_grant_app_role(role: str) -> None:
    """PostgreSQL: let ROLE (the server's login role) read and append to the ledger only."""
    import sqlalchemy as sa

    import ledger.schema

    app = _app()
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
        f"{role}: ledger tables SELECT/INSERT only (head row: UPDATE); app tables read/write"
    )


def _where(app: Flask) -> Any:
    from hwtrace import keys as keys_mod
    from hwtrace.services.backup import Where

    # The secret is the instance's file unless HWTRACE_SECRET_KEY gives it (then no file).
    secret: Path | None = Path(app.instance_path) / keys_mod.SECRET_FILE
    if app.config["SECRET_KEY"] and not secret.exists():  # type: ignore[union-attr]
        secret = None
    return Where(app.config["DATABASE_URL"], Path(app.config["LEDGER_KEY_FILE"]), secret)


@main.command()
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
    app = _app()
    from hwtrace.progress import progress

    try:
        with progress("backup / 备份", unit="pages") as bar:
            manifest = backup_svc.backup(_ctx(app), _where(app), Path(directory), bar.to)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    click.echo(
        f"{directory}: {manifest['database']}, keys, ledger at tree size {manifest['tree_size']} "
        f"root {manifest['root']}"
    )


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def restore(directory: str) -> None:
    """Restore a backup DIRECTORY into this (empty) instance, then verify the whole ledger and
    check it still holds the backup's entries; exit 1 if not."""
    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import backup as backup_svc

    app = _app()
    try:
        manifest = backup_svc.restore(Path(directory), _where(app))
        migrate.upgrade(app.config["DATABASE_URL"])
        report = backup_svc.check_restored(_ctx(_app()), manifest)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    click.echo(
        f"restored / 已恢复: ledger OK, {report.size} entries, the backup's "
        f"{manifest['tree_size']} unchanged (root {manifest['root']})"
    )


@main.command()
@click.option("--batches", default=40, show_default=True, help="batches per producer")
def demo(batches: int) -> None:
    """Create the demo park on the configured database and print its logins."""
    from hwtrace.demo import seed
    from hwtrace.progress import progress

    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"])
    with progress("demo park / 演示园区", unit="days") as bar:
        logins = seed(_ctx(app), batches_per_producer=batches, progress=bar.to)
    click.echo("演示园区已就绪 / demo park ready. Logins (username / password):")
    for row in logins:
        click.echo(
            f"  {row['role']:<12} {row['username']:<14} {row['password']:<14} {row['enterprise']}"
        )
    click.echo(f"database: {app.config['DATABASE_URL']}")


@main.command()
@click.option(
    "--host", help="address to listen on [default: 127.0.0.1, or the host of HWTRACE_BIND]"
)
@click.option(
    "--port", type=int, help="port to listen on [default: 8000, or the port of HWTRACE_BIND]"
)
@click.option(
    "--workers",
    type=int,
    help="gunicorn worker processes [default: HWTRACE_WORKERS, else the number of CPUs]",
)
@click.option(
    "--threads",
    type=int,
    help="threads per worker [default: HWTRACE_THREADS, else 2]; few, because a writer holding "
    "the ledger lock must not wait for the interpreter lock behind many others "
    "(bench/RESULTS.md)",
)
@click.option(
    "--dev",
    is_flag=True,
    help="Flask's development server instead of gunicorn (never in production)",
)
def serve(
    host: str | None, port: int | None, workers: int | None, threads: int | None, dev: bool
) -> None:
    """Migrate the database, then run the server under gunicorn with hwtrace/gunicorn_conf.py
    (JSON logs, metrics across workers); --dev runs Flask's development server instead."""
    import importlib.util

    from hwtrace.app import require_keys

    app = _app()
    require_keys(app)
    if not dev and importlib.util.find_spec("gunicorn") is None:
        raise click.ClickException(
            "gunicorn is not installed: `pip install gunicorn` (it comes with hwtrace on Linux "
            "and macOS), or `hwtrace serve --dev` for Flask's development server "
            "(未安装 gunicorn；开发服务器请用 --dev)"
        )
    migrate.upgrade(app.config["DATABASE_URL"])
    if dev:
        from hwtrace.services.checkpoints import start_background

        start_background(_ctx(app))
        app.run(host=host or "127.0.0.1", port=port or 8000, threaded=True)
        return
    # Options given here win over hwtrace/gunicorn_conf.py (and its HWTRACE_* variables).
    args = [sys.executable, "-m", "gunicorn", "--config", "python:hwtrace.gunicorn_conf"]
    if host is not None or port is not None:
        args += ["--bind", f"{host or '127.0.0.1'}:{port or 8000}"]
    if workers is not None:
        args += ["--workers", str(workers)]
    if threads is not None:
        args += ["--threads", str(threads)]
    os.execv(sys.executable, [*args, "hwtrace.wsgi:app"])


@main.command()
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "png", "escpos", "tspl"]),
    default="pdf",
    show_default=True,
    help="PDF or PNG in colour; ESC/POS or TSPL bytes for a thermal printer",
)
@click.option("--profile", default=None, help="printer profile, e.g. escpos-4inch, tspl-4inch")
@click.option(
    "--volume",
    type=click.IntRange(1, 100000),
    default=None,
    help="container volume in litres, when the batch has none recorded (sets the label size); "
    "asked on a terminal",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="the file or device to write, e.g. label.pdf or /dev/rfcomm0",
)
def label(code: str, fmt: str, profile: str | None, volume: int | None, output: str) -> None:
    """Render the label of batch CODE to a file or device, e.g. -o /dev/rfcomm0 (this renders;
    it records no print)."""

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import labels

    ctx = _ctx(_app())

    def render(volume: int | None) -> bytes:
        data, _ = labels.render(
            ctx, actor=None, code=code, fmt=fmt, profile=profile, volume_l=volume
        )
        return data

    try:
        try:
            data = render(volume)
        except labels.VolumeRequired as err:
            if not sys.stdin.isatty():
                raise click.ClickException(
                    f"{err.code}: {err.message_zh}（--volume）/ {err.message_en} (--volume)"
                ) from None
            asked = click.prompt(
                "容器容积 L / container volume in litres", type=click.IntRange(1, 100000)
            )
            data = render(asked)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    Path(output).write_bytes(data)
    click.echo(f"{output}: {len(data)} bytes ({fmt})")


@main.group()
def catalogue() -> None:
    """The national waste catalogue (《国家危险废物名录》): its editions, importing a new one."""


@catalogue.command("editions")
def catalogue_editions() -> None:
    """List the editions known here (shipped with hwtrace or imported); the newest is in use."""
    from hwtrace.services import catalogue as svc

    app = _app()
    known = svc.editions(_ctx(app))
    for edition, how in known:
        ed = svc.edition(_ctx(app), edition)
        mark = "*" if edition == known[-1][0] else " "
        click.echo(
            f"{mark} {edition}  {how:<8}  {len(ed)} codes, {len(ed.categories)} categories  "
            f"{ed.source}"
        )


@catalogue.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--edition", required=True, help="the edition's year, e.g. 2025")
@click.option(
    "--source", default=None, help="where the table comes from [default: the file's name]"
)
@click.option("--dry-run", is_flag=True, help="check and compare only; write nothing")
def catalogue_import(file: str, edition: str, source: str | None, dry_run: bool) -> None:
    """Import an edition of the catalogue from FILE, a CSV table in the columns of
    schemas/reference/waste-catalogue-2021.csv (category, category_name, industry, code,
    description, hazards, hazards_official), and print what changed from the edition in use.
    Every row is checked first; a table with problems imports nothing. Batches keep the edition
    they were registered under; new batches use the newest edition."""
    import csv

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import catalogue as svc
    from hwtrace.services import directory

    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"])
    if not dry_run:
        directory.ensure_park(_ctx(app))  # a new instance may have no park row yet
    with open(file, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    try:
        diff = svc.import_edition(
            _ctx(app),
            rows=rows,
            edition=edition,
            source=source or Path(file).name,
            actor=os.environ.get("USER") or "cli",
            dry_run=dry_run,
        )
    except HwtraceError as err:
        lines = [f"{err.code}: {err.message_zh} / {err.message_en}"]
        lines += [f"  {p}" for p in (err.detail or {}).get("problems", [])]
        raise click.ClickException("\n".join(lines)) from None
    for line in diff.lines():
        click.echo(line)
    click.echo(
        "(dry run: nothing written / 未写入)"
        if dry_run
        else f"imported / 已导入: {edition} edition in use for new batches / 新登记批次使用该版本"
    )


@main.group("ledger")
def ledger_group() -> None:
    """The tamper-evident ledger: verify, checkpoint, prove, bundle."""


@ledger_group.command("verify")
@click.option(
    "--bundle",
    "bundle_file",
    type=click.Path(dir_okay=False),
    help="verify a signed ledger bundle offline (no database) instead of the database",
)
@click.option(
    "--vkey",
    help="with --bundle: the park's published verifier key the bundle must be signed with",
)
@click.option(
    "--witness",
    "witness_keys",
    multiple=True,
    help="with --bundle: a witness's verifier key whose cosignature the bundle must carry "
    "(repeat for several)",
)
@click.option(
    "--against",
    "against",
    multiple=True,
    help="a FILE or URL holding a checkpoint kept elsewhere (an inspector's copy, a witness's "
    "/checkpoint/<origin>, a tiles mirror's checkpoint); repeat for several",
)
def ledger_verify(
    bundle_file: str | None,
    vkey: str | None,
    witness_keys: tuple[str, ...],
    against: tuple[str, ...],
) -> None:
    """Recompute the whole ledger from its rows; exit 1 and name the first bad entry if not.

    Then check it against every cosigned checkpoint it knows (the witnesses' cosignatures it
    kept, the last checkpoint each configured witness cosigned) and each --against FILE|URL:
    exit 1, naming the checkpoint and what is wrong, when the log is shorter than one of them
    or holds another tree at its size.

    With --bundle FILE: check a signed ledger bundle offline (checkpoint signature, every
    entry's canonical bytes and inclusion proof, and with --witness the cosignatures); exit 0
    if it verifies, else 1 with the reason.
    """
    if bundle_file is not None:
        if against:
            raise click.UsageError("--against checks the database, not a bundle")
        _verify_bundle(bundle_file, vkey, list(witness_keys))
        return
    if vkey is not None or witness_keys:
        raise click.UsageError("--vkey and --witness are used with --bundle")
    from hwtrace.progress import progress
    from hwtrace.services import audit

    ctx = _ctx(_app())
    with progress("verify / 校验", unit="entries") as bar:
        report = audit.verify(ctx, progress=bar.to)
    if not report.ok:
        click.echo(
            f"TAMPERED: first bad sequence number {report.first_bad_seq}: {report.reason}",
            err=True,
        )
        sys.exit(1)
    checks = audit.check_known(ctx)
    for source in against:
        try:
            note = _read_source(source)
        except OSError as err:
            raise click.ClickException(f"cannot read {source}: {err}") from None
        checks.append(audit.check_against(ctx, source, note))
    failed = False
    for c in checks:
        if c.kind == "ok":
            click.echo(f"consistent with the checkpoint of size {c.size} from {c.source}")
        elif c.kind == "unreachable":
            click.echo(f"WARNING: {c.source} {c.problem}", err=True)
        else:
            failed = True
            label = {"shorter": "SHORTER", "inconsistent": "INCONSISTENT"}.get(c.kind, "BAD")
            click.echo(f"{label}: {c.problem}", err=True)
    if failed:
        sys.exit(1)
    click.echo(
        f"OK: {report.size} entries, root {report.root.hex()}, "
        f"{report.checkpoints_checked} signed checkpoints checked"
    )


def _read_source(source: str) -> str:
    """Return the text of a FILE or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        import urllib.request

        with urllib.request.urlopen(source, timeout=10) as resp:
            return str(resp.read().decode("utf-8"))
    return Path(source).read_text("utf-8")


def _verify_bundle(path: str, vkey: str | None, witness_keys: list[str]) -> None:
    """Verify a bundle file with nothing but the file (and the keys): no app, no database."""
    from ledger.verify_cli import check

    status = check(path, vkey, sys.stdout, sys.stderr, witness_keys)
    if status:
        sys.exit(status)


@ledger_group.command("bundle")
@click.option("--enterprise", "uscc", help="only this enterprise's entries (its USCC)")
@click.option("--subject", "subjects", multiple=True, help="only entries about this subject")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="the file to write"
)
def ledger_bundle(uscc: str | None, subjects: tuple[str, ...], output: str) -> None:
    """Write a signed ledger bundle (as the park) that verifies offline with
    `hwtrace ledger verify --bundle FILE`."""

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import exports

    ctx = _ctx(_app())
    try:
        actor = exports.park_actor(ctx)
        eid = exports.enterprise_by_uscc(ctx, actor=actor, uscc=uscc).id if uscc else None
        data = exports.bundle(ctx, actor=actor, enterprise_id=eid, subjects=list(subjects) or None)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    Path(output).write_bytes(data)
    doc = json.loads(data)
    click.echo(
        f"{output}: {len(doc['entries'])} entries, signed checkpoint at tree size "
        f"{doc['tree_size']}; verifier key {doc['vkey']}"
    )


@ledger_group.command("checkpoint")
@click.option("--vkey", is_flag=True, help="print the verifier key instead")
def ledger_checkpoint(vkey: bool) -> None:
    """Sign and print a checkpoint of the ledger (or the public verifier key)."""
    import ledger
    from hwtrace.services import audit

    ctx = _ctx(_app())
    if vkey:
        click.echo(ctx.signer.vkey)
        return
    try:
        note = audit.sign_checkpoint(ctx).note
    except ledger.BadSignatureError as err:
        raise click.ClickException(f"the signer refuses / 签名进程拒绝签名: {err}") from None
    click.echo(note, nl=False)


@ledger_group.command("prove")
@click.argument("code", required=False)
@click.option("--since", type=int, help="consistency proof from this tree size")
def ledger_prove(code: str | None, since: int | None) -> None:
    """Print the proofs of every entry of batch CODE, or a consistency proof --since SIZE."""
    from hwtrace.services import audit

    ctx = _ctx(_app())
    if (code is None) == (since is None):
        raise click.UsageError("give a batch CODE or --since SIZE")
    out: dict[str, Any]
    if code is not None:
        out = audit.prove_subject(ctx, subject=code)
        if not out["entries"]:
            raise click.ClickException(f"no ledger entries for {code}")
    else:
        assert since is not None
        cons = audit.consistency(ctx, old_size=since, new_size=None)
        out = {
            "checkpoint": cons["checkpoint"],
            "vkey": cons["vkey"],
            "entries": [],
            "consistency": {
                "old_size": since,
                "old_root": cons["old_root"],
                "proof": cons["proof"],
            },
        }
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


@ledger_group.command("tiles")
@click.argument("directory", type=click.Path(file_okay=False))
def ledger_tiles(directory: str) -> None:
    """Publish the ledger as C2SP tlog-tiles into DIRECTORY (checkpoint, tile/<L>/<N>,
    tile/entries/<N>) for a static web server; the server does this itself when
    HWTRACE_LEDGER_TILES_DIR is set."""
    from hwtrace.services import audit, checkpoints

    ctx = _ctx(_app())
    cp = audit.current_checkpoint(ctx)
    written = checkpoints.publish_tiles(ctx, Path(directory), cp)
    click.echo(f"{directory}: tree size {cp.size}, {written} files written")


@ledger_group.command("monitor")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--vkey",
    "vkeys",
    multiple=True,
    required=True,
    help="the verifier key of each log, in the order of the URLs",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False),
    default="monitor-state.json",
    show_default=True,
    help="where the monitor keeps what it verified of each log",
)
@click.option("--once", is_flag=True, help="check each log once and exit (1 on an alarm)")
@click.option("--interval", default=60.0, show_default=True, help="seconds between polls")
def ledger_monitor(
    urls: tuple[str, ...], vkeys: tuple[str, ...], state: str, once: bool, interval: float
) -> None:
    """Follow one or more parks' ledgers from their C2SP tlog-tiles alone (URL: the tiles
    prefix, where URL/checkpoint is): check each new checkpoint's signature and that it extends
    the last one verified, and raise an alarm (stderr, exit 1 with --once) when a log is
    shortened, forked or rewritten. Needs no database and no API token."""
    import time

    import ledger
    from ledger.monitor import Monitor

    if len(urls) != len(vkeys):
        raise click.UsageError("give one --vkey per URL, in the same order")
    try:
        logs = [(u, ledger.Verifier.from_vkey(k)) for u, k in zip(urls, vkeys, strict=True)]
    except ledger.BadSignatureError as err:
        raise click.UsageError(f"bad --vkey: {err}") from None
    monitor = Monitor(logs, Path(state))
    while True:
        alarms = monitor.poll()
        for alarm in alarms:
            click.echo(str(alarm), err=True)
            if alarm.evidence:
                click.echo(alarm.evidence, err=True, nl=False)
        for url, _v in monitor.logs:
            st = monitor.states.get(url)
            if st is not None:
                click.echo(f"{url}: size {st.size} root {st.root.hex()}")
        if once:
            if alarms:
                sys.exit(1)
            return
        sys.stdout.flush()
        time.sleep(interval)


@main.group()
def witness() -> None:
    """A witness (C2SP tlog-witness) that cosigns other parties' ledger checkpoints."""


@witness.command("init")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="the witness's private key file to make (kept by the witness's operator, mode 0600)",
)
@click.option("--name", required=True, help="the witness's name, e.g. witness.bureau.example")
def witness_init(key_file: str, name: str) -> None:
    """Make the witness's Ed25519 key in FILE (never overwritten) and print its verifier key,
    which logs configure in HWTRACE_LEDGER_WITNESSES."""
    from ledger.cosignature import Cosigner

    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Cosigner.generate(name).private_bytes())
    click.echo(Cosigner.load(path, name).key.vkey)


@witness.command("serve")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True),
    required=True,
    help="the witness's private key file (from `witness init`)",
)
@click.option("--name", required=True, help="the witness's name (as at `witness init`)")
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="the directory of its state: the last checkpoint cosigned per log (back it up)",
)
@click.option(
    "--log",
    "log_keys",
    multiple=True,
    required=True,
    help="a log's verifier key (its name is the checkpoint origin); repeat for several",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@click.option(
    "--port", default=8900, show_default=True, type=int, help="the port to listen on (0: any)"
)
def witness_serve(
    key_file: str, name: str, state_dir: str, log_keys: tuple[str, ...], host: str, port: int
) -> None:
    """Run the witness: POST /add-checkpoint (C2SP tlog-witness) and GET /checkpoint/<origin>
    (the last checkpoint it cosigned for that log). Only one process may use a state
    directory."""
    import fcntl

    import ledger
    from ledger.cosignature import Cosigner
    from ledger.witness import Witness, WitnessState, make_server

    logs = {}
    for k in log_keys:
        try:
            v = ledger.Verifier.from_vkey(k)
        except ledger.BadSignatureError as err:
            raise click.UsageError(f"bad --log key {k!r}: {err}") from None
        logs[v.name] = v
    state = WitnessState(Path(state_dir))
    lock = open(Path(state_dir) / "witness.lock", "w")  # noqa: SIM115 - held while serving
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise click.ClickException(f"another witness serves from {state_dir}") from None
    w = Witness(Cosigner.load(Path(key_file), name), logs, state)
    server = make_server(w, host, port)
    click.echo(
        f"witness {name} on http://{host}:{server.server_address[1]}/ ({w.cosigner.key.vkey})"
    )
    sys.stdout.flush()
    server.serve_forever()


@main.group()
def signer() -> None:
    """The checkpoint signer in its own process: it holds the park's ledger key (the server
    asks it over a local socket and cannot read the key) and signs only checkpoints that extend
    the last one it signed."""


@signer.command("init")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="the ledger key file to make (owned by the signer's user, mode 0600)",
)
@click.option("--name", required=True, help="the ledger's origin, e.g. hwtrace.local/PARK")
def signer_init(key_file: str, name: str) -> None:
    """Make the ledger key in FILE (never overwritten) and print its verifier key."""
    from hwtrace.keys import init_keys

    report = init_keys(Path(key_file), name, None)
    click.echo(report.vkey)


@signer.command("serve")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True),
    required=True,
    help="the ledger key file (the server must not be able to read it)",
)
@click.option("--name", required=True, help="the ledger's origin (the key's name)")
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="where it keeps the last checkpoint it signed (back it up with the key)",
)
@click.option(
    "--socket", "socket_path", type=click.Path(dir_okay=False), required=True, help="Unix socket"
)
def signer_serve(key_file: str, name: str, state_dir: str, socket_path: str) -> None:
    """Serve signatures on a Unix socket (mode 0660: give the server's user the socket's
    group, never the key file)."""
    from ledger.checkpoint import Signer
    from ledger.signer import SigningService, make_server

    service = SigningService(Signer.load(Path(key_file), name), Path(state_dir))
    server = make_server(service, Path(socket_path))
    click.echo(f"signer {name} on {socket_path} ({service.signer.vkey})")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
