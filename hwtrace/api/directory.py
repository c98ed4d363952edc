"""Enterprises, users, waste profiles and storage rooms."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hwtrace.api.params import int_arg
from hwtrace.api.routing import actor, ctx, ok, route
from hwtrace.domain.access import EnterpriseKind, Role
from hwtrace.domain.errors import BadValue
from hwtrace.services import directory as svc
from hwtrace.services import enterprise_changes as changes
from hwtrace.services import serialize

R = "#/components/schemas/"
KIND_Q = {
    "name": "kind",
    "in": "query",
    "required": False,
    "schema": {"enum": ["producer", "transporter", "receiver", "park"]},
}
ENT_Q = {
    "name": "enterprise_id",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
}


@route(
    "/enterprises",
    "GET",
    summary="Enterprises the caller may see",
    tag="enterprises",
    query=[KIND_Q],
    response={"type": "array", "items": {"$ref": R + "Enterprise"}},
)
def list_enterprises() -> Response:
    kind = request.args.get("kind") or None
    if kind not in (None, "producer", "transporter", "receiver", "park"):
        raise BadValue(zh="kind 取值无效", en="unknown kind")
    rows = svc.list_enterprises(ctx(), actor=actor(), kind=kind)
    return ok([serialize.enterprise(e, full=full) for e, full in rows])


@route(
    "/enterprises",
    "POST",
    roles=(Role.PARK_ADMIN,),
    summary="Register an enterprise (park administrators)",
    tag="enterprises",
    body="enterprise-create",
    status=201,
    response={"$ref": R + "Enterprise"},
)
def create_enterprise(body: dict[str, Any]) -> Response:
    ent = svc.create_enterprise(ctx(), actor=actor(), new=svc.NewEnterprise(**body))
    return ok(serialize.enterprise(ent), 201)


@route(
    "/enterprises/<int:enterprise_id>",
    "GET",
    summary="One enterprise's record",
    tag="enterprises",
    response={"$ref": R + "Enterprise"},
)
def get_enterprise(enterprise_id: int) -> Response:
    return ok(
        serialize.enterprise(svc.get_enterprise(ctx(), actor=actor(), enterprise_id=enterprise_id))
    )


@route(
    "/users",
    "GET",
    summary="Users of the caller's enterprise (or the park)",
    tag="users",
    query=[ENT_Q],
    response={"type": "array", "items": {"$ref": R + "User"}},
)
def list_users() -> Response:
    users = svc.list_users(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([serialize.user(u) for u in users])


@route(
    "/users",
    "POST",
    roles=(Role.ADMIN, Role.PARK_ADMIN),
    summary="Create a user",
    tag="users",
    body="user-create",
    status=201,
    response={"$ref": R + "User"},
)
def create_user(body: dict[str, Any]) -> Response:
    return ok(serialize.user(svc.create_user(ctx(), actor=actor(), new=svc.NewUser(**body))), 201)


@route(
    "/users/<int:user_id>/authorizations",
    "GET",
    summary="The waste profiles a user may register (personnel authorization)",
    tag="users",
    query=[{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    response={"$ref": R + "Authorizations"},
)
def get_authorizations(user_id: int) -> Response:
    ids = svc.get_authorizations(ctx(), actor=actor(), user_id=user_id)
    return ok({"user_id": user_id, "profile_ids": ids})


@route(
    "/users/<int:user_id>/authorizations",
    "PUT",
    guard=lambda user_id: svc.authorize_authorizations(ctx(), actor=actor(), user_id=user_id),
    summary="Set the waste profiles an operator may register (enterprise admin; a ledger entry)",
    tag="users",
    body="authorizations",
    query=[{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    response={"$ref": R + "Authorizations"},
)
def set_authorizations(user_id: int, body: dict[str, Any]) -> Response:
    ids = svc.set_authorizations(
        ctx(), actor=actor(), user_id=user_id, profile_ids=body["profile_ids"]
    )
    return ok({"user_id": user_id, "profile_ids": ids})


@route(
    "/waste-profiles",
    "GET",
    summary="Waste profiles",
    tag="waste-profiles",
    query=[ENT_Q],
    response={"type": "array", "items": {"$ref": R + "WasteProfile"}},
)
def list_profiles() -> Response:
    rows = svc.list_profiles(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([serialize.profile(p) for p in rows])


@route(
    "/waste-profiles",
    "POST",
    roles=(Role.ADMIN,),
    kinds=(EnterpriseKind.PRODUCER,),
    summary="Create a waste profile",
    tag="waste-profiles",
    body="profile-create",
    status=201,
    response={"$ref": R + "WasteProfile"},
)
def create_profile(body: dict[str, Any]) -> Response:
    p = svc.create_profile(ctx(), actor=actor(), new=svc.NewProfile(**body))
    return ok(serialize.profile(p), 201)


@route(
    "/waste-profiles/<int:profile_id>",
    "GET",
    summary="One waste profile",
    tag="waste-profiles",
    response={"$ref": R + "WasteProfile"},
)
def get_profile(profile_id: int) -> Response:
    return ok(serialize.profile(svc.get_profile(ctx(), actor=actor(), profile_id=profile_id)))


@route(
    "/storage-rooms",
    "GET",
    summary="Storage rooms and their fill",
    tag="storage",
    query=[ENT_Q],
    response={"type": "array", "items": {"$ref": R + "StorageRoom"}},
)
def list_rooms() -> Response:
    rows = svc.list_rooms(ctx(), actor=actor(), enterprise_id=int_arg("enterprise_id"))
    return ok([serialize.room(r, g) for r, g in rows])


@route(
    "/storage-rooms",
    "POST",
    roles=(Role.ADMIN,),
    kinds=(EnterpriseKind.PRODUCER,),
    summary="Create a storage room",
    tag="storage",
    body="room-create",
    status=201,
    response={"$ref": R + "StorageRoom"},
)
def create_room(body: dict[str, Any]) -> Response:
    room = svc.create_room(
        ctx(),
        actor=actor(),
        name=body["name"],
        capacity_kg=body["capacity_kg"],
        allowed_categories=body.get("allowed_categories", []),
    )
    return ok(serialize.room(room, 0), 201)


@route(
    "/enterprises/<int:enterprise_id>",
    "PUT",
    roles=(Role.PARK_ADMIN,),
    summary="Change an enterprise's permits (renewed, extended) or province (park administrators)",
    tag="enterprises",
    body="enterprise-update",
    response={"$ref": R + "Enterprise"},
)
def update_enterprise(enterprise_id: int, body: dict[str, Any]) -> Response:
    ent = changes.update_enterprise(
        ctx(),
        actor=actor(),
        enterprise_id=enterprise_id,
        change=changes.EnterpriseChange(
            reason=body["reason"],
            permits=body.get("permits"),
            province_code=body.get("province_code"),
        ),
    )
    return ok(serialize.enterprise(ent))
