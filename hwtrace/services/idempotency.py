"""Idempotent requests: an ``Idempotency-Key`` is applied at most once per user.

The unit of work stores the key in the same transaction as the ledger entries it commits
(``store.unit_of_work``), so a retried request can never apply twice; a retry, or a concurrent
copy that lost the race, is answered from the stored key: the status and the body the first
answer had (kept with the key right after it was given). Should the server stop between the
commit and keeping the body, the replay has the original status and the subject as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from hwtrace.domain.errors import HwtraceError, IdempotencyConflict
from hwtrace.services.context import Context
from hwtrace.store.tables import IdempotencyKey
from hwtrace.store.unit_of_work import CURRENT_IDEMPOTENCY, IdempotentRequest, shared_session

T = TypeVar("T")


def stored(ctx: Context, req: IdempotentRequest) -> IdempotencyKey | None:
    """Return the stored key of this request, if it was applied."""
    shared = shared_session()
    if shared is not None:  # inside a sync batch: its own uncommitted keys count too
        return shared.get(IdempotencyKey, (req.user_id, req.key))
    with ctx.db.lookup_session() as s:
        return s.get(IdempotencyKey, (req.user_id, req.key))


def _answer(
    req: IdempotentRequest, found: IdempotencyKey, replay: Callable[[int, dict[str, Any]], T]
) -> T:
    if found.request_hash != req.request_hash:
        raise IdempotencyConflict(
            zh="该 Idempotency-Key 已用于另一个请求",
            en="this Idempotency-Key was used for another request",
        )
    return replay(found.status, found.response)


def _keep_answer(ctx: Context, req: IdempotentRequest, body: Any) -> None:
    """Keep the first answer's body with the applied key (nothing when no key was stored:
    the request recorded no entry)."""

    def put(s: sa.orm.Session) -> None:
        row = s.get(IdempotencyKey, (req.user_id, req.key))
        if row is not None and row.request_hash == req.request_hash:
            row.response = {**row.response, "answer": body}

    shared = shared_session()
    if shared is not None:
        put(shared)
        shared.flush()
        return
    if stored(ctx, req) is None:
        return
    with ctx.db.write_session() as s, s.begin():
        put(s)


def apply_once(
    ctx: Context,
    *,
    user_id: int,
    key: str,
    request_hash: str,
    status: int,
    apply: Callable[[], T],
    replay: Callable[[int, dict[str, Any]], T],
    answer_of: Callable[[T], Any],
) -> T:
    """Run ``apply`` with the key in force, unless the key was applied already: then answer
    with ``replay`` of the stored status and response (refusing a key reused for another
    request). The body ``answer_of`` the first result is kept as ``response["answer"]``."""
    req = IdempotentRequest(user_id=user_id, key=key, request_hash=request_hash, status=status)
    found = stored(ctx, req)
    if found is not None:
        return _answer(req, found, replay)
    token = CURRENT_IDEMPOTENCY.set(req)
    try:
        result = apply()
        body = answer_of(result)
        if body is not None:
            _keep_answer(ctx, req, body)
        return result
    except HwtraceError:
        # A concurrent copy of this request may have won the race: answer as it did.
        found = stored(ctx, req)
        if found is not None:
            return _answer(req, found, replay)
        raise
    except sa.exc.IntegrityError:
        # The key row itself lost a primary-key race: the other copy committed first.
        found = stored(ctx, req)
        if found is not None:
            return _answer(req, found, replay)
        raise
    finally:
        CURRENT_IDEMPOTENCY.reset(token)
