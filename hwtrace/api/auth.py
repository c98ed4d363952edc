"""Login, the caller's identity, device tokens for PDAs, tokens of the users one manages,
passwords and deactivation."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.services import auth as svc
from hwtrace.services import directory, serialize
from hwtrace.services import totp as totp_svc

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
        otp=body.get("otp"),
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


TOTP_STATUS = {
    "type": "object",
    "properties": {
        "enabled": {"type": "boolean"},
        "pending": {"type": "boolean"},
        "recovery_codes_left": {"type": "integer"},
        "required": {"type": "boolean"},
    },
}


@route(
    "/auth/totp",
    "GET",
    summary="The caller's second factor (TOTP): enabled, waiting for its first code, recovery "
    "codes left, required by the park",
    tag="auth",
    response=TOTP_STATUS,
)
def totp_status() -> Response:
    st = totp_svc.status(ctx(), actor=actor())
    return ok(
        {
            "enabled": st.enabled,
            "pending": st.pending,
            "recovery_codes_left": st.recovery_left,
            "required": st.required,
        }
    )


@route(
    "/auth/totp",
    "POST",
    summary="Start enabling the second factor: a new RFC 6238 secret and its otpauth:// URI "
    "(enabled once POST /auth/totp/confirm gets a code from it)",
    tag="auth",
    status=201,
    response={
        "type": "object",
        "properties": {"secret": {"type": "string"}, "otpauth_uri": {"type": "string"}},
    },
)
def totp_begin() -> Response:
    e = totp_svc.begin(ctx(), actor=actor())
    return ok({"secret": e.secret, "otpauth_uri": e.uri}, 201)


@route(
    "/auth/totp/confirm",
    "POST",
    summary="Enable the second factor with a first code; returns the recovery codes, shown once",
    tag="auth",
    body="totp-code",
    response={
        "type": "object",
        "properties": {"recovery_codes": {"type": "array", "items": {"type": "string"}}},
    },
)
def totp_confirm(body: dict[str, Any]) -> Response:
    codes = totp_svc.confirm(ctx(), actor=actor(), code=body["code"])
    return ok({"recovery_codes": codes})


@route(
    "/auth/totp/disable",
    "POST",
    summary="Turn the caller's second factor off (with a current code or a recovery code)",
    tag="auth",
    body="totp-code",
    response={"$ref": R + "Ok"},
)
def totp_disable(body: dict[str, Any]) -> Response:
    totp_svc.disable(ctx(), actor=actor(), user_id=actor().user_id, code=body["code"])
    return ok({"ok": True})


@route(
    "/users/<int:user_id>/totp/disable",
    "POST",
    guard=lambda user_id: svc.authorize_user(ctx(), actor=actor(), user_id=user_id, admin=True),
    summary="Turn a user's second factor off (a lost phone): its enterprise's admin or the "
    "park's administrator",
    tag="auth",
    response={"$ref": R + "Ok"},
)
def totp_reset(user_id: int) -> Response:
    totp_svc.disable(ctx(), actor=actor(), user_id=user_id)
    return ok({"ok": True})
