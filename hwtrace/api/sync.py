"""POST /sync: a handheld's queued actions in one request.

Each item is exactly one of the idempotent single requests (register, lifecycle event, reprint,
correction, manifest load/receive), with its own Idempotency-Key and its exact body text. Items
are applied in order, each in its own transaction, through the same route code as the single
request (validation, scoping, idempotency, replay): a resend of an item, alone or in another
batch, is answered from the stored key and never creates a second event. The caller is
authenticated once for the batch. Processing stops at the first item the server could not
handle (a 5xx); the items after it come back with ``status: 0`` (not attempted).

On SQLite, items are applied in groups of ``GROUP`` sharing one database transaction, each
item in a savepoint (``shared_transaction``): a refused item is rolled back alone, the group
commits once (one write lock, one commit), and nothing is answered before its group has
committed. If a group's commit fails, the request fails and none of its results are reported,
so the handheld resends them; the groups committed before answer from their keys. SQLite
serializes every writer on one lock anyway, so a group only saves work. On PostgreSQL writers
lock rows (batch, code counter, ledger head) as they go; carrying one item's locks into the
next could deadlock with another writer taking them in another order, so there each item keeps
its own transaction.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import current_app, g
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as RouteNotFound

from hwtrace.api.routing import ROUTES, actor, ctx, ok, route
from hwtrace.domain.errors import HwtraceError
from hwtrace.problems import HTTP_ERRORS
from hwtrace.services import sync as sync_svc

log = logging.getLogger("hwtrace")
PREFIX = "/api/v1"
# Items per transaction: enough to spread the commit, few enough that the write lock is held
# for tens of milliseconds (other scanners queue behind it).
GROUP = 25


def _syncable() -> set[str]:
    return {PREFIX + r.rule for r in ROUTES if r.idempotent and r.method == "POST"}


@route(
    "/sync",
    "POST",
    summary="Apply a handheld's queued actions in order, each as its own idempotent request",
    tag="batches",
    body="sync",
    response={"$ref": "#/components/schemas/SyncResults"},
)
def sync(body: dict[str, Any]) -> Any:
    g.sync_actor = actor()
    allowed = _syncable()
    adapter = current_app.url_map.bind("localhost")
    results: list[dict[str, Any]] = []
    items = body["items"]
    stopped = False
    try:
        for start in range(0, len(items), GROUP):
            group = items[start : start + GROUP]
            if stopped:
                results += [_not_attempted(item) for item in group]
                continue
            done: list[dict[str, Any]] = []
            with sync_svc.item_group(ctx()):
                for item in group:
                    if stopped:
                        done.append(_not_attempted(item))
                        continue
                    status, out, replayed = _one(adapter, allowed, item)
                    done.append(
                        {"key": item["key"], "status": status, "body": out, "replayed": replayed}
                    )
                    stopped = status >= 500
            results += done  # only once the group is committed
    finally:
        g.pop("sync_actor", None)
    return ok({"results": results})


def _one(adapter: Any, allowed: set[str], item: dict[str, Any]) -> tuple[int, Any, bool]:
    path = PREFIX + item["path"]
    try:
        rule, args = adapter.match(path, method="POST", return_rule=True)
    except (RouteNotFound, HTTPException):
        rule = None
    if rule is None or rule.rule not in allowed:
        return (
            400,
            _problem(400, "request.invalid", "该操作不能批量同步", "not a syncable action"),
            False,
        )
    with current_app.test_request_context(
        path,
        method="POST",
        data=item["body"].encode("utf-8"),
        headers={"Content-Type": "application/json", "Idempotency-Key": item["key"]},
    ):
        try:
            view: Any = current_app.view_functions[rule.endpoint]
            resp = current_app.make_response(view(**args))
        except HwtraceError as err:
            return err.status, err.to_dict(), False
        except HTTPException as err:
            code, zh, en = HTTP_ERRORS.get(
                err.code or 400, ("request.invalid", "请求无效", "bad request")
            )
            return err.code or 400, _problem(err.code or 400, code, zh, en), False
        except Exception:
            log.exception("sync item %s failed", item["key"])
            return 500, _problem(500, "internal", "服务器内部错误", "internal error"), False
        data = json.loads(resp.get_data() or b"null")
        return resp.status_code, data, resp.headers.get("Idempotent-Replayed") == "true"


def _not_attempted(item: dict[str, Any]) -> dict[str, Any]:
    return {"key": item["key"], "status": 0, "body": None, "replayed": False}


def _problem(status: int, code: str, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "status": status, "message": zh, "message_en": en}
