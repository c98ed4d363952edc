"""The park's notices (园区通知) in the console and on the handheld: the park administrator
publishes a notice with attachments and sees which enterprises have acknowledged it; an
enterprise's users read the notices addressed to it and acknowledge them (until then they are
in its to-do list: the enterprise page, the declarations page and the handheld home)."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from hwtrace.domain.access import Role
from hwtrace.domain.errors import HwtraceError
from hwtrace.domain.notices import (
    AUDIENCE_EN,
    AUDIENCE_ZH,
    AUDIENCES,
    MAX_ATTACHMENTS,
    Attachment,
)
from hwtrace.pages.routing import actor, bp, ctx, local_target
from hwtrace.services import notices as svc


def _page(error: HwtraceError | None = None, status: int = 200) -> Any:
    a = actor()
    return (
        render_template(
            "notices.html",
            views=svc.list_notices(ctx(), actor=a),
            may_publish=a.role is Role.PARK_ADMIN,
            audiences=AUDIENCES,
            audience_zh=AUDIENCE_ZH,
            audience_en=AUDIENCE_EN,
            max_files=MAX_ATTACHMENTS,
            error=error,
            form=request.form if error else {},
        ),
        status,
    )


@bp.get("/notices")
def notices() -> Any:
    return _page()


@bp.post("/notices")
def notices_publish() -> Any:
    files = [
        Attachment(f.filename or "", f.mimetype or "", f.read())
        for f in request.files.getlist("files")
        if f and f.filename
    ]
    try:
        n = svc.publish(
            ctx(),
            actor=actor(),
            title=request.form.get("title", "")[:400],
            body=request.form.get("body", "")[:40_000],
            audience=request.form.get("audience", "")[:16],
            files=files,
        )
    except HwtraceError as err:
        return _page(err, err.status)
    return redirect(url_for("pages.notice_page", notice_id=n.id))


@bp.get("/notices/<int:notice_id>")
def notice_page(notice_id: int) -> Any:
    a = actor()
    return render_template(
        "notice.html",
        v=svc.notice(ctx(), actor=a, notice_id=notice_id),
        audience_zh=AUDIENCE_ZH,
        audience_en=AUDIENCE_EN,
    )


@bp.post("/notices/<int:notice_id>/ack")
def notices_ack(notice_id: int) -> Any:
    svc.acknowledge(ctx(), actor=actor(), notice_id=notice_id)
    back = local_target(request.form.get("back"))
    return redirect(back or url_for("pages.notice_page", notice_id=notice_id))


@bp.get("/notices/<int:notice_id>/attachments/<int:attachment_id>")
def notices_attachment(notice_id: int, attachment_id: int) -> Any:
    name, mimetype, data = svc.attachment(
        ctx(), actor=actor(), notice_id=notice_id, attachment_id=attachment_id
    )
    resp = Response(data, mimetype=mimetype)
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-")) or "file"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


# -- handheld ---------------------------------------------------------------------------------


@bp.get("/m/notices")
def m_notices() -> Any:
    return render_template("m/notices.html", views=svc.list_notices(ctx(), actor=actor()))


@bp.get("/m/notices/<int:notice_id>")
def m_notice(notice_id: int) -> Any:
    return render_template("m/notice.html", v=svc.notice(ctx(), actor=actor(), notice_id=notice_id))
