"""Who is told what, and how (通知): the events that notify, webhook signatures, the retry
schedule, and the group-robot messages of WeCom (企业微信) and DingTalk (钉钉).

A notification is queued in the database in the same transaction as the event that causes it
(an outbox) and delivered at least once by ``hwtrace notify``; every delivery carries a unique
id (``X-Hwtrace-Delivery``) for the receiver to drop duplicates.

Webhook requests: ``POST <url>`` with the event as JSON and the headers ``X-Hwtrace-Event``,
``X-Hwtrace-Delivery`` and ``X-Hwtrace-Signature: sha256=<hex HMAC-SHA256 of the body with the
webhook's secret>`` (the GitHub convention). A 2xx answer is delivered; anything else, or no
answer within ``TIMEOUT_SECONDS``, is retried after ``backoff``; a webhook that fails
``DISABLE_AFTER`` deliveries in a row is disabled until its administrator enables it again.

Robot messages follow the vendors' public documents: WeCom group robot
(developer.work.weixin.qq.com/document/path/91770) ``{"msgtype": "text", "text": {"content":
...}}`` to its webhook URL; DingTalk custom robot (open.dingtalk.com, "自定义机器人发送群消息")
the same body, and with a signing secret the URL gets ``timestamp`` (milliseconds) and
``sign = base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>"))``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any
from urllib.parse import quote_plus, urlsplit


class Event(StrEnum):
    """What notifies."""

    ALARM_RAISED = "alarm.raised"
    ALARM_CLEARED = "alarm.cleared"
    CASE_OPENED = "case.opened"
    CASE_ASSIGNED = "case.assigned"
    CASE_HANDLED = "case.handled"
    CASE_SENT_BACK = "case.sent_back"
    CASE_CLOSED = "case.closed"
    CASE_ESCALATED = "case.escalated"
    # 第十八条第二款: the receiver found a batch not as its manifest declares; the 移出人 is told
    RECEIPT_MISMATCH = "receipt.mismatch"


EVENT_ZH = {
    Event.ALARM_RAISED: "库房报警",
    Event.ALARM_CLEARED: "库房报警解除",
    Event.CASE_OPENED: "案件立案",
    Event.CASE_ASSIGNED: "案件派发",
    Event.CASE_HANDLED: "案件已处置",
    Event.CASE_SENT_BACK: "案件退回",
    Event.CASE_CLOSED: "案件办结",
    Event.CASE_ESCALATED: "案件督办",
    Event.RECEIPT_MISMATCH: "接收核对不符",
}


class Channel(StrEnum):
    """How a notification travels."""

    WEBHOOK = "webhook"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    """Where a queued delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: MAX_ATTEMPTS reached, or its webhook was disabled


MAX_ATTEMPTS = 10
DISABLE_AFTER = 5
TIMEOUT_SECONDS = 10
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait before the next try after ``attempts`` failed ones: 10 s, 20 s, 40 s, ...
    at most an hour."""
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def signature(body: bytes, secret: str) -> str:
    """Return the ``X-Hwtrace-Signature`` header value of a webhook body."""
    mac = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(body: bytes, secret: str, header: str) -> bool:
    """Return whether a received ``X-Hwtrace-Signature`` matches (constant time)."""
    return hmac.compare_digest(signature(body, secret), header)


def body_bytes(doc: dict[str, Any]) -> bytes:
    """Return the JSON bytes sent (and signed): UTF-8, keys sorted, no spaces."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def check_url(url: str) -> str:
    """Return a webhook URL if it is http(s) with a host; raise ``ValueError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http:// or https:// URL is required")
    return url


def text_of(event: Event, data: dict[str, Any]) -> str:
    """Return a notification as one line of text (robots and e-mail subjects)."""
    title = str(data.get("title") or data.get("message") or "")
    return f"【hwtrace】{EVENT_ZH[event]}：{title}".strip("：")


def robot_message(event: Event, data: dict[str, Any]) -> dict[str, Any]:
    """Return the WeCom / DingTalk group-robot body (a text message)."""
    return {"msgtype": "text", "text": {"content": text_of(event, data)}}


def dingtalk_url(url: str, secret: str, now: dt.datetime) -> str:
    """Return a DingTalk robot URL signed with ``secret`` (the URL itself when no secret)."""
    if not secret:
        return url
    ts = str(int(now.timestamp() * 1000))
    mac = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(mac).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
