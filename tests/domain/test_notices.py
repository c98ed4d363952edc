"""The rules of a park notice: what it must carry, which files, and whom it addresses."""

from __future__ import annotations

import pytest

from hwtrace.domain.errors import BadValue
from hwtrace.domain.notices import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    Attachment,
    addressed_to,
    check_notice,
)

PDF = Attachment("a.pdf", "application/pdf", b"%PDF-1.4 ...")


def test_a_notice_with_title_text_and_a_pdf_passes() -> None:
    check_notice("通知", "正文\n第二行", "", [PDF])
    check_notice("通知", "正文", "receiver", [PDF] * MAX_ATTACHMENTS)


@pytest.mark.parametrize(
    ("title", "body", "audience", "files", "code"),
    [
        ("  ", "正文", "", [], "notice.title"),
        ("x" * 201, "正文", "", [], "notice.title"),
        ("通知", " \n", "", [], "notice.body"),
        ("通知", "正文", "park", [], "notice.audience"),
        ("通知", "正文", "", [PDF] * (MAX_ATTACHMENTS + 1), "notice.too_many_attachments"),
        (
            "通知",
            "正文",
            "",
            [Attachment("e.pdf", "application/pdf", b"")],
            "notice.attachment_size",
        ),
        (
            "通知",
            "正文",
            "",
            [Attachment("big.pdf", "application/pdf", b"0" * (MAX_ATTACHMENT_BYTES + 1))],
            "notice.attachment_size",
        ),
        (
            "通知",
            "正文",
            "",
            [Attachment("x.exe", "application/x-msdownload", b"MZ")],
            "notice.attachment_type",
        ),
    ],
)
def test_refusals(title: str, body: str, audience: str, files: list[Attachment], code: str) -> None:
    with pytest.raises(BadValue) as err:
        check_notice(title, body, audience, files)
    assert err.value.code == code


def test_whom_a_notice_addresses() -> None:
    assert addressed_to("", "producer") and addressed_to("", "receiver")
    assert addressed_to("receiver", "receiver")
    assert not addressed_to("receiver", "producer")
    assert not addressed_to("", "park")  # the park publishes; it is not a reader
