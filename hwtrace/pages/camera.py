"""The handheld page's camera, where the browser cannot read barcodes itself: it posts a still,
the server reads the label in it (``services/camera.py``)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from hwtrace.domain.errors import HwtraceError
from hwtrace.pages.routing import bp
from hwtrace.services import camera


@bp.route("/m/camera", methods=["POST"])
def m_camera() -> Any:
    """Read a label in the posted still (form field ``still``, CSRF in the form or the
    ``X-CSRF-Token`` header): ``{"text": "HWT1|…"}``, or ``{"text": null}`` when none is seen."""
    still = request.files.get("still")
    try:
        text = camera.decode_still(still.read() if still is not None else b"")
    except HwtraceError as err:
        return jsonify(err.to_dict()), err.status
    return jsonify({"text": text})
