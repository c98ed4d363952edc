"""The PDA's local SQLite database: the outbox of actions waiting to sync, the device tokens of
the users who logged in on this handheld, cached reference data (waste profiles, rooms,
enterprises) and identification codes reserved in advance for offline registration.

Every action is written here first, with its idempotency key and the exact request body (the
server matches a resent key against a hash of the body, so the bytes must not change), and
only then sent. An item is marked done after the server answered 2xx (or replayed the first
answer for the key); a refusal (4xx) moves it to the refused list with the server's message.
Writes use ``synchronous=FULL`` so an accepted scan survives a pulled battery.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS account(
    username TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    token_id INTEGER,
    me TEXT NOT NULL,
    logged_in_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cache(
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (username, name)
);
CREATE TABLE IF NOT EXISTS reserved_code(
    code TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    profile_id INTEGER NOT NULL,
    produced_on TEXT NOT NULL,
    reservation_id INTEGER,
    reserved_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX IF NOT EXISTS reserved_free ON reserved_code(username, profile_id, produced_on)
    WHERE used_at IS NULL;
CREATE TABLE IF NOT EXISTS outbox(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'done', 'refused', 'dismissed')),
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    http_status INTEGER,
    error_code TEXT,
    message_zh TEXT,
    message_en TEXT,
    result TEXT,
    replayed INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, id);
CREATE INDEX IF NOT EXISTS outbox_code ON outbox(code, id);
"""

#: A second scan of the same code and action within this window after it synced is a duplicate.
DUPLICATE_WINDOW = dt.timedelta(minutes=10)


def default_db_path() -> Path:
    """``$HWTRACE_PDA_DB`` or ``~/.hwtrace-pda/pda.sqlite``."""
    env = os.environ.get("HWTRACE_PDA_DB")
    if env:
        return Path(env)
    return Path.home() / ".hwtrace-pda" / "pda.sqlite"


def utcnow() -> str:
    """The current time as RFC 3339 UTC (what ``client_ts`` carries)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Item:
    """One outbox row."""

    id: int
    key: str
    username: str
    code: str
    action: str
    path: str
    body: str
    state: str
    created_at: str
    attempts: int
    last_error: str | None
    http_status: int | None
    error_code: str | None
    message_zh: str | None
    message_en: str | None
    result: str | None
    replayed: int
    finished_at: str | None


_ITEM_COLS = ", ".join(Item.__dataclass_fields__)


@dataclass(frozen=True)
class Enqueued:
    """What ``enqueue`` did: the new item, or the earlier one that makes this a duplicate."""

    item: Item
    duplicate: bool


@dataclass(frozen=True)
class Outcome:
    """The server's answer to one item, as the sync records it."""

    id: int
    state: str  # "done" | "refused" | "queued" (a transient failure: attempt counted)
    http_status: int | None = None
    error_code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    result: str | None = None
    replayed: bool = False
    error: str | None = None


class Store:
    """The local database (one connection; use one Store per thread)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        if self.meta("device_id") is None:
            self.set_meta("device_id", uuid.uuid4().hex[:12])

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: other processes wait, none interleaves)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- settings -----------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A setting, or None."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or with None, remove) a setting."""
        with self.tx() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    @property
    def device_id(self) -> str:
        """A random id of this handheld's database (a prefix of every idempotency key)."""
        return self.meta("device_id") or "pda"

    # -- accounts -----------------------------------------------------------------------------

    def save_account(self, username: str, token: str, token_id: int | None, me: Any) -> None:
        """Store a user's device token and make the user current."""
        with self.tx() as db:
            db.execute(
                "INSERT INTO account(username, token, token_id, me, logged_in_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET "
                "token = excluded.token, token_id = excluded.token_id, me = excluded.me, "
                "logged_in_at = excluded.logged_in_at",
                (username, token, token_id, json.dumps(me, ensure_ascii=False), utcnow()),
            )
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('current_user', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (username,),
            )

    def remove_account(self, username: str) -> None:
        """Forget a user's token (their queued items stay until they log in again)."""
        with self.tx() as db:
            db.execute("DELETE FROM account WHERE username = ?", (username,))
            db.execute("DELETE FROM meta WHERE key = 'current_user' AND value = ?", (username,))

    def update_me(self, username: str, me: Any) -> None:
        """Replace the stored ``GET /me`` of a user."""
        with self.tx() as db:
            db.execute(
                "UPDATE account SET me = ? WHERE username = ?",
                (json.dumps(me, ensure_ascii=False), username),
            )

    def token_id(self, username: str) -> int | None:
        """The server's id of a user's device token (to revoke it)."""
        row = self.db.execute(
            "SELECT token_id FROM account WHERE username = ?", (username,)
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def tokens(self) -> dict[str, str]:
        """username -> device token of every user logged in on this handheld."""
        return {r[0]: r[1] for r in self.db.execute("SELECT username, token FROM account")}

    def current_user(self) -> str | None:
        """The user whose actions are queued now."""
        return self.meta("current_user")

    def me(self, username: str | None = None) -> dict[str, Any] | None:
        """``GET /me`` as stored at login (user, role, enterprise)."""
        who = username or self.current_user()
        row = self.db.execute("SELECT me FROM account WHERE username = ?", (who,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- cache --------------------------------------------------------------------------------

    def put_cache(self, username: str, name: str, value: Any) -> None:
        """Store a reference list fetched from the server."""
        with self.tx() as db:
            db.execute(
                "INSERT INTO cache(username, name, value, fetched_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(username, name) DO UPDATE SET value = excluded.value, "
                "fetched_at = excluded.fetched_at",
                (username, name, json.dumps(value, ensure_ascii=False), utcnow()),
            )

    def cache(self, name: str, username: str | None = None) -> Any:
        """A cached list (None if never fetched)."""
        who = username or self.current_user()
        row = self.db.execute(
            "SELECT value FROM cache WHERE username = ? AND name = ?", (who, name)
        ).fetchone()
        return None if row is None else json.loads(row[0])

    # -- reserved codes -----------------------------------------------------------------------

    def add_reserved(
        self,
        username: str,
        profile_id: int,
        produced_on: str,
        codes: Sequence[str],
        reservation_id: int | None,
    ) -> None:
        """Keep a block of codes reserved on the server for offline registration."""
        now = utcnow()
        with self.tx() as db:
            db.executemany(
                "INSERT OR IGNORE INTO reserved_code"
                "(code, username, profile_id, produced_on, reservation_id, reserved_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(c, username, profile_id, produced_on, reservation_id, now) for c in codes],
            )

    def free_codes(
        self, username: str, profile_id: int | None = None
    ) -> dict[tuple[int, str], int]:
        """(profile id, production date) -> number of unused reserved codes."""
        sql = (
            "SELECT profile_id, produced_on, count(*) FROM reserved_code "
            "WHERE username = ? AND used_at IS NULL"
        )
        args: list[Any] = [username]
        if profile_id is not None:
            sql += " AND profile_id = ?"
            args.append(profile_id)
        sql += " GROUP BY profile_id, produced_on ORDER BY produced_on, profile_id"
        return {(r[0], r[1]): r[2] for r in self.db.execute(sql, args)}

    # -- the outbox ---------------------------------------------------------------------------

    def new_key(self) -> str:
        """A fresh idempotency key (``<device>-<uuid>``, 45 characters of [0-9a-f-])."""
        return f"{self.device_id}-{uuid.uuid4().hex}"

    def enqueue(
        self,
        *,
        username: str,
        code: str,
        action: str,
        path: str,
        body: dict[str, Any],
        dedupe: bool = True,
    ) -> Enqueued:
        """Queue one action; a repeat of the newest action on the same code is a duplicate.

        A repeat is the same action while the earlier one is still queued, or synced less than
        DUPLICATE_WINDOW ago (a double scan).
        """
        with self.tx() as db:
            if dedupe:
                prev = db.execute(
                    f"SELECT {_ITEM_COLS} FROM outbox WHERE code = ? AND username = ? "
                    "AND state IN ('queued', 'done') ORDER BY id DESC LIMIT 1",
                    (code, username),
                ).fetchone()
                if prev is not None and prev["action"] == action and _recent(prev):
                    return Enqueued(Item(*prev), duplicate=True)
            return Enqueued(self._insert(db, username, code, action, path, body), duplicate=False)

    def enqueue_register(
        self, *, username: str, profile_id: int, produced_on: str, body: dict[str, Any]
    ) -> Item | None:
        """Queue a registration with the oldest unused reserved code of this profile and date,
        marking the code used in the same transaction; None when no code is left."""
        with self.tx() as db:
            row = db.execute(
                "SELECT code FROM reserved_code WHERE username = ? AND profile_id = ? "
                "AND produced_on = ? AND used_at IS NULL ORDER BY code LIMIT 1",
                (username, profile_id, produced_on),
            ).fetchone()
            if row is None:
                return None
            code = str(row[0])
            db.execute("UPDATE reserved_code SET used_at = ? WHERE code = ?", (utcnow(), code))
            return self._insert(db, username, code, "register", "/batches", {**body, "code": code})

    def _insert(
        self,
        db: sqlite3.Connection,
        username: str,
        code: str,
        action: str,
        path: str,
        body: dict[str, Any],
    ) -> Item:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        cur = db.execute(
            "INSERT INTO outbox(key, username, code, action, path, body, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.new_key(), username, code, action, path, text, utcnow()),
        )
        row = db.execute(f"SELECT {_ITEM_COLS} FROM outbox WHERE id = ?", (cur.lastrowid,))
        return Item(*row.fetchone())

    def item(self, item_id: int) -> Item | None:
        """One outbox item by id."""
        row = self.db.execute(
            f"SELECT {_ITEM_COLS} FROM outbox WHERE id = ?", (item_id,)
        ).fetchone()
        return None if row is None else Item(*row)

    def items(
        self,
        state: str | None = None,
        *,
        code: str | None = None,
        after_id: int = 0,
        limit: int = 1000,
        usernames: Sequence[str] | None = None,
        newest_first: bool = False,
    ) -> list[Item]:
        """Outbox items in queue order (or newest first), filtered."""
        sql = f"SELECT {_ITEM_COLS} FROM outbox WHERE id > ?"
        args: list[Any] = [after_id]
        if state is not None:
            sql += " AND state = ?"
            args.append(state)
        if code is not None:
            sql += " AND code = ?"
            args.append(code)
        if usernames is not None:
            sql += f" AND username IN ({','.join('?' * len(usernames))})"
            args.extend(usernames)
        sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
        args.append(limit)
        return [Item(*r) for r in self.db.execute(sql, args)]

    def counts(self) -> dict[str, int]:
        """Items per state."""
        out = {"queued": 0, "done": 0, "refused": 0, "dismissed": 0}
        for state, n in self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
            out[state] = n
        return out

    def queued_count(self, usernames: Sequence[str] | None = None) -> int:
        """How many items wait to sync (for these users)."""
        sql = "SELECT count(*) FROM outbox WHERE state = 'queued'"
        args: list[Any] = []
        if usernames is not None:
            sql += f" AND username IN ({','.join('?' * len(usernames))})"
            args.extend(usernames)
        return int(self.db.execute(sql, args).fetchone()[0])

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Record the server's answers in one transaction (only items still queued change)."""
        if not outcomes:
            return
        now = utcnow()
        with self.tx() as db:
            for o in outcomes:
                if o.state == "queued":
                    db.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                        "http_status = ? WHERE id = ? AND state = 'queued'",
                        (o.error, o.http_status, o.id),
                    )
                    continue
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1, http_status = ?, "
                    "error_code = ?, message_zh = ?, message_en = ?, result = ?, replayed = ?, "
                    "last_error = ?, finished_at = ? WHERE id = ? AND state = 'queued'",
                    (
                        o.state,
                        o.http_status,
                        o.error_code,
                        o.message_zh,
                        o.message_en,
                        o.result,
                        int(o.replayed),
                        o.error,
                        now,
                        o.id,
                    ),
                )

    def requeue(self, item_id: int) -> bool:
        """Send a refused item again (after the cause was fixed); same key, same body."""
        with self.tx() as db:
            cur = db.execute(
                "UPDATE outbox SET state = 'queued', finished_at = NULL WHERE id = ? "
                "AND state = 'refused'",
                (item_id,),
            )
        return cur.rowcount == 1

    def dismiss(self, item_id: int | None = None) -> int:
        """Acknowledge refused items (one, or all): they leave the refused list."""
        with self.tx() as db:
            if item_id is None:
                cur = db.execute("UPDATE outbox SET state = 'dismissed' WHERE state = 'refused'")
            else:
                cur = db.execute(
                    "UPDATE outbox SET state = 'dismissed' WHERE id = ? AND state = 'refused'",
                    (item_id,),
                )
        return cur.rowcount

    def prune(self, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
        """Delete synced and dismissed items older than ``older_than``."""
        cutoff = (dt.datetime.now(dt.UTC) - older_than).isoformat().replace("+00:00", "Z")
        with self.tx() as db:
            cur = db.execute(
                "DELETE FROM outbox WHERE state IN ('done', 'dismissed') AND finished_at < ?",
                (cutoff,),
            )
        return cur.rowcount

    def last_state(self, code: str) -> dict[str, Any] | None:
        """The batch as the server last described it to this handheld (from a synced answer)."""
        row = self.db.execute(
            "SELECT result FROM outbox WHERE code = ? AND state = 'done' AND result IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (code,),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))


def _recent(row: sqlite3.Row) -> bool:
    if row["state"] == "queued":
        return True
    finished = row["finished_at"]
    if not finished:
        return False
    at = dt.datetime.fromisoformat(str(finished).replace("Z", "+00:00"))
    return dt.datetime.now(dt.UTC) - at < DUPLICATE_WINDOW
