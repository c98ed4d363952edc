"""The ledger as the park sees it: checkpoints, scoped entries, inclusion and consistency
proofs, and full verification."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

import ledger
from hwtrace.domain.access import Actor, EnterpriseKind
from hwtrace.domain.errors import BadValue, NotFound
from hwtrace.services.context import Context
from hwtrace.services.parties import visible_subjects
from hwtrace.store.tables import Batch, Enterprise

E = ledger.schema.ledger_entry


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint note and what it commits to."""

    note: str
    size: int
    root: bytes


def parse_note(ctx: Context, note: str) -> SignedCheckpoint:
    """Return what a checkpoint note signed by the park's key commits to.

    :raises ledger.BadSignatureError: not signed by the park's key.
    """
    cp = ledger.parse_checkpoint(note, ctx.signer.verifier())
    return SignedCheckpoint(note=note, size=cp.size, root=cp.root)


_parse = parse_note


def current_checkpoint(ctx: Context) -> SignedCheckpoint:
    """Return a signed checkpoint of the whole log, signing a new one if the last is stale."""
    log = ctx.log
    with ctx.db.read_session() as s:
        size = log.size(s.connection())
        note = log.latest_checkpoint(s.connection())
    if note is not None:
        cp = _parse(ctx, note)
        if cp.size == size:
            return cp
    return sign_checkpoint(ctx)


def sign_checkpoint(ctx: Context) -> SignedCheckpoint:
    """Sign and store a checkpoint of the log as it is now."""
    with ctx.uow() as uow:
        note = uow.log.sign_checkpoint(uow.session.connection(), ctx.signer)
        uow.commit()
    return _parse(ctx, note)


def visible_entries(actor: Actor, park_code: str) -> sa.ColumnElement[bool]:
    """Return the SQL condition for the ledger entries ``actor`` may see in the park's log."""
    cond = E.c.log_id == park_code
    if actor.sees_whole_park:
        return cond
    e = actor.enterprise_id
    visible_codes = sa.select(Batch.code).where(
        Batch.park_id == actor.park_id,
        sa.or_(Batch.producer_id == e, Batch.transporter_id == e, Batch.receiver_id == e),
    )
    own_uscc = sa.select(Enterprise.uscc).where(Enterprise.id == e).scalar_subquery()
    return sa.and_(
        cond,
        sa.or_(
            E.c.subject.in_(visible_codes),
            E.c.subject.in_(visible_subjects(actor)),
            E.c.enterprise == own_uscc,
        ),
    )


def entry_dict(body: bytes) -> dict[str, Any]:
    """Return an entry's fields from its canonical bytes, with the bytes and the leaf hash."""
    fields: dict[str, Any] = json.loads(body)
    fields["leaf"] = base64.b64encode(body).decode("ascii")
    fields["leaf_hash"] = ledger.merkle.leaf_hash(body).hex()
    return fields


def list_entries(
    ctx: Context,
    *,
    actor: Actor,
    start: int = 0,
    limit: int = 100,
    entry_type: str | None = None,
    subject: str | None = None,
) -> list[dict[str, Any]]:
    """Return the entries the caller may see, from sequence number ``start`` upwards."""
    cond = [visible_entries(actor, ctx.settings.park_code), E.c.seq >= start]
    if entry_type:
        cond.append(E.c.entry_type == entry_type)
    if subject:
        cond.append(E.c.subject == subject)
    with ctx.db.read_session() as s:
        rows = s.execute(sa.select(E.c.body).where(*cond).order_by(E.c.seq).limit(limit)).all()
    return [entry_dict(bytes(r.body)) for r in rows]


def list_entries_desc(
    ctx: Context, *, actor: Actor, before: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Return the newest entries the caller may see (below sequence number ``before``)."""
    q = sa.select(E.c.body).where(E.c.log_id == ctx.settings.park_code)
    if not actor.sees_whole_park:
        # Walk the log backwards and keep the caller's entries: its batches (by the one party
        # column its kind fills, a unique-index probe per entry), its own acts, and the
        # bookings/manifests it is party to.
        col = {
            EnterpriseKind.PRODUCER: Batch.producer_id,
            EnterpriseKind.TRANSPORTER: Batch.transporter_id,
            EnterpriseKind.RECEIVER: Batch.receiver_id,
        }.get(actor.enterprise_kind)
        own_uscc = sa.select(Enterprise.uscc).where(Enterprise.id == actor.enterprise_id)
        mine = [
            E.c.enterprise == own_uscc.scalar_subquery(),
            E.c.subject.in_(visible_subjects(actor)),
        ]
        if col is not None:
            mine.append(col == actor.enterprise_id)
        q = q.select_from(E.outerjoin(Batch, Batch.code == E.c.subject)).where(sa.or_(*mine))
    if before is not None:
        q = q.where(E.c.seq < before)
    with ctx.db.read_session() as s:
        rows = s.execute(q.order_by(E.c.seq.desc()).limit(limit)).all()
    return [entry_dict(bytes(r.body)) for r in rows]


def proofs_for(ctx: Context, *, actor: Actor, subject: str) -> list[dict[str, Any]]:
    """Return every entry about ``subject`` the caller may see, each with its inclusion proof
    against the latest signed checkpoint (entries after it have no proof yet)."""
    cp = current_checkpoint(ctx)
    cond = [
        visible_entries(actor, ctx.settings.park_code),
        E.c.subject == subject.strip().upper() if len(subject) >= 30 else E.c.subject == subject,
    ]
    out = []
    with ctx.db.read_session() as s:
        conn = s.connection()
        for r in s.execute(sa.select(E.c.seq, E.c.body).where(*cond).order_by(E.c.seq).limit(500)):
            d = entry_dict(bytes(r.body))
            d["proof"] = (
                [h.hex() for h in ctx.log.inclusion_proof(conn, r.seq, cp.size)]
                if r.seq < cp.size
                else None
            )
            out.append(d)
    return out


def get_entry(ctx: Context, *, actor: Actor, seq: int) -> dict[str, Any]:
    """Return one entry the caller may see."""
    with ctx.db.read_session() as s:
        body = s.scalar(
            sa.select(E.c.body).where(
                visible_entries(actor, ctx.settings.park_code), E.c.seq == seq
            )
        )
    if body is None:
        raise NotFound(zh="台账记录不存在", en="no such ledger entry", detail={"seq": seq})
    return entry_dict(bytes(body))


def inclusion(ctx: Context, *, actor: Actor, seq: int) -> dict[str, Any]:
    """Return an entry, the signed checkpoint, and the entry's audit path against it."""
    entry = get_entry(ctx, actor=actor, seq=seq)
    cp = current_checkpoint(ctx)
    with ctx.db.read_session() as s:
        proof = ctx.log.inclusion_proof(s.connection(), seq, cp.size)
    return {
        "checkpoint": cp.note,
        "vkey": ctx.signer.vkey,
        "tree_size": cp.size,
        "root_hash": cp.root.hex(),
        "entry": entry,
        "index": seq,
        "proof": [h.hex() for h in proof],
    }


def consistency(ctx: Context, *, old_size: int, new_size: int | None) -> dict[str, Any]:
    """Return a consistency proof between two tree sizes (new = latest checkpoint)."""
    cp = current_checkpoint(ctx)
    new = cp.size if new_size is None else new_size
    if not 0 < old_size <= new <= cp.size:
        raise BadValue(
            zh="树大小须满足 0 < old ≤ new ≤ 最新检查点",
            en="need 0 < old_size <= new_size <= checkpoint size",
            detail={"checkpoint_size": cp.size},
        )
    with ctx.db.read_session() as s:
        conn = s.connection()
        proof = ctx.log.consistency_proof(conn, old_size, new)
        old_root = ctx.log.root(conn, old_size)
        new_root = ctx.log.root(conn, new)
    return {
        "checkpoint": cp.note,
        "vkey": ctx.signer.vkey,
        "old_size": old_size,
        "old_root": old_root.hex(),
        "new_size": new,
        "new_root": new_root.hex(),
        "proof": [h.hex() for h in proof],
    }


def prove_subject(ctx: Context, *, subject: str) -> dict[str, Any]:
    """Return the signed checkpoint and every entry about ``subject`` with its audit path
    (the envelope of ``hwtrace ledger prove``)."""
    cp = current_checkpoint(ctx)
    with ctx.db.read_session() as s:
        conn = s.connection()
        rows = s.execute(
            sa.select(E.c.seq, E.c.body)
            .where(E.c.log_id == ctx.settings.park_code, E.c.subject == subject, E.c.seq < cp.size)
            .order_by(E.c.seq)
        ).all()
        entries = [
            {
                "index": r.seq,
                "leaf": base64.b64encode(bytes(r.body)).decode("ascii"),
                "proof": [h.hex() for h in ctx.log.inclusion_proof(conn, r.seq, cp.size)],
            }
            for r in rows
        ]
    return {"checkpoint": cp.note, "vkey": ctx.signer.vkey, "entries": entries}


def verify(ctx: Context, progress: Callable[[int, int], None] | None = None) -> Any:
    """Recompute the whole log from its rows and check every signed checkpoint
    (``progress(done, total)`` after each chunk of entries)."""
    with ctx.db.read_session() as s:
        return ctx.log.verify(s.connection(), ctx.signer.verifier(), progress)


@dataclass(frozen=True)
class AgainstCheck:
    """The log checked against one checkpoint held elsewhere."""

    source: str  # where the checkpoint came from (a file, a URL, a witness, a kept cosignature)
    size: int | None
    problem: str | None  # None: the log has that tree; else what is wrong, in English
    kind: str = "ok"  # "ok", "shorter", "inconsistent", "bad-checkpoint", "unreachable"


def check_head(ctx: Context, source: str, size: int, root: bytes) -> AgainstCheck:
    """Check that the log holds the tree of ``size`` entries with hash ``root``."""
    with ctx.db.read_session() as s:
        conn = s.connection()
        have = ctx.log.size(conn)
        if size > have:
            return AgainstCheck(
                source,
                size,
                f"the log has {have} entries, but the checkpoint from {source} covers {size}: "
                f"entries {have}..{size - 1} were removed",
                "shorter",
            )
        got = ctx.log.root(conn, size)
    if got != root:
        return AgainstCheck(
            source,
            size,
            f"at tree size {size} the log's root is {got.hex()}, the checkpoint from {source} "
            f"says {root.hex()}: the first {size} entries were changed",
            "inconsistent",
        )
    return AgainstCheck(source, size, None)


def check_against(ctx: Context, source: str, note: str) -> AgainstCheck:
    """Check the log against a checkpoint note held elsewhere (signed by the park's key)."""
    try:
        cp = ledger.parse_checkpoint(note, ctx.signer.verifier())
    except ledger.BadSignatureError as err:
        return AgainstCheck(
            source, None, f"not a checkpoint signed by this park's key: {err}", "bad-checkpoint"
        )
    if cp.origin != ctx.settings.ledger_origin:
        return AgainstCheck(
            source, cp.size, f"a checkpoint of another log ({cp.origin})", "bad-checkpoint"
        )
    return check_head(ctx, source, cp.size, cp.root)


def check_known(ctx: Context) -> list[AgainstCheck]:
    """Check the log against every cosigned checkpoint it knows: the cosignatures it kept, and
    the last checkpoint each configured witness cosigned (asked now; one that cannot be
    reached is reported, not failed)."""
    from ledger.witness import fetch_latest

    out = []
    with ctx.db.read_session() as s:
        heads = ctx.log.cosigned_heads(s.connection())
    for size, root, witness in heads:
        out.append(check_head(ctx, f"the kept cosignature of {witness}", size, root))
    for item in ctx.settings.witnesses:
        _vkey, _, url = item.strip().partition(" ")
        source = f"witness {url.strip()}"
        try:
            note = fetch_latest(url.strip(), ctx.settings.ledger_origin)
        except OSError as err:
            out.append(AgainstCheck(source, None, f"cannot be asked: {err}", "unreachable"))
            continue
        out.append(check_against(ctx, source, note))
    return out
