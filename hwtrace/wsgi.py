"""The WSGI entry point for gunicorn: ``gunicorn hwtrace.wsgi:app``.

It refuses to start without the session secret and the ledger signing key (run
``hwtrace keys init`` once per instance)."""

from hwtrace.app import create_app, require_keys

app = create_app()
require_keys(app)
