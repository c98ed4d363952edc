"""Labels of batches: the HJ 1276 content from the batch, its waste profile and its producer,
rendered by ``printer/`` as PDF, PNG, ESC/POS or TSPL. Rendering writes nothing; printing is
recorded by the ``label`` action (first print) and ``reprint`` (with a reason)."""

from __future__ import annotations

import sqlalchemy as sa

import printer
from hwtrace.domain import codes
from hwtrace.domain.access import Actor
from hwtrace.domain.errors import BadValue, HwtraceError, NotFound
from hwtrace.domain.quantities import g_to_kg
from hwtrace.services import catalogue
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


class VolumeRequired(HwtraceError):
    """The batch's container volume is unknown and none was given: the label size depends on it
    (HJ 1276-2022), so the caller must ask for it rather than print a label that may be small."""

    code = "label.volume_required"
    status = 422


def label_size(recorded: int | None, asked: int | None, code: str) -> printer.LabelSize:
    """The HJ 1276 size for a batch: by its recorded container volume, else by the volume the
    user gave now.

    :raises VolumeRequired: neither is known.
    """
    if asked is not None and not 1 <= asked <= 100000:
        raise BadValue(
            zh="容器容积须在 1 到 100000 升之间", en="the container volume must be 1..100000 litres"
        )
    volume = recorded if recorded is not None else asked
    if volume is None:
        raise VolumeRequired(
            zh="请填写容器容积（升）：HJ 1276-2022 按容积确定标签尺寸"
            "（≤50 L 为 100 mm，≤450 L 为 150 mm，更大为 200 mm）",
            en="give the container volume in litres: HJ 1276-2022 sets the label size by it "
            "(up to 50 L 100 mm, up to 450 L 150 mm, more 200 mm)",
            detail={"code": code},
        )
    return printer.LabelSize.for_volume(volume)


def signed_payload(ctx: Context, text: str) -> str:
    """A label's QR payload signed by the park (Ed25519, the ledger's key): a handheld or an
    inspector with the park's verifier key tells a genuine label from a forged one offline
    (``schemas.formats.verify_qr_payload``)."""
    signer = ctx.signer
    sign = getattr(signer, "sign", None)
    if sign is None:  # a remote signer signs checkpoints only: the label keeps the unsigned form
        return text
    return formats.sign_qr_payload(text, formats.LabelKey.parse(signer.vkey), sign)


def verifier_keys(ctx: Context) -> list[str]:
    """The verifier keys a scanned label's signature is checked against: the park's."""
    return [ctx.signer.vkey]


def label_data(
    ctx: Context, *, actor: Actor | None, code: str
) -> tuple[printer.LabelData, int | None]:
    """Return the label content of a batch and its recorded container volume (``actor=None``:
    CLI)."""
    found: Batch | None
    if actor is not None:
        found = get_batch(ctx, actor=actor, code=code)
    else:
        codes.parse_scanned(code)
        with ctx.db.read_session() as s:
            found = s.scalar(sa.select(Batch).where(Batch.code == codes.normalize(code)))
    if found is None:
        raise NotFound(zh="未找到该识别码对应的批次", en="no batch with this code")
    batch = found
    with ctx.db.read_session() as s:
        profile = s.get_one(WasteProfile, batch.profile_id)
        producer = s.get_one(Enterprise, batch.producer_id)
    weight = g_to_kg(batch.weight_g)
    url = (
        f"{ctx.settings.public_url.rstrip('/')}/b/{batch.code}" if ctx.settings.public_url else None
    )
    qr = signed_payload(
        ctx,
        formats.encode_qr_payload(
            formats.QrPayload(
                code=batch.code,
                waste_code=batch.waste_code,
                weight_kg=weight,
                day=batch.produced_on,
                url=url,
            )
        ),
    )
    # The category as named by the edition the batch was registered under.
    listed = catalogue.edition(ctx, batch.catalogue_edition).get(batch.waste_code)
    category = f"{batch.category} {listed.category_name if listed else ''}".strip()
    label = printer.LabelData(
        name=profile.name,
        category=category,
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
    return label, batch.container_volume_l


def render(
    ctx: Context,
    *,
    actor: Actor | None,
    code: str,
    fmt: str,
    profile: str | None = None,
    volume_l: int | None = None,
) -> tuple[bytes, str]:
    """Render a batch's label at the size its container volume needs (the recorded volume, else
    ``volume_l``); return the bytes and their media type.

    :raises VolumeRequired: the volume is unknown: ask the user for it.
    """
    label, recorded = label_data(ctx, actor=actor, code=code)
    size = label_size(recorded, volume_l, code)
    try:
        prof = printer.load_profile(profile) if profile else None
        if prof is not None:
            printer.check_profile_for_label(prof, size)
        data = printer.render_label(label, fmt, size=size, profile=prof)
    except printer.PrinterError as err:
        raise LabelError(zh=err.zh, en=err.en, code=err.code) from None
    return data, MIMETYPES[fmt]
