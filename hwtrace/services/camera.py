"""Reading a label from a still of a phone's camera, on the server.

The handheld page reads labels with the browser's own barcode reader (BarcodeDetector) where
there is one; elsewhere (Safari on iPhones, Firefox, Chromium on desktop Linux) it sends a
still a few times a second, and zbar reads it here. The QR payload is preferred to the CODE128
bars: it carries the park's signature. Nothing is stored."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from hwtrace.domain.errors import BadValue

#: A still larger than this is refused (a phone sends about 0.3 megapixels).
MAX_PIXELS = 4_000_000
MAX_BYTES = 2_000_000


def decode_still(data: bytes) -> str | None:
    """Return the text of the label's QR code (else its CODE128) in a JPEG or PNG still, or
    None when the still shows no code; refuse what is not a small image (``camera.bad_image``)."""
    from pyzbar.pyzbar import ZBarSymbol, decode

    if not data or len(data) > MAX_BYTES:
        raise _bad("empty or larger than 2 MB")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG"):
                raise _bad(f"{img.format} is not JPEG or PNG")
            if img.width * img.height > MAX_PIXELS:
                raise _bad(f"{img.width}×{img.height} pixels is more than {MAX_PIXELS}")
            grey = img.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise _bad(str(err)[:120]) from None
    found = decode(grey, symbols=[ZBarSymbol.QRCODE, ZBarSymbol.CODE128])
    texts = sorted(found, key=lambda s: s.type != "QRCODE")
    for symbol in texts:
        text = bytes(symbol.data).decode("utf-8", errors="replace").strip()
        if text:
            return text
    return None


def _bad(why: str) -> BadValue:
    return BadValue(
        zh="摄像头画面无法识别为图片（须为 JPEG 或 PNG，不超过 2 MB）",
        en=f"the camera still is not a usable image (JPEG or PNG, at most 2 MB): {why}",
        code="camera.bad_image",
    )
