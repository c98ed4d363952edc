"""Template filters and names the page templates share: kilograms, status names."""

from __future__ import annotations

from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.quantities import g_to_kg
from hwtrace.domain.transport import MANIFEST_ZH, ManifestStatus
from hwtrace.pages.routing import bp, t

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
    return MANIFEST_ZH[ManifestStatus(status)]
