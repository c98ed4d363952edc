"""A webhook receiver for the tests: a real HTTP server in a thread that keeps every request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    answer: bytes = b"{}"
    delay: float = 0.0
    # Deliveries received while the same delivery id was still being received (two senders
    # holding one delivery at once): must stay empty.
    overlaps: list[str] = field(default_factory=list)
    in_flight: set[str] = field(default_factory=set)


@contextmanager
def receiver() -> Iterator[Receiver]:
    """Serve on a free port; every POST is kept and answered with ``status``."""
    rec = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            delivery = self.headers.get("X-Hwtrace-Delivery", "")
            with lock:
                if delivery in rec.in_flight:
                    rec.overlaps.append(delivery)
                rec.in_flight.add(delivery)
            if rec.delay:
                time.sleep(rec.delay)  # a slow receiver: a notifier may be killed meanwhile
            with lock:
                rec.in_flight.discard(delivery)
            parts = urlsplit(self.path)
            with lock:
                rec.requests.append(
                    Received(parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
                )
            try:
                self.send_response(rec.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(rec.answer)))
                self.end_headers()
                self.wfile.write(rec.answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender was killed while it waited for the answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
