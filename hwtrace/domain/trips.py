"""Vehicle trips (车次) and their manifests: 《危险废物转移管理办法》(部令第23号) 第十六条.

- Each trip of a vehicle carrying one kind of waste has one manifest.
- A trip with several kinds may have one manifest, or one per kind: the 移出人 chooses
  (``split_by_kind``).
- When one vehicle carries the waste of several 移出人 on one trip, each fills in its own
  manifest: a manifest never mixes two 移出人 (``check_one_shipper``).

A trip is a vehicle (plate) on one day in the park's time zone: the manifests that vehicle
carries that day (departed that day, or planned for it while not yet departed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from hwtrace.domain.errors import Conflict

T = TypeVar("T")


def check_one_shipper(manifest_producer: int, batch_producers: Iterable[int]) -> None:
    """Refuse a manifest whose batches are not all its 移出人's (第十六条)."""
    others = sorted({p for p in batch_producers if p != manifest_producer})
    if others:
        raise Conflict(
            zh="一张联单只能有一个移出人：同车运输多个移出人的危险废物时，"
            "各移出人分别填写联单（第十六条）",
            en="a manifest has one shipper: when one vehicle carries several shippers' waste, "
            "each fills in its own manifest (art. 16)",
            code="manifest.mixed_shippers",
            detail={"others": others},
        )


def split_by_kind(items: Sequence[T], kind_of: dict[T, str]) -> list[list[T]]:
    """Group ``items`` by their kind (waste code), in the order kinds first appear: one manifest
    per kind, as the 移出人 may choose (第十六条)."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(kind_of[item], []).append(item)
    return list(groups.values())


def trip_day(departed_at: dt.datetime | None, planned: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The day of a manifest's trip in the park's zone: departure, else the planned pickup."""
    return (departed_at or planned).astimezone(tz).date()


@dataclass
class Trip:
    """One vehicle on one day and the manifests it carries (one or more per 移出人)."""

    plate: str
    day: dt.date
    manifests: list[str] = field(default_factory=list)
    shippers: set[int] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.plate}@{self.day.isoformat()}"
