"""Sync: send the outbox to the server in queue order, each item with its idempotency key.

- Items of one code go, in order, through the same connection (a worker per connection, the
  code's hash picks the worker), so a batch's label is never sent before its registration;
  different codes go in parallel over several keep-alive connections. A worker sends the items
  waiting in its inbox (up to ``BATCH``, one user's) in one ``POST /sync``: the server applies
  them in order, each as its own idempotent request; an older server without /sync gets them
  one by one.
- An item is marked done only after a 2xx answer (or the replay of the first answer for its
  key); answers are written in small transactions, so a sync killed at any moment loses at
  most answers it will get again as replays when it resends the same keys.
- A refusal (4xx) moves the item to the refused list with the server's message; later items
  are still sent. A network error, a 5xx or 429 stops the sync: the rest stays queued. A 401
  stops that user's items only (their token was revoked: log in again).
"""

from __future__ import annotations

import json
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from pda_client.api import ApiError, Client, NetworkError
from pda_client.store import Item, Outcome, Store

#: Statuses that mean "try again later" rather than "this action is refused".
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
#: After this many 500 answers for the same item it is refused (a poison item must not block).
MAX_SERVER_ERRORS = 5
PAGE = 500
FLUSH_EVERY = 100
FLUSH_SECONDS = 0.25
#: Items of one user sent together in one POST /sync (the server takes up to 200).
BATCH = 50


@dataclass
class SyncReport:
    """What one sync did."""

    total: int = 0
    done: int = 0
    replayed: int = 0
    refused: int = 0
    stopped: str | None = None  # "network" | "server" when the sync stopped early
    error: str | None = None
    blocked_users: set[str] = field(default_factory=set)
    refused_items: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    left: int = 0

    @property
    def rate(self) -> float:
        """Items answered per second."""
        return (self.done + self.refused) / self.elapsed if self.elapsed > 0 else 0.0


def send_item(client: Client, item: Item, token: str) -> tuple[Outcome, str | None]:
    """Send one item; return its outcome and why the sync must stop (or None)."""
    try:
        resp = client.request(
            "POST",
            item.path,
            item.body.encode("utf-8"),
            headers={"Idempotency-Key": item.key},
            token=token,
        )
    except NetworkError as err:
        return Outcome(item.id, "queued", error=str(err)[:300]), "network"
    return answer(item, resp.status, resp.body, resp.replayed)


def answer(item: Item, status: int, body: bytes, replayed: bool) -> tuple[Outcome, str | None]:
    """Map the server's answer to one item onto its outcome (and why the sync must stop)."""
    if 200 <= status < 300:
        return (
            Outcome(
                item.id,
                "done",
                http_status=status,
                result=body.decode("utf-8", "replace"),
                replayed=replayed,
            ),
            None,
        )
    problem = ApiError.from_response(status, body)
    if status == 401:
        return Outcome(item.id, "queued", http_status=401, error=problem.message_en), "auth"
    if status in TRANSIENT and not (status == 500 and item.attempts + 1 >= MAX_SERVER_ERRORS):
        return (
            Outcome(item.id, "queued", http_status=status, error=problem.message_en),
            "server",
        )
    return (
        Outcome(
            item.id,
            "refused",
            http_status=status,
            error_code=problem.code,
            message_zh=problem.message_zh,
            message_en=problem.message_en,
        ),
        None,
    )


def send_batch(
    client: Client, items: list[Item], token: str
) -> list[tuple[Outcome, str | None]] | None:
    """Send several items of one user in one ``POST /sync``; None if the server has no /sync.

    The server applies them in order, each as its single request with its own idempotency key,
    and stops at the first 5xx: the items after it come back unattempted and stay queued.
    """
    payload = {"items": [{"key": i.key, "path": i.path, "body": i.body} for i in items]}
    try:
        resp = client.request(
            "POST", "/sync", json.dumps(payload, ensure_ascii=False).encode("utf-8"), token=token
        )
    except NetworkError as err:
        return [(Outcome(i.id, "queued", error=str(err)[:300]), "network") for i in items]
    if resp.status in (404, 405):
        return None
    if resp.status != 200:
        return [answer(i, resp.status, resp.body, False) for i in items]
    try:
        results = json.loads(resp.body)["results"]
        if not isinstance(results, list) or len(results) != len(items):
            raise ValueError("results do not match the items")
    except (ValueError, KeyError, TypeError):
        return None  # not an hwtrace /sync answer: send the items one by one
    out: list[tuple[Outcome, str | None]] = []
    for item, res in zip(items, results, strict=True):
        if res["status"] == 0:
            out.append((Outcome(item.id, "queued", error="not attempted"), "server"))
            continue
        body = json.dumps(res["body"], ensure_ascii=False).encode("utf-8")
        out.append(answer(item, int(res["status"]), body, bool(res.get("replayed"))))
    return out


class _Run:
    """State shared by the workers of one sync."""

    def __init__(self, base_url: str, tokens: dict[str, str], timeout: float) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.timeout = timeout
        self.stop = threading.Event()
        self.stop_reason: str | None = None
        self.error: str | None = None
        self.blocked_users: set[str] = set()
        self.results: queue.Queue[tuple[Item, Outcome | None]] = queue.Queue()
        self.batching = True

    def _skipped(self, item: Item, blocked_codes: set[str]) -> bool:
        """Report ``item`` as not sent if the sync stopped or its user or code is blocked."""
        if self.stop.is_set() or item.username in self.blocked_users or item.code in blocked_codes:
            self.results.put((item, None))
            return True
        return False

    def _settle(
        self, item: Item, outcome: Outcome, why: str | None, blocked_codes: set[str]
    ) -> None:
        """Record the server's answer: block the user (auth) or stop the sync, then report."""
        if why == "auth":
            self.blocked_users.add(item.username)
            blocked_codes.add(item.code)
        elif why is not None:
            if self.stop_reason is None:
                self.stop_reason, self.error = why, outcome.error
            self.stop.set()
        self.results.put((item, outcome))

    def handle(self, client: Client, item: Item, blocked_codes: set[str]) -> None:
        """Send one item unless the sync stopped or its user or code is blocked."""
        if self._skipped(item, blocked_codes):
            return
        outcome, why = send_item(client, item, self.tokens[item.username])
        self._settle(item, outcome, why, blocked_codes)

    def handle_many(self, client: Client, items: list[Item], blocked_codes: set[str]) -> None:
        """Send items of one user together (``POST /sync``), or one by one on an older server."""
        todo = [item for item in items if not self._skipped(item, blocked_codes)]
        if not todo:
            return
        answers = None
        if self.batching and len(todo) > 1:
            answers = send_batch(client, todo, self.tokens[todo[0].username])
            if answers is None:
                self.batching = False  # the server predates /sync
        if answers is None:
            for item in todo:
                self.handle(client, item, blocked_codes)
            return
        for item, (outcome, why) in zip(todo, answers, strict=True):
            self._settle(item, outcome, why, blocked_codes)

    def worker(self, inbox: queue.Queue[Item | None]) -> None:
        """Send the items of this worker's codes in order over one connection, taking up to
        BATCH waiting items of one user per request."""
        blocked_codes: set[str] = set()
        carry: Item | None = None
        done = False
        with Client(self.base_url, timeout=self.timeout) as client:
            while not done:
                first = carry if carry is not None else inbox.get()
                carry = None
                if first is None:
                    break
                group = [first]
                while len(group) < BATCH:
                    try:
                        nxt = inbox.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        done = True
                        break
                    if nxt.username != first.username:
                        carry = nxt
                        break
                    group.append(nxt)
                try:
                    self.handle_many(client, group, blocked_codes)
                except Exception as err:  # never leave the collector waiting for answers
                    if self.stop_reason is None:
                        self.stop_reason, self.error = "client", repr(err)[:300]
                    self.stop.set()
                    for item in group:
                        self.results.put((item, None))


class _Collector:
    """Counts the answers and writes them to the outbox in small transactions."""

    def __init__(
        self, store: Store, report: SyncReport, progress: Callable[[int, int], None] | None
    ) -> None:
        self.store = store
        self.report = report
        self.progress = progress
        self.pending: list[Outcome] = []
        self.last_flush = time.monotonic()
        self.answered = 0

    def flush(self) -> None:
        """Write what was answered."""
        self.store.record(self.pending)
        self.pending.clear()
        self.last_flush = time.monotonic()

    def tick(self) -> None:
        """Write what was answered if the last write is a while ago."""
        if self.pending and time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def __call__(self, item: Item, outcome: Outcome | None) -> None:
        if outcome is None:
            return  # not sent: it stays queued
        report = self.report
        self.pending.append(outcome)
        if outcome.state == "done":
            report.done += 1
            report.replayed += outcome.replayed
        elif outcome.state == "refused":
            report.refused += 1
            report.refused_items.append(outcome)
        if outcome.state != "queued":
            self.answered += 1
            if self.progress is not None:
                self.progress(self.answered, report.total)
        if len(self.pending) >= FLUSH_EVERY:
            self.flush()
        else:
            self.tick()


def sync(
    store: Store,
    base_url: str,
    *,
    workers: int = 4,
    progress: Callable[[int, int], None] | None = None,
    timeout: float = 15.0,
    client: Client | None = None,
) -> SyncReport:
    """Send every queued item of the users logged in on this handheld; return a report."""
    tokens = store.tokens()
    users = sorted(tokens)
    report = SyncReport(total=store.queued_count(users))
    start = time.monotonic()
    if report.total == 0:
        return report
    run = _Run(base_url, tokens, timeout)
    collect = _Collector(store, report, progress)
    try:
        if workers <= 1 or report.total == 1:
            _inline(store, run, users, collect, client)
        else:
            _threaded(store, run, users, collect, collect.tick, workers)
    finally:
        collect.flush()
    report.stopped = run.stop_reason
    report.error = run.error
    report.blocked_users = run.blocked_users
    report.elapsed = time.monotonic() - start
    report.left = store.queued_count(users)
    return report


def _inline(
    store: Store,
    run: _Run,
    users: list[str],
    collect: Callable[[Item, Outcome | None], None],
    client: Client | None,
) -> None:
    own = client is None
    conn = client or Client(run.base_url, timeout=run.timeout)
    blocked_codes: set[str] = set()
    last_id = 0
    try:
        while not run.stop.is_set():
            page = store.items("queued", after_id=last_id, limit=PAGE, usernames=users)
            if not page:
                return
            for item in page:
                last_id = item.id
                run.handle(conn, item, blocked_codes)
                collect(*run.results.get())
                if run.stop.is_set():
                    return
    finally:
        if own:
            conn.close()


def _threaded(
    store: Store,
    run: _Run,
    users: list[str],
    collect: Callable[[Item, Outcome | None], None],
    tick: Callable[[], None],
    workers: int,
) -> None:
    inboxes: list[queue.Queue[Item | None]] = [queue.Queue() for _ in range(workers)]
    threads = [
        threading.Thread(target=run.worker, args=(box,), daemon=True, name=f"sync-{i}")
        for i, box in enumerate(inboxes)
    ]
    for t in threads:
        t.start()
    outstanding = 0
    last_id = 0
    exhausted = False
    try:
        while True:
            if not exhausted and not run.stop.is_set() and outstanding < PAGE:
                page = store.items("queued", after_id=last_id, limit=PAGE, usernames=users)
                exhausted = not page
                for item in page:
                    inboxes[zlib.crc32(item.code.encode()) % workers].put(item)
                    outstanding += 1
                    last_id = item.id
                continue
            if outstanding == 0:
                return
            try:
                item, outcome = run.results.get(timeout=FLUSH_SECONDS)
            except queue.Empty:
                tick()
                continue
            outstanding -= 1
            collect(item, outcome)
    finally:
        for box in inboxes:
            box.put(None)
        for t in threads:
            t.join(timeout=run.timeout + 5)
