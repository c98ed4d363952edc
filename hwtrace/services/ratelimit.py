"""API rate limits: requests per token and per source address in fixed windows.

The counters live in the database (table ``rate_counter``): one row per caller and window,
incremented with one atomic upsert, so every gunicorn worker (and every server in front of the
same database) counts in the same row and the limit holds across processes. A fixed window
lets a caller send up to twice the limit across a window's boundary; the limits are a brake
on runaway clients and scrapers, not an exact quota (docs/security.md, "Rate limits").
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hwtrace.domain.errors import RateLimited
from hwtrace.services.context import Context
from hwtrace.store.tables import RateCounter


def hit(ctx: Context, *, bucket: str, limit: int, scope: str) -> None:
    """Count one request of ``bucket``; refuse it (429 ``rate_limited``, with the seconds to
    wait) when the window already holds ``limit`` requests. ``limit`` 0 means no limit."""
    if limit <= 0:
        return
    window_s = max(1, ctx.settings.api_rate_window_seconds)
    now = ctx.now().timestamp()
    window = int(now // window_s)
    s = ctx.db.write_session()
    try:
        insert = pg_insert if ctx.db.dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(RateCounter)
            .values(bucket=bucket[:100], window=window, count=1)
            .on_conflict_do_update(
                index_elements=["bucket", "window"], set_={"count": RateCounter.count + 1}
            )
            .returning(RateCounter.count)
        )
        count = int(s.execute(stmt).scalar_one())
        if count == 1:  # a new window: the caller's older windows are of no use any more
            s.execute(
                sa.delete(RateCounter).where(
                    RateCounter.bucket == bucket[:100], RateCounter.window < window
                )
            )
        s.commit()
    finally:
        s.close()
    if count > limit:
        retry = max(1, int((window + 1) * window_s - now + 0.999))
        raise RateLimited(
            zh=f"请求过于频繁（每 {window_s} 秒最多 {limit} 次），请 {retry} 秒后重试",
            en=f"too many requests (at most {limit} per {window_s} s); retry in {retry} s",
            detail={
                "scope": scope,
                "limit": limit,
                "window_seconds": window_s,
                "retry_after_seconds": retry,
            },
        )
