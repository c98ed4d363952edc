"""Login, the caller's identity, device tokens for PDAs, tokens of the users one manages,
passwords and deactivation."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.params import int_arg
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
    summary="Revoke the token of this request and the device tokens issued from it",
    tag="auth",
    response={"$ref": R + "Ok"},
)
def logout() -> Response:
    svc.logout(ctx(), actor=actor())
    return ok({"ok": True})


@route(
    "/auth/password",
    "POST",
    summary="Change the caller's password (every other token of the caller is revoked)",
    tag="auth",
    body="password-change",
    response={"$ref": R + "Ok"},
)
def change_password(body: dict[str, Any]) -> Response:
    svc.change_password(
        ctx(), actor=actor(), current=body["current_password"], new=body["new_password"]
    )
    return ok({"ok": True})


USER_PATH = [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


@route(
    "/users/<int:user_id>/password",
    "POST",
    guard=lambda user_id: svc.authorize_user(ctx(), actor=actor(), user_id=user_id, admin=True),
    summary="Reset a user's password (its enterprise's admin or the park's administrator)",
    tag="users",
    body="password-reset",
    query=USER_PATH,
    response={"$ref": R + "Ok"},
)
def reset_password(user_id: int, body: dict[str, Any]) -> Response:
    svc.reset_password(ctx(), actor=actor(), user_id=user_id, new=body["new_password"])
    return ok({"ok": True})


@route(
    "/users/<int:user_id>/deactivate",
    "POST",
    summary="Deactivate a user: no more logins, every token revoked at once",
    tag="users",
    query=USER_PATH,
    response={"$ref": R + "User"},
)
def deactivate(user_id: int) -> Response:
    return ok(serialize.user(svc.deactivate_user(ctx(), actor=actor(), user_id=user_id)))


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
    summary="The caller's tokens, or (user_id) a user's its enterprise admin or the park admin",
    tag="auth",
    query=[{"name": "user_id", "in": "query", "required": False, "schema": {"type": "integer"}}],
    response={"type": "array", "items": {"$ref": R + "TokenInfo"}},
)
def tokens() -> Response:
    found = svc.list_tokens(ctx(), actor=actor(), user_id=int_arg("user_id"))
    return ok([serialize.token(t) for t in found])


@route(
    "/auth/tokens",
    "POST",
    summary="Issue a device token for a PDA (shown once; from a login token only; expires)",
    tag="auth",
    body="device-token",
    status=201,
    response={"$ref": R + "Token"},
)
def create_token(body: dict[str, Any]) -> Response:
    issued = svc.create_device_token(
        ctx(), actor=actor(), name=body["name"], end_login=body.get("end_login", False)
    )
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
