"""Notifications: webhooks and group robots of the caller's enterprise with their delivery log
and replay; the caller's own e-mail choices. Deliveries (``domain/notifications.py``): POST of
the event as JSON with X-Hwtrace-Event, X-Hwtrace-Delivery (unique) and
X-Hwtrace-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>."""

from __future__ import annotations

from typing import Any

from flask import Response

from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import Role
from hwtrace.services import notifications as svc

HOOK = {"type": "object"}
ADMINS = (Role.ADMIN, Role.PARK_ADMIN)


def _hook(hook_id: int) -> None:
    svc.authorize_hook(ctx(), actor=actor(), hook_id=hook_id)


PREFS = {"type": "object"}


@route(
    "/webhooks",
    "POST",
    roles=ADMINS,
    summary="Register a webhook (or a WeCom/DingTalk group robot) for events; enterprise admin",
    tag="notifications",
    body="webhook-create",
    status=201,
    response=HOOK,
)
def create_webhook(body: dict[str, Any]) -> Response:
    hook = svc.register_webhook(
        ctx(),
        actor=actor(),
        url=body["url"],
        events=body["events"],
        secret=body.get("secret", ""),
        channel=body.get("channel", "webhook"),
    )
    return ok(svc.webhook_json(hook), 201)


@route(
    "/webhooks",
    "GET",
    roles=ADMINS,
    summary="The enterprise's webhooks and robots (enterprise admin)",
    tag="notifications",
    response={"type": "array", "items": HOOK},
)
def list_webhooks() -> Response:
    return ok([svc.webhook_json(h) for h in svc.list_webhooks(ctx(), actor=actor())])


@route(
    "/webhooks/<int:hook_id>/enable",
    "POST",
    guard=_hook,
    summary="Enable a webhook again (after repeated failures disabled it)",
    tag="notifications",
    response=HOOK,
)
def enable_webhook(hook_id: int) -> Response:
    return ok(svc.webhook_json(svc.set_active(ctx(), actor=actor(), hook_id=hook_id, active=True)))


@route(
    "/webhooks/<int:hook_id>/disable",
    "POST",
    guard=_hook,
    summary="Disable a webhook",
    tag="notifications",
    response=HOOK,
)
def disable_webhook(hook_id: int) -> Response:
    hook = svc.set_active(ctx(), actor=actor(), hook_id=hook_id, active=False)
    return ok(svc.webhook_json(hook))


@route(
    "/webhooks/<int:hook_id>/deliveries",
    "GET",
    guard=_hook,
    summary="A webhook's delivery log, newest first",
    tag="notifications",
    response={"type": "array", "items": {"type": "object"}},
)
def webhook_deliveries(hook_id: int) -> Response:
    rows = svc.deliveries(ctx(), actor=actor(), hook_id=hook_id)
    return ok([svc.delivery_json(d) for d in rows])


@route(
    "/deliveries/<delivery_id>/replay",
    "POST",
    guard=lambda delivery_id: svc.authorize_delivery(ctx(), actor=actor(), delivery_id=delivery_id),
    summary="Send a delivery again (a new delivery id; replay_of names the first)",
    tag="notifications",
    status=201,
    response={"type": "object"},
)
def replay_delivery(delivery_id: str) -> Response:
    d = svc.replay(ctx(), actor=actor(), delivery_id=delivery_id[:36])
    return ok(svc.delivery_json(d), 201)


@route(
    "/me/notifications",
    "GET",
    summary="What reaches the caller by e-mail",
    tag="notifications",
    response=PREFS,
)
def get_prefs() -> Response:
    return ok(svc.get_prefs(ctx(), actor=actor()))


@route(
    "/me/notifications",
    "PUT",
    summary="Choose the e-mail address and the events sent to it",
    tag="notifications",
    body="notification-prefs",
    response=PREFS,
)
def put_prefs(body: dict[str, Any]) -> Response:
    out = svc.set_prefs(
        ctx(), actor=actor(), email=body.get("email", ""), email_events=body.get("email_events", [])
    )
    return ok(out)
