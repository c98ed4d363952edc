"""PrinterError hierarchy: one class per failure, each with a stable code and zh/en messages.

| code                         | class                     |
|------------------------------|---------------------------|
| printer.error                | PrinterError              |
| printer.unavailable          | PrinterUnavailableError   |
| printer.timeout              | PrinterTimeoutError       |
| printer.out_of_paper         | PrinterOutOfPaperError    |
| printer.offline              | PrinterOfflineError       |
| printer.profile_too_narrow   | ProfileTooNarrowError     |
| printer.profile_unknown      | ProfileUnknownError       |
| printer.barcode_too_wide     | BarcodeTooWideError       |
| printer.font_missing         | FontMissingError          |
| printer.layout_overflow      | LayoutError               |
| printer.bad_url              | TransportURLError         |
| printer.format_unknown       | FormatUnknownError        |
"""

from __future__ import annotations


class PrinterError(Exception):
    """Base of every printer failure; carries a stable code and a Chinese and English message."""

    code = "printer.error"

    def __init__(self, *, zh: str | None = None, en: str) -> None:
        self.en = en
        self.zh = zh or en
        super().__init__(f"{self.code}: {self.zh} / {en}")


class PrinterUnavailableError(PrinterError):
    code = "printer.unavailable"


class PrinterTimeoutError(PrinterUnavailableError):
    code = "printer.timeout"


class PrinterOutOfPaperError(PrinterUnavailableError):
    code = "printer.out_of_paper"


class PrinterOfflineError(PrinterUnavailableError):
    code = "printer.offline"


class ProfileTooNarrowError(PrinterError):
    code = "printer.profile_too_narrow"


class ProfileUnknownError(PrinterError):
    code = "printer.profile_unknown"


class BarcodeTooWideError(PrinterError):
    code = "printer.barcode_too_wide"


class FontMissingError(PrinterError):
    code = "printer.font_missing"


class LayoutError(PrinterError):
    code = "printer.layout_overflow"


class TransportURLError(PrinterError):
    code = "printer.bad_url"


class FormatUnknownError(PrinterError):
    code = "printer.format_unknown"
