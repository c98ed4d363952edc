"""hwtrace-pda: the handheld client. Scans codes (keyboard wedge or serial), reads scales,
queues every action in a local SQLite outbox with an idempotency key, syncs over HTTP, prints
labels through ``printer/``. It never imports the server (import-linter contract ``pda-over-http``).
"""

__version__ = "0.1.0"
