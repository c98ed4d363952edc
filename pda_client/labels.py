"""Labels on the handheld: fetched from the server when it is reachable (its rendering is the
reference), else rendered here with ``printer/`` from the registration queued on this
handheld, the cached waste profile and the enterprise stored at login — the same HJ 1276-2022
fields and the same QR payload (``schemas.formats``) the server prints. ``printer`` and its
renderers are imported only when a label is made (they are the heavy part of the client).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pda_client.api import Client, code_path
from schemas import formats

if TYPE_CHECKING:
    import printer

DEFAULT_PROFILE = "escpos-4inch"
FORMATS = ("escpos", "tspl", "pdf", "png")
PRECAUTIONS = "按危险废物管理要求贮存、转移"


def format_for(profile: str | None, fmt: str | None) -> str:
    """The label format: as asked, else the printer profile's language."""
    if fmt:
        return fmt
    return "tspl" if (profile or DEFAULT_PROFILE).startswith("tspl") else "escpos"


def _category(waste_code: str) -> str:
    import schemas

    for row in schemas.catalogue():
        if row["code"] == waste_code:
            return f"{row['category']} {row['category_name']}"
    return formats.category_of(waste_code)


class VolumeNeeded(Exception):
    """The container volume of a batch is unknown: the label size depends on it."""


def label_data(
    code: str,
    register_body: dict[str, Any],
    profile: dict[str, Any],
    enterprise: dict[str, Any],
    volume: int | None = None,
) -> tuple[printer.LabelData, printer.LabelSize]:
    """The label of a batch registered on this handheld, and its size by container volume (the
    registered one, else ``volume``).

    :raises VolumeNeeded: neither is known.
    """
    import printer

    ident = formats.validate_code(code)
    weight = Decimal(str(register_body["weight_kg"])).quantize(Decimal("0.001"))
    qr = formats.encode_qr_payload(
        formats.QrPayload(
            code=code, waste_code=ident.waste_code, weight_kg=str(weight), day=ident.day
        )
    )
    label = printer.LabelData(
        name=profile["name"],
        category=_category(profile["waste_code"]),
        waste_code=profile["waste_code"],
        form=profile["form"],
        hazards=tuple(profile.get("hazards") or ()),
        main_components=profile.get("main_components") or "—",
        harmful_components=profile.get("harmful_components") or "—",
        precautions=profile.get("precautions") or PRECAUTIONS,
        identification_code=code,
        producer=enterprise.get("name", ""),
        contact_person=enterprise.get("contact_name") or "—",
        contact_phone=enterprise.get("contact_phone") or "—",
        production_date=ident.day.isoformat(),
        weight=f"{weight} kg",
        remarks=register_body.get("remarks", ""),
        qr_payload=qr,
        barcode=code,
    )
    known = register_body.get("container_volume_l") or volume
    if not known:
        raise VolumeNeeded(code)
    return label, printer.LabelSize.for_volume(known)


def render_local(
    label: printer.LabelData, size: printer.LabelSize, fmt: str, profile: str | None
) -> bytes:
    """Render a label here."""
    import printer

    prof = None
    if fmt in ("escpos", "tspl"):
        prof = printer.load_profile(profile or DEFAULT_PROFILE)
        printer.check_profile_for_label(prof, size)
    return printer.render_label(label, fmt, size=size, profile=prof)


def fetch(
    client: Client, code: str, fmt: str, profile: str | None, volume: int | None = None
) -> bytes:
    """The server's rendering of a batch's label (``volume``: the container volume when the
    batch has none recorded)."""
    query: dict[str, str] = {"format": fmt}
    if profile and fmt in ("escpos", "tspl"):
        query["profile"] = profile
    if volume:
        query["volume_l"] = str(volume)
    return client.get_bytes(code_path(code, "/label") + "?" + urlencode(query))


def send(data: bytes, url: str) -> None:
    """Send label bytes to the printer (serial/Bluetooth, TCP or file); :raises PrinterError:."""
    import printer

    printer.print_job(data, url, retries=2, backoff=0.3)


def today() -> str:
    """The handheld's date (codes are reserved and used per production date)."""
    return dt.date.today().isoformat()


def body_of(text: str) -> dict[str, Any]:
    """A queued request body."""
    return dict(json.loads(text))
