"""Route machinery of the JSON API: the blueprint, and ``route``, which declares one route so
that it is authenticated by default, validates its query and its body against a JSON Schema in
``schemas/api/``, applies an ``Idempotency-Key`` at most once, and appears in the OpenAPI
document served at /api/v1/openapi.json."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jsonschema
from flask import Blueprint, Response, current_app, g, jsonify, request

import schemas
from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import Forbidden, InvalidRequest, NotFound
from hwtrace.services import auth as auth_service
from hwtrace.services import idempotency, ratelimit
from hwtrace.services.context import Context
from schemas import formats

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


@dataclass
class RouteDoc:
    """What the OpenAPI document says of one route."""

    rule: str
    method: str
    summary: str
    tag: str
    body: str | None
    response: dict[str, Any] | None
    status: int
    public: bool
    query: list[dict[str, Any]] = field(default_factory=list)
    idempotent: bool = False
    content_types: tuple[str, ...] = ("application/json",)


ROUTES: list[RouteDoc] = []


def ctx() -> Context:
    """Return the app's use-case context."""
    return current_app.extensions["hwtrace"]  # type: ignore[no-any-return]


def actor() -> Actor:
    """Return the authenticated caller of this request."""
    return g.actor  # type: ignore[no-any-return]


@functools.cache
def body_schema(name: str) -> jsonschema.Draft202012Validator:
    """Return the validator of ``schemas/api/<name>.schema.json``."""
    text = resources.files("schemas").joinpath("api", f"{name}.schema.json").read_text("utf-8")
    return schemas.strict_validator(json.loads(text))  # type: ignore[no-any-return]


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


def _json_body(schema_name: str) -> dict[str, Any]:
    if not request.is_json:
        raise InvalidRequest(
            zh="请求体须为 JSON（Content-Type: application/json）",
            en="the body must be JSON (Content-Type: application/json)",
            code="request.not_json",
            status=415,
        )
    try:
        data = json.loads(
            request.get_data(cache=True), parse_float=_parse_float, parse_constant=_parse_float
        )
    except ValueError:
        raise InvalidRequest(zh="请求体不是有效的 JSON", en="the body is not valid JSON") from None
    except RecursionError:
        raise _too_deep() from None
    check_json_value(data)
    errors = sorted(body_schema(schema_name).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise InvalidRequest(
            zh="请求内容不符合要求：" + "; ".join(_err_text(e) for e in errors[:5]),
            en="the body does not match the schema: " + "; ".join(_err_text(e) for e in errors[:5]),
            detail={
                "errors": [
                    {"path": "/".join(str(p) for p in e.path), "message": e.message}
                    for e in errors[:20]
                ]
            },
        )
    return data  # type: ignore[no-any-return]


MAX_JSON_DEPTH = 32  # the deepest legitimate body (a sync item) nests about 7 levels

CONTROL = formats.CONTROL_RE


def _too_deep() -> InvalidRequest:
    return InvalidRequest(
        zh=f"请求体嵌套过深（最多 {MAX_JSON_DEPTH} 层）",
        en=f"the body is nested too deeply (at most {MAX_JSON_DEPTH} levels)",
        code="request.too_deep",
        detail={"max_depth": MAX_JSON_DEPTH},
    )


def check_json_value(data: Any) -> None:
    """Refuse a parsed body nested deeper than ``MAX_JSON_DEPTH``, or holding a string (value or
    key) with a control character or a lone surrogate (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list) and depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            for k, v in value.items():
                check_text(str(k))
                stack.append((v, depth + 1))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            check_text(value)


def check_text(text: str, field_name: str | None = None) -> None:
    """Refuse text with a control character or a lone surrogate (400 ``request.control_chars``
    or ``request.invalid``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(
            zh="请求体含有无效的 Unicode 字符（孤立代理项）",
            en="the body has invalid Unicode (lone surrogates)",
        ) from None
    m = CONTROL.search(text)
    if m:
        where = f"（{field_name}）" if field_name else ""
        raise InvalidRequest(
            zh=f"文本不得含有控制字符 U+{ord(m.group()):04X}{where}",
            en=f"text must not hold control characters (U+{ord(m.group()):04X})"
            + (f" in {field_name}" if field_name else ""),
            code="request.control_chars",
            detail={"char": f"U+{ord(m.group()):04X}", "field": field_name},
        )


MAX_ID = 2**53 - 1  # larger path numbers name nothing (and overflow SQLite integers)


def _parse_float(text: str) -> Any:
    raise InvalidRequest(
        zh=f'数字 {text[:20]} 不是整数：数量和重量请用整数或十进制字符串（如 "12.5"）',
        en=f"{text[:20]} is not an integer: use integers, and decimal strings for weights",
    )


def _check_query(params: list[dict[str, Any]]) -> None:
    """Validate the query string against the route's documented parameters (and refuse
    control characters in any parameter)."""
    for name, v in request.args.items(multi=True):
        check_text(name)
        check_text(v, name)
    for p in params:
        if p["in"] != "query":
            continue
        values = request.args.getlist(p["name"])
        if not values:
            if p.get("required"):
                raise InvalidRequest(
                    zh=f"缺少参数 {p['name']}", en=f"query parameter {p['name']} is required"
                )
            continue
        if len(values) > 1:
            raise InvalidRequest(
                zh=f"参数 {p['name']} 重复", en=f"query parameter {p['name']} is repeated"
            )
        value: Any = values[0]
        schema = p["schema"]
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,16}", value):
                raise InvalidRequest(
                    zh=f"参数 {p['name']} 须为整数",
                    en=f"query parameter {p['name']} must be an integer",
                )
            value = int(value)
        errors = list(schemas.strict_validator(schema, check=False).iter_errors(value))
        if errors:
            raise InvalidRequest(
                zh=f"参数 {p['name']} 无效：{errors[0].message[:120]}",
                en=f"query parameter {p['name']} is invalid: {errors[0].message[:120]}",
            )


def _err_text(e: jsonschema.ValidationError) -> str:
    path = "/".join(str(p) for p in e.path) or "(body)"
    return f"{path}: {e.message}"[:200]


def _request_hash() -> str:
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(request.path.encode())
    h.update(request.get_data(cache=True))
    return h.hexdigest()


_IDEM_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}\Z")


def route(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    body: str | None = None,
    response: dict[str, Any] | None = None,
    status: int = 200,
    public: bool = False,
    query: list[dict[str, Any]] | None = None,
    idempotent: bool = False,
    replay: Callable[[dict[str, Any]], Response] | None = None,
    content_types: tuple[str, ...] = ("application/json",),
    roles: tuple[Role, ...] | None = None,
    kinds: tuple[EnterpriseKind, ...] | None = None,
    guard: Callable[..., None] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare one API route: authentication, authorization, then query and body validation,
    idempotency and its doc.

    ``roles`` (the roles that may call it), ``kinds`` (the kinds of enterprise) and ``guard``
    (called with the path's arguments; it raises ``NotFound`` for a resource the caller may
    not see and ``Forbidden`` for one it may see but not act on) run before anything in the
    request is validated: a stranger learns nothing from a validation message
    (docs/security.md, "Scope").
    """

    for q in query or []:
        if q["schema"].get("type") == "integer":
            q["schema"].setdefault("maximum", MAX_ID)

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(
            RouteDoc(
                rule,
                method,
                summary,
                tag,
                body,
                response,
                status,
                public,
                query or [],
                idempotent,
                content_types,
            )
        )

        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            _authenticate(public)
            for name, value in kwargs.items():
                if isinstance(value, int) and value > MAX_ID:
                    raise NotFound(zh="资源不存在", en="not found", detail={name: value})
            if not public:
                _authorize(roles, kinds, guard, kwargs)
            _check_query(query or [])
            if body is not None:
                kwargs["body"] = _json_body(body)
            key = request.headers.get("Idempotency-Key") if idempotent else None
            if key is None:
                return fn(**kwargs)
            return _idempotent(fn, kwargs, key, replay, status)

        view.__name__ = f"{fn.__name__}_{method.lower()}"
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
        return view

    return deco


def _authenticate(public: bool) -> None:
    """Count the request against its address, resolve the caller (unless the route is
    public) and count it against its token. An item of POST /sync runs as the caller the
    batch request authenticated and was counted with it."""
    nested = g.get("sync_actor")
    if nested is not None:
        g.actor = nested
        return
    _rate_limit("addr", request.remote_addr or "-", ctx().settings.api_rate_per_address)
    if public:
        return
    g.actor = auth_service.actor_for_token(ctx(), _bearer())
    if actor().token_id is not None:
        _rate_limit("token", str(actor().token_id), ctx().settings.api_rate_per_token)


def _rate_limit(scope: str, who: str, limit: int) -> None:
    """Count this request against the caller's limit (429 ``rate_limited`` over it)."""
    if limit > 0:
        bucket = f"{ctx().settings.park_code}:{scope}:{who}"
        ratelimit.hit(ctx(), bucket=bucket, limit=limit, scope=scope)


def _authorize(
    roles: tuple[Role, ...] | None,
    kinds: tuple[EnterpriseKind, ...] | None,
    guard: Callable[..., None] | None,
    kwargs: dict[str, Any],
) -> None:
    """The route's checks of the caller, before anything in the request is validated."""
    if roles is not None:
        require_role(actor(), *roles)
    if kinds is not None and actor().enterprise_kind not in kinds:
        raise Forbidden(
            zh="本单位类型无权执行此操作",
            en=f"a {actor().enterprise_kind.value} may not do this",
            detail={"allowed": [k.value for k in kinds]},
        )
    # An item of POST /sync may name what an earlier item of its group created, not yet
    # committed (SQLite applies a group in one transaction) and so invisible to the guard's
    # own read: there the use case's checks, made before it acts, authorize the item.
    if guard is not None and g.get("sync_actor") is None:
        guard(**kwargs)


def _idempotent(
    fn: Callable[..., Any],
    kwargs: dict[str, Any],
    key: str,
    replay: Callable[[dict[str, Any]], Response] | None,
    status: int,
) -> Any:
    if not _IDEM_KEY.match(key):
        raise InvalidRequest(
            zh="Idempotency-Key 须为 8–100 个字母、数字或 _.:- 字符",
            en="Idempotency-Key must be 8-100 characters of A-Z a-z 0-9 _.:-",
        )
    assert replay is not None

    def replayed(status: int, stored: dict[str, Any]) -> Response:
        if "answer" in stored:
            resp = ok(stored["answer"], status)
        else:
            resp = replay(stored)
            resp.status_code = status
        resp.headers["Idempotent-Replayed"] = "true"
        return resp

    def answer_of(resp: Any) -> Any:
        if isinstance(resp, Response) and resp.is_json and resp.status_code == status:
            return resp.get_json()
        return None

    return idempotency.apply_once(
        ctx(),
        user_id=actor().user_id,
        key=key,
        request_hash=_request_hash(),
        status=status,
        apply=lambda: fn(**kwargs),
        replay=replayed,
        answer_of=answer_of,
    )


def ok(data: Any, status: int = 200) -> Response:
    """Return ``data`` as a JSON response."""
    resp = jsonify(data)
    resp.status_code = status
    return resp
