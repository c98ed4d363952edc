"""The park's notices (园区通知): what a notice must carry, who it is for, and which files may
be attached. No database, no Flask: ``services/notices.py`` feeds it the values."""

from __future__ import annotations

from dataclasses import dataclass

from hwtrace.domain.access import EnterpriseKind
from hwtrace.domain.errors import BadValue

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024
ATTACHMENT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

# who a notice is for: every enterprise of the park (""), or one kind of them
AUDIENCES = ("", EnterpriseKind.PRODUCER.value, EnterpriseKind.TRANSPORTER.value,
             EnterpriseKind.RECEIVER.value)  # fmt: skip
AUDIENCE_ZH = {"": "全部单位", "producer": "产废单位", "transporter": "运输单位",
               "receiver": "接收单位"}  # fmt: skip
AUDIENCE_EN = {"": "every enterprise", "producer": "producers", "transporter": "transporters",
               "receiver": "receivers"}  # fmt: skip


@dataclass(frozen=True)
class Attachment:
    """A file as uploaded."""

    name: str
    mimetype: str
    data: bytes


def check_notice(title: str, body: str, audience: str, files: list[Attachment]) -> None:
    """Refuse a notice without a title or text, for an unknown audience, or with attachments
    too many, too large or of a type the park does not accept."""
    if not title.strip() or len(title) > MAX_TITLE:
        raise BadValue(
            zh=f"通知标题不能为空，且不超过 {MAX_TITLE} 字",
            en=f"the title is required, at most {MAX_TITLE} characters",
            code="notice.title",
        )
    if not body.strip() or len(body) > MAX_BODY:
        raise BadValue(
            zh=f"通知正文不能为空，且不超过 {MAX_BODY} 字",
            en=f"the text is required, at most {MAX_BODY} characters",
            code="notice.body",
        )
    if audience not in AUDIENCES:
        raise BadValue(
            zh="通知对象应为全部单位、产废单位、运输单位或接收单位",
            en="the audience is every enterprise, producers, transporters or receivers",
            code="notice.audience",
        )
    if len(files) > MAX_ATTACHMENTS:
        raise BadValue(
            zh=f"附件最多 {MAX_ATTACHMENTS} 个",
            en=f"at most {MAX_ATTACHMENTS} attachments",
            code="notice.too_many_attachments",
        )
    for f in files:
        if not f.data or len(f.data) > MAX_ATTACHMENT_BYTES:
            raise BadValue(
                zh=f"附件 {f.name} 为空或超过 8 MB",
                en=f"attachment {f.name} is empty or larger than 8 MB",
                code="notice.attachment_size",
            )
        if f.mimetype not in ATTACHMENT_TYPES:
            raise BadValue(
                zh=f"附件 {f.name} 须为 PDF、PNG、JPEG、Word 或 Excel 文件",
                en=f"attachment {f.name} must be a PDF, PNG, JPEG, Word or Excel file",
                code="notice.attachment_type",
                detail={"allowed": list(ATTACHMENT_TYPES)},
            )


def addressed_to(audience: str, kind: str) -> bool:
    """Is a notice for ``audience`` addressed to an enterprise of ``kind``?"""
    if kind == EnterpriseKind.PARK.value:
        return False
    return audience in ("", kind)
