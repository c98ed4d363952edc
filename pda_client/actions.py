"""The actions a handheld queues and the server request each one becomes: a scan's
lifecycle action goes to ``/batches/<code>/events``, a loading or receipt scan made against a
manifest to the manifest's endpoint."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pda_client.api import code_path
from pda_client.store import utcnow

#: Parameters each action needs (as the server's batch-event schema says). ``unstore`` of a
#: booked batch takes the transporter and receiver from the booking.
REQUIRED: dict[str, tuple[str, ...]] = {
    "label": (),
    "store": ("room_id",),
    "unstore": (),
    "load": (),
    "receive": ("weight_kg",),
    "reject": ("reason",),
    "utilize": ("method",),
    "dispose": ("method",),
    "void": ("reason",),
}
#: Event fields sent to /batches/<code>/events.
EVENT_FIELDS = (
    "room_id",
    "transporter_id",
    "receiver_id",
    "weight_kg",
    "rejected_kg",
    "method",
    "reason",
    "note",
    "manifest",
    "scale_frame",
)
ACTIONS = tuple(REQUIRED)


def request_for(action: str, code: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path and body of a scanned action: a loading or receipt scan made against a
    manifest goes to the manifest's endpoint, every other action to the batch's events."""
    f = {k: v for k, v in fields.items() if v not in (None, "")}
    manifest = f.get("manifest")
    now = utcnow()
    if manifest and action == "load":
        # The label's QR payload, when one was scanned: the server checks its waste code and
        # weight against the manifest line (部令第23号 第十三条第三款).
        load: dict[str, Any] = {"code": code, **({"label": f["label"]} if "label" in f else {})}
        return f"/manifests/{quote(str(manifest), safe='')}/load", {**load, "client_ts": now}
    if manifest and action in ("receive", "reject"):
        keys: tuple[str, ...] = ("weight_kg", "rejected_kg", "reason", "scale_frame")
        body: dict[str, Any] = {k: f[k] for k in keys if k in f}
        if action == "reject":
            body["reject"] = True
        return f"/manifests/{quote(str(manifest), safe='')}/receive", {
            "code": code,
            **body,
            "client_ts": now,
        }
    event: dict[str, Any] = {"action": action, **{k: f[k] for k in EVENT_FIELDS if k in f}}
    event["client_ts"] = now
    return code_path(code, "/events"), event
