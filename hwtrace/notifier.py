"""``hwtrace notify``: the sender of the outbox (an entry point like ``wsgi.py``).

It takes the park's due deliveries from the database, claims each for a lease (a conditional
UPDATE: two senders never hold one delivery at once), sends it (webhook POST signed with
HMAC-SHA256, WeCom or DingTalk robot message, e-mail over SMTP) and only then records it as
delivered. Several notifiers may run for one park. Killed between sending and recording, the
sender's lease runs out (``--lease-seconds``) and a notifier sends that delivery again, under
the same ``X-Hwtrace-Delivery`` id (at least once; receivers drop duplicates by that id). A
failed try is retried with back-off (``domain/notifications.py``). No write transaction is
held while a receiver answers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import socket
import threading
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage
from urllib.parse import urlsplit

import click

from hwtrace.domain import notifications as N
from hwtrace.services import notifications as svc
from hwtrace.services.context import Context

log = logging.getLogger("hwtrace.notifier")
DEFAULT_LEASE_SECONDS = 120.0
MIN_LEASE_SECONDS = 15.0  # over a try's timeout (N.TIMEOUT_SECONDS, HTTP and SMTP alike)


class SendError(Exception):
    """A delivery that did not go through (retried later)."""


def _post(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=N.TIMEOUT_SECONDS) as resp:
            return bytes(resp.read(65536))
    except urllib.error.HTTPError as err:
        raise SendError(f"HTTP {err.code}") from None
    except (urllib.error.URLError, OSError) as err:
        raise SendError(str(getattr(err, "reason", err))[:300]) from None


class Notifier:
    """Sends the due deliveries of one park."""

    def __init__(
        self,
        ctx: Context,
        *,
        smtp_url: str | None,
        smtp_from: str,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.ctx = ctx
        self.name = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # A lease shorter than a try (the HTTP timeout, SMTP's 30 s) would let a second
        # sender take a delivery the first is still sending.
        self.lease = dt.timedelta(seconds=max(lease_seconds, MIN_LEASE_SECONDS))
        self.smtp_url = smtp_url
        self.smtp_from = smtp_from
        self.sent = 0
        self.failures = 0

    def send(self, job: svc.Job) -> None:
        """Send one delivery; raise ``SendError``."""
        event = N.Event(job.event)
        if job.channel == N.Channel.WEBHOOK:
            body = N.body_bytes(job.body)
            _post(
                job.url,
                body,
                {
                    "Content-Type": "application/json; charset=utf-8",
                    "User-Agent": "hwtrace-notify",
                    "X-Hwtrace-Event": job.event,
                    "X-Hwtrace-Delivery": job.delivery_id,
                    "X-Hwtrace-Signature": N.signature(body, job.secret),
                },
            )
        elif job.channel in (N.Channel.WECOM, N.Channel.DINGTALK):
            url = job.url
            if job.channel == N.Channel.DINGTALK:
                url = N.dingtalk_url(url, job.secret, dt.datetime.now(dt.UTC))
            answer = _post(
                url,
                N.body_bytes(N.robot_message(event, job.body.get("data", {}))),
                {"Content-Type": "application/json; charset=utf-8"},
            )
            try:
                code = json.loads(answer or b"{}").get("errcode", 0)
            except ValueError:
                code = 0
            if code:
                raise SendError(f"robot errcode {code}")
        elif job.channel == N.Channel.EMAIL:
            self._mail(job, event)
        else:
            raise SendError(f"unknown channel {job.channel}")

    def _mail(self, job: svc.Job, event: N.Event) -> None:
        if not self.smtp_url:
            raise SendError("HWTRACE_SMTP_URL is not set")
        parts = urlsplit(self.smtp_url)
        msg = EmailMessage()
        msg["From"] = self.smtp_from
        msg["To"] = job.recipient
        msg["Subject"] = N.text_of(event, job.body.get("data", {}))
        msg["X-Hwtrace-Event"] = job.event
        msg["X-Hwtrace-Delivery"] = job.delivery_id
        msg.set_content(
            N.text_of(event, job.body.get("data", {}))
            + "\n\n"
            + json.dumps(job.body, ensure_ascii=False, indent=2)
        )
        try:
            smtp_cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
            with smtp_cls(
                parts.hostname or "127.0.0.1", parts.port or 25, timeout=N.TIMEOUT_SECONDS
            ) as smtp:
                if parts.scheme == "smtp+starttls":
                    smtp.starttls()
                if parts.username:
                    smtp.login(parts.username, parts.password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as err:
            raise SendError(f"SMTP: {err}"[:300]) from None

    def run_once(self) -> int:
        """Send every due delivery once; return how many were due."""
        jobs = svc.due(self.ctx)
        for job in jobs:
            if not svc.claim(self.ctx, job.id, self.name, self.lease):
                continue  # another notifier has it
            try:
                self.send(job)
            except SendError as err:
                self.failures += 1
                log.warning("delivery %s (%s) failed: %s", job.delivery_id, job.channel, err)
                svc.failed(self.ctx, job.id, str(err))
                continue
            svc.delivered(self.ctx, job.id)
            self.sent += 1
        return len(jobs)

    def run(self, stop: threading.Event, idle_seconds: float = 1.0) -> None:
        """Send until ``stop`` is set, polling the outbox when there is nothing to send."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("the outbox could not be read")
                busy = 0
            if not busy:
                stop.wait(idle_seconds)


@click.command("notify")
@click.option(
    "--idle-seconds", default=1.0, show_default=True, help="How often an empty outbox is polled."
)
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option(
    "--lease-seconds",
    default=DEFAULT_LEASE_SECONDS,
    show_default=True,
    help=f"How long a claimed delivery is this sender's (at least {MIN_LEASE_SECONDS:.0f}); "
    "a killed sender's deliveries are taken over after it.",
)
def notify_command(idle_seconds: float, once: bool, lease_seconds: float) -> None:
    """Send queued notifications: webhooks, WeCom/DingTalk robots, e-mail (at least once)."""
    import signal

    from hwtrace.app import create_app

    app = create_app()
    ctx: Context = app.extensions["hwtrace"]
    notifier = Notifier(
        ctx,
        smtp_url=app.config.get("SMTP_URL"),
        smtp_from=str(app.config.get("SMTP_FROM")),
        lease_seconds=lease_seconds,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if once:
            notifier.run_once()
        else:
            notifier.run(stop, idle_seconds)
    finally:
        ctx.db.dispose()
