"""The WSGI entry point for gunicorn: ``gunicorn hwtrace.wsgi:app``.

It refuses to start without the session secret and the ledger signing key (run
``hwtrace keys init`` once per instance). Each worker starts its checkpointer (automatic
checkpoints, witnesses, tiles: ``hwtrace.services.checkpoints``) here, after gunicorn forked it."""

from hwtrace.app import create_app, require_keys
from hwtrace.services.checkpoints import start_background

app = create_app()
require_keys(app)
checkpointer = start_background(app.extensions["hwtrace"])
