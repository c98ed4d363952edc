"""The park's notices (园区通知): the park administration publishes a notice with attachments
(ledger entry ``notice.publish`` with the SHA-256 of the text and of each file); the enterprises
it is addressed to see it in their to-do list until one of their users acknowledges it (ledger
entry ``notice.acknowledge``); the park sees who has acknowledged. ``unacknowledged`` is the
to-do query other lists include. The rules are in ``domain/notices.py``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain.access import Actor, EnterpriseKind, Role, require_role
from hwtrace.domain.errors import NotFound
from hwtrace.domain.notices import Attachment, addressed_to, check_notice
from hwtrace.services import parties
from hwtrace.services.context import Context
from hwtrace.store.notices import Notice, NoticeAck, NoticeAttachment
from hwtrace.store.tables import Enterprise


def notice_subject(notice_id: int) -> str:
    """Return the ledger subject of a notice."""
    return f"notice-{notice_id}"


@dataclass
class Reader:
    """One enterprise a notice is addressed to, and its acknowledgement if it has made one."""

    enterprise_id: int
    name: str
    kind: str
    ack: NoticeAck | None


@dataclass
class NoticeView:
    """A notice with its attachments; for an enterprise, its own acknowledgement; for the
    park, every enterprise addressed (``readers``), acknowledged or not."""

    notice: Notice
    attachments: list[NoticeAttachment]
    ack: NoticeAck | None = None
    readers: list[Reader] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return sum(1 for r in self.readers if r.ack is not None)


def publish(
    ctx: Context,
    *,
    actor: Actor,
    title: str,
    body: str,
    audience: str = "",
    files: list[Attachment] | None = None,
) -> Notice:
    """The park administrator publishes a notice with its attachments."""
    require_role(actor, Role.PARK_ADMIN)
    files = list(files or [])
    check_notice(title, body, audience, files)
    body_sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
    with ctx.uow() as uow:
        s = uow.session
        n = Notice(
            park_id=actor.park_id,
            title=title.strip(),
            body=body,
            audience=audience,
            body_sha256=body_sha,
            published_by=actor.username,
            published_at=ctx.now(),
            seq=-1,
        )
        s.add(n)
        s.flush()
        metas = []
        for f in files:
            a = NoticeAttachment(
                notice_id=n.id,
                name=f.name.strip()[:200] or "attachment",
                mimetype=f.mimetype,
                size=len(f.data),
                sha256=hashlib.sha256(f.data).hexdigest(),
                data=f.data,
            )
            s.add(a)
            metas.append({"name": a.name, "type": a.mimetype, "bytes": a.size, "sha256": a.sha256})
        n.seq = parties.record(
            uow,
            actor,
            "notice.publish",
            notice_subject(n.id),
            {
                "title": n.title,
                "audience": audience,
                "body_sha256": body_sha,
                "attachments": metas,
            },
        )
        uow.commit()
        return n


def _visible(actor: Actor, n: Notice) -> bool:
    if n.park_id != actor.park_id:
        return False
    return actor.sees_whole_park or addressed_to(n.audience, actor.enterprise_kind.value)


def _get(s: Session, actor: Actor, notice_id: int) -> Notice:
    n = s.get(Notice, notice_id)
    if n is None or not _visible(actor, n):
        raise NotFound(zh="通知不存在", en="no such notice", detail={"notice_id": notice_id})
    return n


def _attachments(s: Session, ids: list[int]) -> dict[int, list[NoticeAttachment]]:
    out: dict[int, list[NoticeAttachment]] = {i: [] for i in ids}
    if ids:
        for a in s.scalars(
            sa.select(NoticeAttachment)
            .where(NoticeAttachment.notice_id.in_(ids))
            .order_by(NoticeAttachment.id)
        ):
            out[a.notice_id].append(a)
    return out


def _readers(s: Session, park_id: int, notices: list[Notice]) -> dict[int, list[Reader]]:
    ents = list(
        s.scalars(
            sa.select(Enterprise)
            .where(Enterprise.park_id == park_id, Enterprise.kind != EnterpriseKind.PARK.value)
            .order_by(Enterprise.id)
        )
    )
    acks: dict[tuple[int, int], NoticeAck] = {}
    ids = [n.id for n in notices]
    if ids:
        for a in s.scalars(sa.select(NoticeAck).where(NoticeAck.notice_id.in_(ids))):
            acks[(a.notice_id, a.enterprise_id)] = a
    return {
        n.id: [
            Reader(e.id, e.name, e.kind, acks.get((n.id, e.id)))
            for e in ents
            if addressed_to(n.audience, e.kind)
        ]
        for n in notices
    }


def list_notices(ctx: Context, *, actor: Actor) -> list[NoticeView]:
    """The notices the caller sees, newest first: the park's all, an enterprise's those
    addressed to it (with its acknowledgement)."""
    with ctx.db.read_session() as s:
        rows = [
            n
            for n in s.scalars(
                sa.select(Notice)
                .where(Notice.park_id == actor.park_id)
                .order_by(Notice.published_at.desc(), Notice.id.desc())
            )
            if _visible(actor, n)
        ]
        files = _attachments(s, [n.id for n in rows])
        if actor.sees_whole_park:
            readers = _readers(s, actor.park_id, rows)
            return [NoticeView(n, files[n.id], None, readers[n.id]) for n in rows]
        acks = {
            a.notice_id: a
            for a in s.scalars(
                sa.select(NoticeAck).where(NoticeAck.enterprise_id == actor.enterprise_id)
            )
        }
        return [NoticeView(n, files[n.id], acks.get(n.id)) for n in rows]


def notice(ctx: Context, *, actor: Actor, notice_id: int) -> NoticeView:
    """One notice as the caller sees it (the park: with every enterprise addressed)."""
    with ctx.db.read_session() as s:
        n = _get(s, actor, notice_id)
        files = _attachments(s, [n.id])[n.id]
        if actor.sees_whole_park:
            return NoticeView(n, files, None, _readers(s, actor.park_id, [n])[n.id])
        ack = s.get(NoticeAck, (n.id, actor.enterprise_id))
        return NoticeView(n, files, ack)


def unacknowledged(ctx: Context, *, actor: Actor) -> list[Notice]:
    """The notices addressed to the caller's enterprise that no one of it has acknowledged
    yet, oldest first (a to-do list's items). Park roles acknowledge nothing: empty."""
    if actor.sees_whole_park:
        return []
    with ctx.db.read_session() as s:
        acked = sa.select(NoticeAck.notice_id).where(NoticeAck.enterprise_id == actor.enterprise_id)
        return [
            n
            for n in s.scalars(
                sa.select(Notice)
                .where(Notice.park_id == actor.park_id, Notice.id.not_in(acked))
                .order_by(Notice.published_at, Notice.id)
            )
            if _visible(actor, n)
        ]


def acknowledge(ctx: Context, *, actor: Actor, notice_id: int) -> NoticeAck:
    """A user of an enterprise the notice is addressed to acknowledges it for the enterprise.
    Acknowledging again changes nothing and records nothing."""
    with ctx.uow() as uow:
        s = uow.session
        n = _get(s, actor, notice_id)
        # two users of one enterprise at once: the second waits here, then finds the first's
        s.execute(sa.select(Notice.id).where(Notice.id == n.id).with_for_update())
        if actor.sees_whole_park:
            raise NotFound(zh="通知不存在", en="no such notice", detail={"notice_id": notice_id})
        ack = s.get(NoticeAck, (n.id, actor.enterprise_id))
        if ack is not None:
            return ack
        now = ctx.now()
        seq = parties.record(
            uow,
            actor,
            "notice.acknowledge",
            notice_subject(n.id),
            {"notice": n.id, "title": n.title, "publish_seq": n.seq},
        )
        ack = NoticeAck(
            notice_id=n.id,
            enterprise_id=actor.enterprise_id,
            username=actor.username,
            at=now,
            seq=seq,
        )
        s.add(ack)
        uow.commit()
        return ack


def attachment(
    ctx: Context, *, actor: Actor, notice_id: int, attachment_id: int
) -> tuple[str, str, bytes]:
    """An attachment's name, type and bytes, for whoever sees its notice."""
    with ctx.db.read_session() as s:
        n = _get(s, actor, notice_id)
        a = s.get(NoticeAttachment, attachment_id)
        if a is None or a.notice_id != n.id:
            raise NotFound(
                zh="附件不存在", en="no such attachment", detail={"attachment_id": attachment_id}
            )
        return a.name, a.mimetype, bytes(a.data)
