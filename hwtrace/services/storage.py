"""Storage rooms as a batch is scanned into one: the rules of ``domain/storage.py`` fed with what
the room holds now (one indexed pass over its stored batches)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.storage import find_incompatible, incompatible
from hwtrace.store.tables import Batch, StorageRoom, WasteProfile


def room_for(s: Session, batch: Batch, room_id: int | None) -> StorageRoom:
    """Return the room ``batch`` is being stored in, or refuse: a room of another producer, a
    category the room does not take, a room that would be over capacity, or a waste
    incompatible with one already there."""
    if room_id is None:
        raise BadValue("入库须指定贮存库房", "room_id is required to store a batch")
    room = s.get(StorageRoom, room_id)
    if room is None or room.enterprise_id != batch.producer_id:
        raise Conflict(
            "库房不属于该批次的产废单位",
            "the room does not belong to the batch's producer",
            code="storage.room_mismatch",
        )
    if room.allowed_categories and batch.category not in room.allowed_categories:
        raise Conflict(
            f"库房「{room.name}」不允许贮存 {batch.category} 类废物",
            f"room {room.name} may not hold {batch.category}",
            code="storage.category_not_allowed",
            detail={"allowed": room.allowed_categories},
        )
    # One pass over the room's stored batches, grouped by waste profile (index-only on
    # ix_batch_room): the weight held and the wastes present, however many batches there are.
    held = s.execute(
        sa.select(Batch.profile_id, sa.func.sum(Batch.weight_g))
        .where(Batch.room_id == room.id, Batch.status == BatchStatus.STORED.value)
        .group_by(Batch.profile_id)
    ).all()
    stored = sum(int(w or 0) for _, w in held)
    if stored + batch.weight_g > room.capacity_g:
        raise Conflict(
            f"库房「{room.name}」容量不足（已存 {g_to_kg(stored)} 千克，"
            f"容量 {g_to_kg(room.capacity_g)} 千克）",
            f"room {room.name} would be over capacity",
            code="storage.capacity",
            detail={"stored_kg": g_to_kg(stored), "capacity_kg": g_to_kg(room.capacity_g)},
        )
    present = {pid for pid, _ in held}
    profiles = (
        s.execute(
            sa.select(WasteProfile.id, WasteProfile.waste_code, WasteProfile.hazards).where(
                WasteProfile.id.in_(present)
            )
        ).all()
        if present
        else []
    )
    profile = s.get_one(WasteProfile, batch.profile_id)
    found = find_incompatible(
        (batch.waste_code, list(profile.hazards)),
        [(p.id, p.waste_code, list(p.hazards)) for p in profiles],
    )
    if found is not None:
        # Name a batch of the clashing waste: the storekeeper will look for it on the shelf.
        example = s.scalar(
            sa.select(sa.func.min(Batch.code)).where(
                Batch.room_id == room.id,
                Batch.status == BatchStatus.STORED.value,
                Batch.profile_id == found[0],
            )
        )
        raise incompatible(str(example), found[1], room.name)
    return room
