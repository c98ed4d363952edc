"""The unit of work: one session, one transaction, the ledger entries and the read-model rows
they explain committed together or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session

import ledger
from hwtrace.db import Database
from hwtrace.store.tables import IdempotencyKey


@dataclass(frozen=True)
class IdempotentRequest:
    """An ``Idempotency-Key`` the caller sent: applied at most once per user."""

    user_id: int
    key: str
    request_hash: str
    status: int = 200  # the status the request answers when applied (201 for a creation)


# Set by the web layer around one request; the unit of work stores the key in the same
# transaction as the entries it commits, so a retried request can never apply twice.
CURRENT_IDEMPOTENCY: ContextVar[IdempotentRequest | None] = ContextVar(
    "hwtrace_idempotency", default=None
)


# Set by ``shared_transaction``: units of work started inside it run as savepoints of its one
# transaction instead of transactions of their own.
_SHARED: ContextVar[Session | None] = ContextVar("hwtrace_shared_session", default=None)


def shared_session() -> Session | None:
    """Return the session of the enclosing ``shared_transaction``, if any."""
    return _SHARED.get()


@contextmanager
def shared_transaction(db: Database) -> Iterator[Session]:
    """Run several units of work in one database transaction, each in a savepoint.

    A unit that fails is rolled back to its savepoint and the others stand; everything is
    committed together when the block ends (rolled back if it raises), so an acknowledged
    result is never lost and a crash before the commit loses only unacknowledged work. Used
    for a handheld's sync batch: one write lock, one ``COMMIT`` (one WAL flush) for many
    events instead of one each. Keep the block short: it holds the write lock throughout.
    """
    if _SHARED.get() is not None:
        raise RuntimeError("shared transactions do not nest")
    session = db.write_session()
    token = _SHARED.set(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _SHARED.reset(token)
        session.close()


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back on exit.

    Inside ``shared_transaction`` the unit is a savepoint: ``commit()`` releases it and the
    enclosing transaction commits it later; leaving without ``commit()`` rolls back to it.
    """

    def __init__(
        self,
        db: Database,
        log: ledger.Log,
        clock: Callable[[], dt.datetime] | None = None,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._db = db
        self._on_commit = on_commit
        self.log = log
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.session: Session
        self._committed = False
        self._last_subject: str | None = None
        self._last_seq: int | None = None

    def now(self) -> dt.datetime:
        """Return the current time from the context's clock."""
        return self._clock()

    def __enter__(self) -> UnitOfWork:
        shared = _SHARED.get()
        if shared is None:
            self.session = self._db.write_session()
            self._savepoint = None
        else:
            self.session = shared
            self._savepoint = shared.begin_nested()
        self._flush_first = self._db.dialect != "sqlite"
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._savepoint is not None:
            if not self._committed and self._savepoint.is_active:
                self._savepoint.rollback()
            return
        if not self._committed:
            self.session.rollback()
        self.session.close()

    def record(
        self,
        *,
        entry_type: str,
        subject: str | None,
        actor: str | None,
        enterprise: str | None,
        payload: dict[str, Any],
        client_ts: dt.datetime | None = None,
    ) -> ledger.StoredEntry:
        """Append one ledger entry inside this transaction and return it."""
        if self._flush_first:
            # PostgreSQL: write the read-model rows before the append locks the log head, so
            # the head (one row every writer in the park queues on) is held for the append and
            # the commit only. SQLite serializes the whole transaction anyway; there the
            # changes are flushed once, at commit, with the entry's seq already set.
            self.session.flush()
        draft = ledger.EntryDraft(
            entry_type=entry_type,
            subject=subject,
            actor=actor,
            enterprise=enterprise,
            client_ts=client_ts,
            payload=payload,
        )
        entry = self.log.append(self.session.connection(), draft)
        self._last_subject, self._last_seq = subject, entry.seq
        return entry

    def commit(self) -> None:
        """Commit the transaction: read model, ledger entries and idempotency key together."""
        idem = CURRENT_IDEMPOTENCY.get()
        if idem is not None and self._last_seq is not None:
            self.session.add(
                IdempotencyKey(
                    user_id=idem.user_id,
                    key=idem.key,
                    request_hash=idem.request_hash,
                    status=idem.status,
                    response={"subject": self._last_subject, "seq": self._last_seq},
                )
            )
        if self._savepoint is not None:
            self._savepoint.commit()
        else:
            self.session.commit()
        self._committed = True
        if self._on_commit is not None and self._last_seq is not None:
            self._on_commit(self._last_seq)


UowFactory = Callable[[], UnitOfWork]
