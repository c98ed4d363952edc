"""Storage rooms as a batch is scanned into one: the rules of ``domain/storage.py`` fed with what
the room holds now (one indexed pass over its stored batches)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain.errors import BadValue
from hwtrace.domain.lifecycle import BatchStatus
from hwtrace.domain.storage import (
    check_room_capacity,
    check_room_category,
    check_room_owner,
    find_incompatible,
    incompatible,
)
from hwtrace.store.tables import Batch, StorageRoom, WasteProfile


def room_for(s: Session, batch: Batch, room_id: int | None) -> StorageRoom:
    """Return the room ``batch`` is being stored in, or refuse: a room of another producer, a
    category the room does not take, a room that would be over capacity, or a waste
    incompatible with one already there."""
    if room_id is None:
        raise BadValue(zh="入库须指定贮存库房", en="room_id is required to store a batch")
    room = s.get(StorageRoom, room_id)
    check_room_owner(room.enterprise_id if room else None, batch.producer_id)
    assert room is not None
    check_room_category(room.name, list(room.allowed_categories or []), batch.category)
    # One pass over the room's stored batches, grouped by waste profile (index-only on
    # ix_batch_room): the weight held and the wastes present, however many batches there are.
    held = s.execute(
        sa.select(Batch.profile_id, sa.func.sum(Batch.weight_g))
        .where(Batch.room_id == room.id, Batch.status == BatchStatus.STORED)
        .group_by(Batch.profile_id)
    ).all()
    stored = sum(int(w or 0) for _, w in held)
    check_room_capacity(
        room.name, stored_g=stored, adding_g=batch.weight_g, capacity_g=room.capacity_g
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
                Batch.status == BatchStatus.STORED,
                Batch.profile_id == found[0],
            )
        )
        raise incompatible(str(example), found[1], room.name)
    return room
