"""Template filters and names the page templates share: kilograms, status names, times in the
park's zone with the zone named, ledger entries in words."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, url_for

from hwtrace.domain.declarations import PROVINCES, PROVINCES_EN
from hwtrace.domain.entries import entry_title, entry_words, outcome_word, status_word
from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.times import zone_label
from hwtrace.domain.transport import BOOKING_ZH, MANIFEST_ZH, BookingStatus, ManifestStatus
from hwtrace.domain.warnings import KIND_EN, KIND_ZH, Kind
from hwtrace.pages.routing import bp, ctx, t

KIND_ZH_ENT = {
    "producer": "产废单位",
    "transporter": "运输单位",
    "receiver": "接收单位",
    "park": "园区管理方",
}


def _kg(grams: int | None) -> str:
    return g_to_kg(grams or 0)


@bp.app_template_filter("kg")
def _kg_filter(grams: int | None) -> str:
    return _kg(grams)


@bp.app_template_filter("status_zh")
def _status_filter(status: str) -> str:
    return t(status_zh(BatchStatus(status)))


@bp.app_template_filter("manifest_zh")
def _manifest_filter(status: str) -> str:
    return t(MANIFEST_ZH[ManifestStatus(status)])


def _zone_label() -> str:
    return t(zone_label(ctx().settings.timezone))


@bp.app_template_filter("when")
def _when(value: dt.datetime | str | None, seconds: bool = False) -> str:
    """A time as the park reads it, with its zone named ("2026-03-04 10:12 北京时间")."""
    if not value:
        return ""
    ts = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    local = ts.astimezone(ZoneInfo(ctx().settings.timezone))
    return f"{local.strftime('%Y-%m-%d %H:%M:%S' if seconds else '%Y-%m-%d %H:%M')} {_zone_label()}"


@bp.app_template_filter("weight")
def _weight(grams: int | None) -> str:
    """A weight in the one format every page uses: kilograms, three decimals, the unit."""
    return f"{_kg(grams)} kg"


@bp.app_template_filter("booking_word")
def _booking_word(status: str) -> str:
    return t(BOOKING_ZH[BookingStatus(status)])


@bp.app_template_filter("manifest_word")
def _manifest_word(status: str) -> str:
    return t(MANIFEST_ZH[ManifestStatus(status)])


@bp.app_template_filter("status_word")
def _status_word(status: str) -> str:
    return status_word(status, g.get("lang", "zh"))


@bp.app_template_filter("entry_title")
def _entry_title(entry_type: str) -> str:
    return entry_title(entry_type, g.get("lang", "zh"))


@bp.app_template_filter("entry_words")
def _entry_words(payload: dict[str, Any], names: dict[str, str] | None = None) -> Any:
    return entry_words(payload, g.get("lang", "zh"), names or {}, lambda v: _when(v))


@bp.app_template_filter("outcome_word")
def _outcome_word(value: str) -> str:
    return outcome_word(value, g.get("lang", "zh"))


def province_names() -> dict[str, str]:
    """The provinces by GB/T 2260 code, named in the page's language."""
    return PROVINCES if g.get("lang", "zh") == "zh" else PROVINCES_EN


@bp.app_template_filter("province")
def _province(code: str | None) -> str:
    """An enterprise's province: its GB/T 2260 code and name; none recorded: the park's."""
    if not code:
        return "园区所在省份" if g.get("lang", "zh") == "zh" else "the park's province"
    return f"{code} {province_names().get(code, '')}".strip()


@bp.app_context_processor
def _zone() -> dict[str, Any]:
    return {"zone_name": _zone_label()}


@bp.app_template_filter("warning_kind")
def _warning_kind(kind: Kind) -> str:
    return KIND_EN[kind] if g.get("lang", "zh") == "en" else KIND_ZH[kind]


@bp.app_template_filter("subject_url")
def _subject_url(subject: str) -> str:
    """Where a ledger subject opens: a batch's page, a manifest's page, a booking, else its
    proofs."""
    if len(subject) >= 30 and subject.isalnum():
        return url_for("pages.batch_page", code=subject)
    if subject.startswith("booking-") and subject[8:].isdigit():
        return url_for("pages.booking", booking_id=int(subject[8:]))
    if subject.startswith(ctx().settings.park_code + "-"):
        return url_for("pages.manifest", number=subject)
    return url_for("pages.ledger_proof", code=subject)
