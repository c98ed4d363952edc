"""gunicorn's settings for hwtrace: ``gunicorn -c python:hwtrace.gunicorn_conf hwtrace.wsgi:app``
(``hwtrace serve`` uses it; options on the command line win over these).

- bind, workers and threads from ``HWTRACE_BIND`` (127.0.0.1:8000), ``HWTRACE_WORKERS`` (CPUs)
  and ``HWTRACE_THREADS`` (2: few, because a writer holding the ledger lock must not wait for
  the interpreter lock behind many others; bench/RESULTS.md);
- keep-alive 5 s (handhelds and scanners keep their connection between scans);
- no access log of gunicorn's own: the app logs every request as a JSON line with its request id;
  gunicorn's error log is JSON too;
- Prometheus multiprocess mode: every worker writes its metrics to files in
  ``PROMETHEUS_MULTIPROC_DIR`` (made here when unset, emptied at start) and ``/metrics`` adds
  them up; a worker that exits is marked dead so its gauges drop out.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

bind = os.environ.get("HWTRACE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HWTRACE_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("HWTRACE_THREADS", "2"))
keepalive = 5
timeout = 60
graceful_timeout = 30
accesslog = None
errorlog = "-"
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "hwtrace.observe.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    # The root logger gets its handler from the app (hwtrace.observe.configure_logging).
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Give the workers an empty directory for their metric files."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        for stale in Path(path).glob("*.db"):
            stale.unlink()
    else:
        path = tempfile.mkdtemp(prefix="hwtrace-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path  # inherited by the workers
        server._hwtrace_metrics_tmp = path


def child_exit(server: Any, worker: Any) -> None:
    """Let a dead worker's live gauges drop out of the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the metrics directory this process made."""
    path = getattr(server, "_hwtrace_metrics_tmp", None)
    if path:
        shutil.rmtree(path, ignore_errors=True)
