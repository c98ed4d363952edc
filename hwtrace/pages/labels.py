"""A batch's label on the handheld (``/m/label/<code>.pdf|png``), rendered, not recorded."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.domain.errors import BadValue
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import labels


@bp.get("/m/label/<code>.<fmt>")
def m_label(code: str, fmt: str) -> Any:
    if fmt not in ("pdf", "png"):
        raise BadValue(zh="不支持的格式", en="unsupported format")
    raw = request.args.get("volume_l") or ""
    volume = int(raw) if raw.isdigit() and len(raw) <= 6 else None
    data, mimetype = labels.render(ctx(), actor=actor(), code=code, fmt=fmt, volume_l=volume)
    return Response(data, mimetype=mimetype)
