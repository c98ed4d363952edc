"""``hwtrace sweep``: the park's periodic sweep (an entry point like ``wsgi.py``): every
current warning opens its case, cases whose warning has gone are noted, overdue cases
escalate (``services/sweep.py``). Several sweepers may run at once (a second host, a manual
``--once``, the park administrator's "sweep now"): each case is opened once."""

from __future__ import annotations

import json
import logging
import threading

import click

from hwtrace.services import sweep as sweep_svc
from hwtrace.services.context import Context

log = logging.getLogger("hwtrace.sweep")


def run(ctx: Context, stop: threading.Event, every: float) -> None:
    """Sweep every ``every`` seconds until ``stop`` is set; a failed sweep is logged."""
    while not stop.is_set():
        try:
            r = sweep_svc.run(ctx)
            if r.opened or r.cleared or r.recurred or r.escalated:
                log.warning("sweep: %s", r.as_json())
        except Exception:
            log.exception("sweep failed")
        stop.wait(every)


@click.command("sweep")
@click.option("--every", default=60.0, show_default=True, help="Seconds between two sweeps.")
@click.option("--once", is_flag=True, help="Sweep once, print what was done, then stop.")
def sweep_command(every: float, once: bool) -> None:
    """Open a case for every warning, note cases whose warning has gone, escalate overdue cases."""
    import signal

    from hwtrace.app import create_app

    app = create_app()
    ctx: Context = app.extensions["hwtrace"]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if once:
            click.echo(json.dumps(sweep_svc.run(ctx).as_json()))
        else:
            run(ctx, stop, every)
    finally:
        ctx.db.dispose()
