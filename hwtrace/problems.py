"""Every error leaves the server as one ``application/problem+json`` body (RFC 9457): ``type``
(``urn:hwtrace:problem:<code>``), ``title`` (the HTTP status phrase), ``status``, ``detail``
(Chinese, then English) and ``instance`` (``urn:hwtrace:request:<request id>``), with the
extension members clients match on: ``code`` (stable), ``message`` (Simplified Chinese),
``message_en``, ``request_id`` and, when the error carries facts, ``context`` (an object, e.g.
the limit that was exceeded).

Known errors are ``HwtraceError`` (domain) and its stable code; Werkzeug's HTTP errors map to the
same shape; anything else is logged with the request id and answered with one generic 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, json
from werkzeug.exceptions import HTTPException

from hwtrace.domain.errors import HwtraceError
from ledger.errors import LedgerError

log = logging.getLogger("hwtrace")

# Werkzeug's HTTP errors as problems: status -> (stable code, Chinese, English).
HTTP_ERRORS = {
    400: ("request.invalid", "请求格式错误", "bad request"),
    401: ("auth.required", "请先登录", "authentication required"),
    403: ("auth.forbidden", "无权访问", "forbidden"),
    404: ("not_found", "资源不存在", "not found"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    406: ("request.not_acceptable", "不支持请求的格式", "not acceptable"),
    409: ("conflict", "请求冲突", "conflict"),
    413: ("request.too_large", "请求体过大", "request body too large"),
    415: ("request.not_json", "请求体须为 JSON", "the body must be JSON"),
    429: ("auth.throttled", "请求过于频繁", "too many requests"),
}


PROBLEM_TYPE = "urn:hwtrace:problem:"
MIMETYPE = "application/problem+json"


def problem(body: dict[str, Any], status: int) -> Response:
    """Return an RFC 9457 problem response from ``{code, message, message_en[, detail]}``
    (``detail`` there is the error's facts: it becomes the ``context`` member)."""
    rid = getattr(g, "request_id", None)
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    out: dict[str, Any] = {
        "type": PROBLEM_TYPE + str(body["code"]),
        "title": title,
        "status": status,
        "detail": f"{body['message']} / {body['message_en']}",
        "instance": f"urn:hwtrace:request:{rid}" if rid else None,
        "code": body["code"],
        "message": body["message"],
        "message_en": body["message_en"],
        "request_id": rid,
    }
    if body.get("detail"):
        out["context"] = body["detail"]
    return Response(json.dumps(out, ensure_ascii=False), status=status, mimetype=MIMETYPE)


def _on_hwtrace_error(err: HwtraceError) -> Response:
    resp = problem(err.to_dict(), err.status)
    retry = (err.detail or {}).get("retry_after_seconds")
    if err.status in (429, 503) and isinstance(retry, int):
        resp.headers["Retry-After"] = str(max(retry, 1))
    return resp


def _on_ledger_error(err: LedgerError) -> Response:
    # The ledger refused or could not prove something: the caller's request is not at fault in
    # a way it can fix, but nothing was written either (the transaction rolled back).
    log.warning("ledger refused (request %s): %s", getattr(g, "request_id", "-"), err)
    return problem(
        {
            "code": err.code,
            "status": 409,
            "message": "台账拒绝了该操作或无法给出证明，未写入任何内容",
            "message_en": f"the ledger refused this or cannot prove it ({err}); nothing written",
        },
        409,
    )


def http_error(err: HTTPException) -> Response:
    """Return the JSON problem for a Werkzeug HTTP error (405 with its Allow header)."""
    status = err.code or 500
    code, zh, en = HTTP_ERRORS.get(status, ("http.error", "请求失败", err.name or "error"))
    resp = problem({"code": code, "status": status, "message": zh, "message_en": en}, status)
    valid = getattr(err, "valid_methods", None)
    if status == 405 and valid:
        resp.headers["Allow"] = ", ".join(valid)
    return resp


# PostgreSQL SQLSTATEs after which the transaction was rolled back and a retry may succeed:
# serialization failure, deadlock, lock not available, server shutting down.
_RETRYABLE_PG = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}


def _retryable(err: sa.exc.DBAPIError) -> bool:
    if err.connection_invalidated:
        return True
    if getattr(err.orig, "sqlstate", None) in _RETRYABLE_PG:
        return True
    return isinstance(err, sa.exc.OperationalError) and "database is locked" in str(err.orig)


def _on_database_unavailable(err: sa.exc.DBAPIError) -> Response:
    # A connection the database dropped (restart, network) or a lock not granted in time: the
    # transaction was rolled back, nothing was written, and the same request can be retried.
    # Any other database error is a defect: logged, and the generic 500.
    if not _retryable(err):
        return _on_unexpected(err)
    log.warning("database unavailable (request %s): %s", getattr(g, "request_id", "-"), err)
    resp = problem(
        {
            "code": "db.unavailable",
            "status": 503,
            "message": "数据库暂时不可用，未写入任何内容，请稍后重试",
            "message_en": "the database is unavailable for a moment; nothing was written, retry",
        },
        503,
    )
    resp.headers["Retry-After"] = "1"
    return resp


def _on_unexpected(err: Exception) -> Response:
    if isinstance(err, HTTPException):
        return http_error(err)
    log.exception("unexpected error (request %s)", getattr(g, "request_id", "-"))
    return problem(
        {
            "code": "internal",
            "status": 500,
            "message": "服务器内部错误，已记录，请联系管理员",
            "message_en": "internal error; it was logged with the request id",
        },
        500,
    )


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into a JSON problem."""
    app.register_error_handler(HwtraceError, _on_hwtrace_error)
    app.register_error_handler(LedgerError, _on_ledger_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(sa.exc.DBAPIError, _on_database_unavailable)
    app.register_error_handler(Exception, _on_unexpected)
