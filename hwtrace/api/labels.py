"""Labels: a batch's HJ 1276 label rendered for a printer (rendering records nothing)."""

from __future__ import annotations

from flask import Response, request

from hwtrace.api.batches import CODE_P
from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, route
from hwtrace.services import labels


@route(
    "/batches/<code>/label",
    "GET",
    summary="The batch's HJ 1276 label as PDF, PNG, ESC/POS or TSPL bytes",
    tag="batches",
    query=[
        CODE_P,
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"enum": ["pdf", "png", "escpos", "tspl"]},
        },
        {
            "name": "profile",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
        },
        {
            "name": "volume_l",
            "in": "query",
            "required": False,
            "description": "the container volume in litres when the batch has none recorded "
            "(it decides the label size; without it such a batch answers label.volume_required)",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
        },
    ],
    response={"type": "string", "format": "binary"},
    content_types=("application/pdf", "image/png", "application/octet-stream"),
)
def label(code: str) -> Response:
    fmt = request.args.get("format") or "pdf"
    data, mimetype = labels.render(
        ctx(),
        actor=actor(),
        code=code,
        fmt=fmt,
        profile=request.args.get("profile") or None,
        volume_l=int_arg("volume_l"),
    )
    resp = Response(data, mimetype=mimetype)
    ext = {"pdf": "pdf", "png": "png", "escpos": "bin", "tspl": "prn"}[fmt]
    resp.headers["Content-Disposition"] = f'inline; filename="{code}.{ext}"'
    return resp
