"""hwtrace label printing: HJ 1276-2022 labels as PDF, PNG, ESC/POS or TSPL, sent over serial,
TCP, file or memory transports. Knows nothing of the server."""

from __future__ import annotations

from collections.abc import Sequence

from printer.errors import (
    BarcodeTooWideError,
    FontMissingError,
    FormatUnknownError,
    LayoutError,
    PrinterError,
    PrinterOfflineError,
    PrinterOutOfPaperError,
    PrinterTimeoutError,
    PrinterUnavailableError,
    ProfileTooNarrowError,
    ProfileUnknownError,
    TransportURLError,
)
from printer.label import LabelData, LabelSize
from printer.profiles import PrinterProfile, check_profile_for_label, load_profile
from printer.renderers import Renderer
from printer.sign import SignData
from printer.transports import open_transport, print_job

FORMATS = ("pdf", "png", "escpos", "tspl")

__all__ = [
    "FORMATS",
    "BarcodeTooWideError",
    "FontMissingError",
    "FormatUnknownError",
    "LabelData",
    "LabelSize",
    "LayoutError",
    "PrinterError",
    "PrinterOfflineError",
    "PrinterOutOfPaperError",
    "PrinterProfile",
    "PrinterTimeoutError",
    "PrinterUnavailableError",
    "ProfileTooNarrowError",
    "ProfileUnknownError",
    "Renderer",
    "SignData",
    "TransportURLError",
    "check_profile_for_label",
    "get_renderer",
    "load_profile",
    "open_transport",
    "print_job",
    "render_label",
    "render_sheet",
    "render_sign",
]


def get_renderer(fmt: str) -> Renderer:
    """The renderer for fmt (pdf | png | escpos | tspl).

    :raises FormatUnknownError: any other format.
    """
    if fmt == "pdf":
        from printer.renderers.pdf import PdfRenderer

        return PdfRenderer()
    if fmt == "png":
        from printer.renderers.png import PngRenderer

        return PngRenderer()
    if fmt == "escpos":
        from printer.renderers.escpos import EscposRenderer

        return EscposRenderer()
    if fmt == "tspl":
        from printer.renderers.tspl import TsplRenderer

        return TsplRenderer()
    raise FormatUnknownError(
        en=f"unknown label format {fmt!r}; use {', '.join(FORMATS)}",
        zh=f"未知标签格式 {fmt!r}；可用 {'、'.join(FORMATS)}",
    )


def render_label(
    label: LabelData,
    fmt: str,
    *,
    size: LabelSize | None = None,
    profile: PrinterProfile | str | None = None,
) -> bytes:
    """Render one label (default size 100 x 100 mm) in fmt."""
    prof = load_profile(profile) if isinstance(profile, str) else profile
    return get_renderer(fmt).render(label, size or LabelSize.SMALL, prof)


def render_sheet(
    labels: Sequence[LabelData], page: str = "A4", *, size: LabelSize = LabelSize.SMALL
) -> bytes:
    """A PDF of many labels on A4 pages for an office printer."""
    from printer.renderers.pdf import render_sheet as _sheet

    return _sheet(labels, page, size=size)


def render_sign(sign: SignData, fmt: str = "pdf", *, page: str = "A4") -> bytes:
    """A storage-zone or facility sign (HJ 1276-2022) as a landscape PDF or PNG for an office
    printer.

    :raises FormatUnknownError: a format other than pdf or png.
    """
    if fmt == "pdf":
        from printer.renderers.pdf import render_sign as _pdf

        return _pdf(sign, page)
    if fmt == "png":
        from printer.renderers.png import render_sign as _png

        return _png(sign, page)
    raise FormatUnknownError(
        en=f"signs are printed as pdf or png, not {fmt!r}",
        zh=f"标志只能输出 pdf 或 png，不支持 {fmt!r}",
    )
