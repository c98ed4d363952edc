"""What reaches me (通知设置): each user chooses which events come to them by e-mail; an
enterprise administrator sees its webhooks and robots, each one's delivery log, and sends a
delivery again, disables a webhook or enables it again (the API: ``api/notifications.py``; the
rules: ``domain/notifications.py``)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from hwtrace.domain import notifications as N
from hwtrace.domain.access import Role
from hwtrace.domain.errors import HwtraceError
from hwtrace.pages import forms as F
from hwtrace.pages.routing import actor, bp, ctx
from hwtrace.services import notifications as svc

LOG_LINES = 20


def _page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    a = actor()
    hooks = []
    if a.role in (Role.ADMIN, Role.PARK_ADMIN):
        for h in svc.list_webhooks(ctx(), actor=a):
            log = svc.deliveries(ctx(), actor=a, hook_id=h.id, limit=LOG_LINES)
            hooks.append((h, log))
    return (
        render_template(
            "notifications.html",
            prefs=svc.get_prefs(ctx(), actor=a),
            events=[(e.value, N.EVENT_ZH[e]) for e in N.Event],
            hooks=hooks,
            error=error,
        ),
        status,
    )


@bp.get("/account/notifications")
def notifications_page() -> Any:
    return _page()


@bp.post("/account/notifications")
def notifications_save() -> Any:
    try:
        svc.set_prefs(
            ctx(),
            actor=actor(),
            email=F.text("email", 254),
            email_events=request.form.getlist("events")[: len(N.Event)],
        )
    except HwtraceError as err:
        if not F.is_form_error(err):
            raise
        return _page(err.status, F.message(err))
    F.done("通知设置已保存", "Notification settings saved")
    return redirect(url_for("pages.notifications_page"))


@bp.post("/account/deliveries/<delivery_id>/replay")
def delivery_replay(delivery_id: str) -> Any:
    svc.authorize_delivery(ctx(), actor=actor(), delivery_id=delivery_id)
    svc.replay(ctx(), actor=actor(), delivery_id=delivery_id[:36])
    F.done("已重新投递（新的投递编号）", "Queued again (a new delivery id)")
    return redirect(url_for("pages.notifications_page"))


@bp.post("/account/webhooks/<int:hook_id>/active")
def webhook_active(hook_id: int) -> Any:
    """Enable a webhook again (its failure count reset) after repeated failures disabled it,
    or disable it."""
    svc.authorize_hook(ctx(), actor=actor(), hook_id=hook_id)
    on = request.form.get("active") == "1"
    svc.set_active(ctx(), actor=actor(), hook_id=hook_id, active=on)
    if on:
        F.done("已重新启用", "Enabled again")
    else:
        F.done("已停用", "Disabled")
    return redirect(url_for("pages.notifications_page"))
