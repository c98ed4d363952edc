"""The park administrator changes an enterprise's record after registration: a renewed or
extended permit (危险废物经营许可证 for a receiver, 道路危险货物运输许可证 for a transporter, each
checked as at registration) or the province it is in (GB/T 2260; it decides whether a transfer
to it crosses provinces, 部令第23号 第二十一–二十八条). The change is an ``enterprise.update``
ledger entry with the reason, the new values and the previous ones; what earlier bookings,
manifests and approvals recorded of the old permit stays as it was recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hwtrace.domain.access import Actor, Role, require_role
from hwtrace.domain.batches import need_reason
from hwtrace.domain.errors import BadValue, NotFound
from hwtrace.domain.manifest_numbers import check_province
from hwtrace.domain.transport import check_permits
from hwtrace.services import catalogue
from hwtrace.services.context import Context
from hwtrace.services.directory import check_permits_schema
from hwtrace.store.tables import Enterprise

MAX_REASON = 500


@dataclass(frozen=True)
class EnterpriseChange:
    """What changes: ``permits`` (the whole permits value, as at registration; None: kept),
    ``province_code`` (two digits; "" for the park's own province; None: kept), and why."""

    reason: str
    permits: dict[str, Any] | None = None
    province_code: str | None = None


def update_enterprise(
    ctx: Context, *, actor: Actor, enterprise_id: int, change: EnterpriseChange
) -> Enterprise:
    """Record a change of an enterprise's permits or province (park administrators)."""
    require_role(actor, Role.PARK_ADMIN)
    reason = need_reason(change.reason)[:MAX_REASON]
    if change.permits is not None:
        check_permits_schema(change.permits)
    province = check_province(change.province_code) if change.province_code is not None else None
    with ctx.uow() as uow:
        s = uow.session
        ent = s.scalar(
            sa.select(Enterprise)
            .where(Enterprise.id == enterprise_id, Enterprise.park_id == actor.park_id)
            .with_for_update()
        )
        if ent is None:
            raise NotFound(zh="单位不存在", en="no such enterprise")
        payload: dict[str, Any] = {"uscc": ent.uscc, "reason": reason}
        if change.permits is not None:
            edition = catalogue.current(ctx)
            permits = check_permits(
                ent.kind, change.permits, lambda c: edition.get(c) is not None, ctx.today()
            )
            if permits != (ent.permits or {}):
                payload.update(permits=permits, previous_permits=ent.permits or {})
                ent.permits = permits
        if change.province_code is not None and province != ent.province_code:
            payload.update(province_code=province or "", previous_province_code=ent.province_code)
            ent.province_code = province
        if len(payload) == 2:
            raise BadValue(
                zh="没有需要变更的内容",
                en="nothing differs from the record",
                code="enterprise.no_change",
            )
        uow.record(
            entry_type="enterprise.update",
            subject=ent.uscc,
            actor=actor.username,
            enterprise=ent.uscc,
            payload=payload,
        )
        uow.commit()
        return ent
