"""Login, the caller's identity, and device tokens for PDAs."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.services import auth as svc
from hwtrace.services import directory, serialize

R = "#/components/schemas/"


@route(
    "/auth/login",
    "POST",
    summary="Log in; returns a bearer token",
    tag="auth",
    body="login",
    public=True,
    response={"$ref": R + "Token"},
)
def login(body: dict[str, Any]) -> Response:
    issued = svc.login(
        ctx(),
        username=body["username"],
        password=body["password"],
        remote_addr=request.remote_addr or "",
    )
    return ok(serialize.issued_token(issued))


@route(
    "/auth/logout",
    "POST",
    summary="Revoke the token of this request",
    tag="auth",
    response={"$ref": R + "Ok"},
)
def logout() -> Response:
    a = actor()
    assert a.token_id is not None
    svc.revoke_token(ctx(), actor=a, token_id=a.token_id)
    return ok({"ok": True})


@route(
    "/me",
    "GET",
    summary="The caller: user, enterprise and role",
    tag="auth",
    response={"$ref": R + "Me"},
)
def me() -> Response:
    a = actor()
    ent = directory.get_enterprise(ctx(), actor=a, enterprise_id=a.enterprise_id)
    return ok(
        {
            "user_id": a.user_id,
            "username": a.username,
            "role": a.role.value,
            "enterprise": serialize.enterprise(ent),
        }
    )


@route(
    "/auth/tokens",
    "GET",
    summary="The caller's tokens",
    tag="auth",
    response={"type": "array", "items": {"$ref": R + "TokenInfo"}},
)
def tokens() -> Response:
    return ok([serialize.token(t) for t in svc.list_tokens(ctx(), actor=actor())])


@route(
    "/auth/tokens",
    "POST",
    summary="Issue a device token for a PDA (shown once)",
    tag="auth",
    body="device-token",
    status=201,
    response={"$ref": R + "Token"},
)
def create_token(body: dict[str, Any]) -> Response:
    issued = svc.create_device_token(ctx(), actor=actor(), name=body["name"])
    return ok(serialize.issued_token(issued), 201)


@route(
    "/auth/tokens/<int:token_id>",
    "DELETE",
    summary="Revoke a token",
    tag="auth",
    response={"$ref": R + "Ok"},
)
def revoke(token_id: int) -> Response:
    svc.revoke_token(ctx(), actor=actor(), token_id=token_id)
    return ok({"ok": True})
