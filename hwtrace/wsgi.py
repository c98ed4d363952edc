"""The WSGI entry point for gunicorn: ``gunicorn hwtrace.wsgi:app``."""

from hwtrace.app import create_app

app = create_app()
