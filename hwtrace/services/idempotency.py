"""Idempotent requests: an ``Idempotency-Key`` is applied at most once per user.

The unit of work stores the key in the same transaction as the ledger entries it commits
(``store.unit_of_work``), so a retried request can never apply twice; a retry, or a concurrent
copy that lost the race, is answered from the stored key.
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
    req: IdempotentRequest, found: IdempotencyKey, replay: Callable[[dict[str, Any]], T]
) -> T:
    if found.request_hash != req.request_hash:
        raise IdempotencyConflict(
            "该 Idempotency-Key 已用于另一个请求",
            "this Idempotency-Key was used for another request",
        )
    return replay(found.response)


def apply_once(
    ctx: Context,
    *,
    user_id: int,
    key: str,
    request_hash: str,
    apply: Callable[[], T],
    replay: Callable[[dict[str, Any]], T],
) -> T:
    """Run ``apply`` with the key in force, unless the key was applied already: then answer
    with ``replay`` of what was stored (refusing a key reused for another request)."""
    req = IdempotentRequest(user_id=user_id, key=key, request_hash=request_hash)
    found = stored(ctx, req)
    if found is not None:
        return _answer(req, found, replay)
    token = CURRENT_IDEMPOTENCY.set(req)
    try:
        return apply()
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
