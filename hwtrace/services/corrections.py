"""Correcting a batch: a new ledger entry that names the entry it corrects and why (the weight,
the packaging or the remarks); nothing is edited in place. A corrected weight far out of line
with the profile's history, or ten times the old one, is flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import batches as rules
from hwtrace.domain.access import (
    Actor,
    Role,
    require_party,
    require_role,
)
from hwtrace.domain.errors import BadValue, Conflict, NotFound
from hwtrace.domain.lifecycle import BatchStatus, Party
from hwtrace.domain.quantities import g_to_kg, kg_to_g
from hwtrace.domain.warnings import (
    OUTLIER_MIN_HISTORY,
    OUTLIER_WINDOW,
    correction_outlier,
    weight_outlier,
)
from hwtrace.services import parties
from hwtrace.services.batches import batch_parties, lock_batch, refuse_voided
from hwtrace.services.context import Context
from hwtrace.store.stats import add_monthly, month_of
from hwtrace.store.tables import (
    Batch,
    WasteProfile,
)

S = BatchStatus


@dataclass(frozen=True)
class Correction:
    """A correction of a registered batch's facts; it references the entry it corrects."""

    corrects_seq: int
    reason: str
    weight_kg: str | None = None
    profile_id: int | None = None
    client_ts: dt.datetime | None = None


def weight_check(s: Session, batch: Batch, new_g: int) -> dict[str, Any] | None:
    """Judge a corrected weight: a new weight in line with the profile's history is fine (a
    warning whose cause the correction removed ends); otherwise a correction that multiplies or
    divides the weight by 3 or more is flagged, and the new weight is judged like a declared
    one. Sets the batch's flag; returns what the entry records."""
    history = list(
        s.scalars(
            sa.select(Batch.weight_g)
            .where(
                Batch.profile_id == batch.profile_id,
                Batch.status != S.VOIDED,
                Batch.id != batch.id,
            )
            .order_by(Batch.id.desc())
            .limit(OUTLIER_WINDOW)
        )
    )
    judged = weight_outlier(new_g, history)
    in_line = judged is None and len(history) >= OUTLIER_MIN_HISTORY  # e.g. a slip undone
    flag = None if in_line else correction_outlier(batch.weight_g, new_g) or judged
    was = batch.weight_outlier
    batch.weight_outlier = flag
    if flag is None and was is not None:
        return {"rule": "cleared_by_correction"}
    return flag


def correct_batch(ctx: Context, *, actor: Actor, code: str, correction: Correction) -> Batch:
    """Correct a batch's weight or waste profile with a new entry; nothing is edited in place."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    if not correction.reason.strip():
        raise BadValue(zh="更正须填写原因", en="a reason is required for a correction")
    if correction.weight_kg is None and correction.profile_id is None:
        raise BadValue(
            zh="没有需要更正的内容", en="nothing to correct: give weight_kg or profile_id"
        )
    with ctx.uow() as uow:
        s = uow.session
        batch = lock_batch(ctx, uow, actor, code)
        refuse_voided(batch)
        require_party(actor, Party.PRODUCER, batch_parties(batch))
        rules.check_correctable(batch.status)
        target = uow.log.get(s.connection(), correction.corrects_seq)
        if target is None or target.subject != batch.code:
            raise BadValue(
                zh="被更正的台账记录不属于该批次",
                en="the corrected entry is not about this batch",
                detail={"corrects_seq": correction.corrects_seq},
            )
        changes: dict[str, Any] = {}
        check: dict[str, Any] | None = None
        if correction.weight_kg is not None:
            new_g = kg_to_g(correction.weight_kg)
            changes["weight_kg"] = {"old": g_to_kg(batch.weight_g), "new": g_to_kg(new_g)}
            check = weight_check(s, batch, new_g)
            add_monthly(
                s,
                [
                    (
                        batch.park_id,
                        batch.producer_id,
                        batch.category,
                        month_of(batch.produced_on),
                        "gen",
                        new_g - batch.weight_g,
                        0,
                    )
                ],
            )
            batch.weight_g = new_g
        if correction.profile_id is not None:
            profile = s.get(WasteProfile, correction.profile_id)
            if profile is None or profile.enterprise_id != batch.producer_id:
                raise NotFound(zh="废物档案不存在", en="no such waste profile")
            if profile.waste_code != batch.waste_code:
                # The identification code embeds the waste code: a different code is a new batch.
                raise Conflict(
                    zh="更正后的废物代码与识别码不符，请作废后重新登记",
                    en="the new profile has another waste code; void and register again",
                    code="batch.illegal_transition",
                )
            changes["profile_id"] = {"old": batch.profile_id, "new": profile.id}
            batch.profile_id = profile.id
        batch.updated_at = ctx.now()
        entry = uow.record(
            entry_type="batch.correct",
            subject=batch.code,
            actor=actor.username,
            enterprise=parties.actor_uscc(s, actor),
            client_ts=correction.client_ts,
            payload={
                "prev": batch.last_seq,
                "corrects": correction.corrects_seq,
                "reason": correction.reason.strip(),
                "changes": changes,
                **({"weight_check": check} if check is not None else {}),
            },
        )
        batch.last_seq = entry.seq
        uow.commit()
        return batch
