"""Commands for the park: the demo park, the server, a label, the waste catalogue."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from hwtrace import migrate
from hwtrace.cli.common import context, make_app


@click.command()
@click.option("--batches", default=40, show_default=True, help="batches per producer")
def demo(batches: int) -> None:
    """Create the demo park on the configured database and print its logins."""
    from hwtrace.demo import seed
    from hwtrace.progress import progress

    app = make_app()
    migrate.upgrade(app.config["DATABASE_URL"])
    with progress("demo park / 演示园区", unit="days") as bar:
        logins = seed(context(app), batches_per_producer=batches, progress=bar.to)
    click.echo("演示园区已就绪 / demo park ready. Logins (username / password):")
    for row in logins:
        click.echo(
            f"  {row['role']:<12} {row['username']:<14} {row['password']:<14} {row['enterprise']}"
        )
    click.echo(f"database: {app.config['DATABASE_URL']}")


@click.command()
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

    app = make_app()
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

        start_background(context(app))
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


@click.command()
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

    ctx = context(make_app())

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


@click.group()
def catalogue() -> None:
    """The national waste catalogue (《国家危险废物名录》): its editions, importing a new one."""


@catalogue.command("editions")
def catalogue_editions() -> None:
    """List the editions known here (shipped with hwtrace or imported); the newest is in use."""
    from hwtrace.services import catalogue as svc

    app = make_app()
    known = svc.editions(context(app))
    for edition, how in known:
        ed = svc.edition(context(app), edition)
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

    app = make_app()
    migrate.upgrade(app.config["DATABASE_URL"])
    if not dry_run:
        directory.ensure_park(context(app))  # a new instance may have no park row yet
    with open(file, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    try:
        diff = svc.import_edition(
            context(app),
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
