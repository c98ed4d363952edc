"""Labels of batches: the HJ 1276 content from the batch, its waste profile and its producer,
rendered by ``printer/`` as PDF, PNG, ESC/POS or TSPL. Rendering writes nothing; printing is
recorded by the ``label`` action (first print) and ``reprint`` (with a reason)."""

from __future__ import annotations

import sqlalchemy as sa

import printer
from hwtrace.domain import codes
from hwtrace.domain.access import Actor
from hwtrace.domain.catalogue import waste_entry
from hwtrace.domain.errors import HwtraceError, NotFound
from hwtrace.domain.quantities import g_to_kg
from hwtrace.services.batches import get_batch
from hwtrace.services.context import Context
from hwtrace.store.tables import Batch, Enterprise, WasteProfile
from schemas import formats

MIMETYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "escpos": "application/octet-stream",
    "tspl": "application/octet-stream",
}


class LabelError(HwtraceError):
    """The label cannot be rendered for this printer (the code says why)."""

    code = "printer.error"
    status = 422


def label_data(ctx: Context, *, actor: Actor | None, code: str) -> tuple[printer.LabelData, int]:
    """Return the label content of a batch and its container volume (``actor=None``: CLI)."""
    found: Batch | None
    if actor is not None:
        found = get_batch(ctx, actor=actor, code=code)
    else:
        codes.parse_scanned(code)
        with ctx.db.read_session() as s:
            found = s.scalar(sa.select(Batch).where(Batch.code == codes.normalize(code)))
    if found is None:
        raise NotFound("未找到该识别码对应的批次", "no batch with this code")
    batch = found
    with ctx.db.read_session() as s:
        profile = s.get_one(WasteProfile, batch.profile_id)
        producer = s.get_one(Enterprise, batch.producer_id)
    weight = g_to_kg(batch.weight_g)
    url = (
        f"{ctx.settings.public_url.rstrip('/')}/b/{batch.code}" if ctx.settings.public_url else None
    )
    qr = formats.encode_qr_payload(
        formats.QrPayload(
            code=batch.code,
            waste_code=batch.waste_code,
            weight_kg=weight,
            day=batch.produced_on,
            url=url,
        )
    )
    category = waste_entry(batch.waste_code)
    label = printer.LabelData(
        name=profile.name,
        category=f"{category['category']} {category.get('category_name', '')}".strip(),
        waste_code=batch.waste_code,
        form=profile.form,
        hazards=tuple(profile.hazards),
        main_components=profile.main_components or "—",
        harmful_components=profile.harmful_components or "—",
        precautions=profile.precautions or "按危险废物管理要求贮存、转移",
        identification_code=batch.code,
        producer=producer.name,
        contact_person=producer.contact_name or "—",
        contact_phone=producer.contact_phone or "—",
        production_date=batch.produced_on.isoformat(),
        weight=f"{weight} kg",
        remarks=batch.remarks or "",
        qr_payload=qr,
        barcode=batch.code,
    )
    return label, batch.container_volume_l or 0


def render(
    ctx: Context, *, actor: Actor | None, code: str, fmt: str, profile: str | None = None
) -> tuple[bytes, str]:
    """Render a batch's label; return the bytes and their media type."""
    label, volume = label_data(ctx, actor=actor, code=code)
    size = printer.LabelSize.for_volume(volume) if volume else printer.LabelSize.SMALL
    try:
        prof = printer.load_profile(profile) if profile else None
        if prof is not None:
            printer.check_profile_for_label(prof, size)
        data = printer.render_label(label, fmt, size=size, profile=prof)
    except printer.PrinterError as err:
        raise LabelError(err.zh, err.en, code=err.code) from None
    return data, MIMETYPES[fmt]
