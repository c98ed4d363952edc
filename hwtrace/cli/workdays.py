"""``hwtrace calendar``: the working-day calendar (工作日历) of 部令第23号's deadlines — show a
year, import a file of holidays and make-up working days."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from hwtrace import migrate
from hwtrace.cli.common import context, make_app
from hwtrace.services.context import Context


def _ctx() -> Context:
    app = make_app()
    migrate.upgrade(app.config["DATABASE_URL"])
    return context(app)


@click.group("calendar")
def calendar() -> None:
    """The working-day calendar: deadlines in working days (receipt 5, 第十八条; an emergency
    paper manifest 10, 第二十条) skip its holidays and count its make-up working days."""


@calendar.command("show")
@click.argument("year", type=int, required=False)
def calendar_show(year: int | None) -> None:
    """Print YEAR's listed days (default: this year) and where they come from."""
    from hwtrace.services import workdays as svc

    ctx = _ctx()
    year = year or ctx.today().year
    with ctx.db.read_session() as s:
        cal = svc.calendar_in(s, ctx)
    day, days = dt.date(year, 1, 1), []
    while day.year == year:
        listed = day.weekday() >= 5 and cal.is_working_day(day)
        if listed or (day.weekday() < 5 and not cal.is_working_day(day)):
            days.append(f"{day}  {'workday 调休上班' if listed else 'holiday 放假'}")
        day += dt.timedelta(days=1)
    click.echo(f"{year}: {'loaded' if cal.knows(year) else 'not loaded: weekends only'}")
    for line in days:
        click.echo(line)


@calendar.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--source", default=None, help="where the arrangement comes from [default: file]")
def calendar_import(file: str, source: str | None) -> None:
    """Import FILE, a CSV with the header date,kind,name,source (kind: holiday or workday).
    Each year in the file replaces that year's calendar; the import is a ledger entry."""
    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import directory
    from hwtrace.services import workdays as svc

    ctx = _ctx()
    directory.ensure_park(ctx)
    text = Path(file).read_text(encoding="utf-8-sig")
    try:
        years = svc.import_calendar(
            ctx,
            actor=None,
            by=os.environ.get("USER") or "cli",
            text=text,
            source=source or Path(file).name,
        )
    except HwtraceError as err:
        lines = [f"{err.code}: {err.message_zh} / {err.message_en}"]
        lines += [f"  {p}" for p in (err.detail or {}).get("problems", [])]
        raise click.ClickException("\n".join(lines)) from None
    for year, n in years.items():
        click.echo(f"{year}: {n} days listed / 已导入 {n} 天")
