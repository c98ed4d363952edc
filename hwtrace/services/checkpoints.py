"""Checkpoints without asking: the log signs every N entries or T seconds, sends each new
checkpoint to its witnesses (C2SP tlog-witness) and keeps their cosignatures, and publishes
the log as C2SP tlog-tiles into a directory a static web server serves.

All of it runs in one background thread per server process (``Checkpointer``), started by the
WSGI entry point, never inside a request: a witness that is slow or down delays no write, and
is asked again on the next round. A unit of work that commits wakes the thread (cheap: an
``Event``), so "every N entries" does not wait for the next tick. Concurrent workers sign once:
the decision is taken with the log's head locked (``ledger.Log.checkpoint_if_due``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from hwtrace.services.audit import SignedCheckpoint, parse_note
from hwtrace.services.context import Context
from ledger import witness as wp
from ledger.cosignature import CosignerKey, add_signatures
from ledger.tiles import export

log = logging.getLogger("hwtrace.checkpoints")


@dataclass(frozen=True)
class WitnessConfig:
    """One witness the log asks: its verifier key and its submission URL."""

    key: CosignerKey
    url: str


def witnesses(ctx: Context) -> list[WitnessConfig]:
    """Return the configured witnesses (``LEDGER_WITNESSES``: "<vkey> <url>" each)."""
    out = []
    for item in ctx.settings.witnesses:
        vkey, _, url = item.strip().partition(" ")
        out.append(WitnessConfig(CosignerKey.from_vkey(vkey), url.strip()))
    return out


def auto_checkpoint(ctx: Context) -> SignedCheckpoint | None:
    """Sign a checkpoint if one is due (N entries or T seconds); return it, or None."""
    with ctx.uow() as uow:
        note = uow.log.checkpoint_if_due(
            uow.session.connection(),
            ctx.signer,
            every=ctx.settings.checkpoint_entries,
            seconds=ctx.settings.checkpoint_seconds,
        )
        uow.commit()
    return None if note is None else parse_note(ctx, note)


def latest(ctx: Context) -> SignedCheckpoint | None:
    """Return the newest stored checkpoint, or None."""
    with ctx.db.read_session() as s:
        note = ctx.log.latest_checkpoint(s.connection())
    return None if note is None else parse_note(ctx, note)


@dataclass
class WitnessOutcome:
    """What one round with one witness gave."""

    witness: str
    status: str  # "cosigned", "had", "down", "refused", "ahead", "fork", "error"
    message: str = ""
    size: int | None = None  # the size the witness has cosigned, when it said


def _store(ctx: Context, cp: SignedCheckpoint, w: WitnessConfig, answer: bytes) -> bool:
    body = cp.note.partition("\n\n")[0] + "\n"
    good = [
        ln for ln in answer.decode("utf-8").splitlines() if w.key.timestamp_of(body, ln) is not None
    ]
    if not good:
        return False
    with ctx.uow() as uow:
        uow.log.add_cosignature(uow.session.connection(), cp.size, cp.root, w.key.name, good[0])
        uow.commit()
    return True


def ask_witness(
    ctx: Context, cp: SignedCheckpoint, w: WitnessConfig, old: int = 0, timeout: float = 5.0
) -> WitnessOutcome:
    """Send ``cp`` to witness ``w`` with a consistency proof from ``old`` (the size it last
    cosigned, if known; a 409 answer tells it and the request is made again from there)."""
    name = w.key.name
    for _ in range(3):
        if old > cp.size:
            return WitnessOutcome(
                name,
                "ahead",
                f"the witness cosigned size {old}, beyond this log's checkpoint of size "
                f"{cp.size}: the log was shortened or replaced",
                old,
            )
        proof: list[bytes] = []
        if 0 < old < cp.size:
            with ctx.db.read_session() as s:
                proof = ctx.log.consistency_proof(s.connection(), old, cp.size)
        try:
            answer = wp.post(w.url, wp.request_body(old, proof, cp.note), timeout=timeout)
        except OSError as err:
            return WitnessOutcome(name, "down", str(err))
        if answer.status == 200:
            if not _store(ctx, cp, w, answer.body):
                return WitnessOutcome(name, "error", "no valid cosignature in the answer")
            return WitnessOutcome(name, "cosigned", size=cp.size)
        text = answer.body.decode("utf-8", "replace").strip()
        if answer.status == 409 and answer.content_type == wp.SIZE_TYPE and text.isdigit():
            if int(text) == old:  # same size, another root
                return WitnessOutcome(
                    name, "fork", f"the witness cosigned another root at size {old}", old
                )
            old = int(text)
            continue
        if answer.status == 422:
            return WitnessOutcome(
                name,
                "refused",
                f"the witness refuses the checkpoint of size {cp.size}: {text} (the log's "
                f"history differs from what it cosigned at size {old})",
                old,
            )
        return WitnessOutcome(name, "error", f"HTTP {answer.status}: {text}")
    return WitnessOutcome(name, "error", "the witness kept changing its size")


def cosigned_note(ctx: Context, cp: SignedCheckpoint) -> str:
    """Return ``cp``'s note with the witnesses' cosignature lines kept for it."""
    with ctx.db.read_session() as s:
        lines = ctx.log.cosignatures(s.connection(), cp.size)
    return add_signatures(cp.note, lines)


def cosign_now(ctx: Context, cp: SignedCheckpoint, timeout: float = 5.0) -> str:
    """Ask every configured witness that has not cosigned ``cp`` yet, now; return ``cp``'s
    note with all the cosignatures kept for it (a witness that refuses or is down is logged
    and left out)."""
    with ctx.db.read_session() as s:
        have = {ln.split(" ")[1] for ln in ctx.log.cosignatures(s.connection(), cp.size)}
    for w in witnesses(ctx):
        if w.key.name not in have:
            out = ask_witness(ctx, cp, w, timeout=timeout)
            if out.status != "cosigned":
                log.warning("witness %s: %s: %s", out.witness, out.status, out.message)
    return cosigned_note(ctx, cp)


def publish_tiles(ctx: Context, directory: Path, cp: SignedCheckpoint | None = None) -> int:
    """Write the log's tiles up to the newest checkpoint (``cp``) and that checkpoint with its
    cosignatures into ``directory``; return the number of files written."""
    cp = cp or latest(ctx)
    if cp is None:
        return 0
    note = cosigned_note(ctx, cp)
    with ctx.db.read_session() as s:
        return export(s.connection(), ctx.log.log_id, note, cp.size, directory)


@dataclass
class _Follow:
    size: int = 0  # what the witness last cosigned, as far as this process knows
    done: tuple[int, bytes] | None = None  # the checkpoint (size, root) it cosigned for us
    retry_at: float = 0.0
    backoff: float = 1.0


@dataclass
class Checkpointer:
    """The background thread of one server process."""

    ctx: Context
    tick: float | None = None  # seconds between rounds; default min(T, 5)
    alarms: list[WitnessOutcome] = field(default_factory=list)
    _event: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _follow: dict[str, _Follow] = field(default_factory=dict)
    _published: tuple[int, bytes, int] | None = None  # what the tiles directory shows
    _signed: int = 0  # the size of the newest checkpoint, as of the last round

    def notify(self, seq: int | None = None) -> None:
        """A unit of work committed entries up to ``seq``: wake the thread when they make N
        unsigned entries (below that the tick is soon enough, and a writer never causes a
        locking round for nothing)."""
        if seq is None or seq + 1 - self._signed >= self.ctx.settings.checkpoint_entries:
            self._event.set()

    def start(self) -> Checkpointer:
        """Start the thread (once per process) and have commits wake it."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="hwtrace-checkpointer", daemon=True
            )
            self._thread.start()
            self.ctx.on_commit = self.notify
        return self

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._event.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.ctx.on_commit = None

    def _run(self) -> None:
        tick = self.tick or max(0.05, min(float(self.ctx.settings.checkpoint_seconds), 5.0))
        while not self._stop.is_set():
            try:
                self.round()
            except Exception:  # a bad round must not end the thread; the next one retries
                log.exception("checkpoint round failed")
            self._event.wait(tick)
            self._event.clear()

    def round(self) -> None:
        """One round: sign if due, ask the witnesses that lack the newest checkpoint, publish."""
        auto_checkpoint(self.ctx)
        cp = latest(self.ctx)
        if cp is None:
            return
        self._signed = cp.size
        now = time.monotonic()
        for w in witnesses(self.ctx):
            f = self._follow.setdefault(w.url, _Follow())
            if f.done == (cp.size, cp.root) or now < f.retry_at:
                continue
            out = ask_witness(self.ctx, cp, w, f.size)
            if out.status == "cosigned":
                f.size, f.done = cp.size, (cp.size, cp.root)
                f.backoff = 1.0
                continue
            if out.size is not None:
                f.size = out.size
            if out.status == "down":
                log.warning("witness %s is down (%s); retried later", out.witness, out.message)
            else:
                log.error("witness %s: %s: %s", out.witness, out.status, out.message)
                self.alarms.append(out)
            f.retry_at = now + f.backoff
            f.backoff = min(f.backoff * 2, 60.0)
        directory = self.ctx.settings.tiles_dir
        published = (
            cp.size,
            cp.root,
            sum(f.done == (cp.size, cp.root) for f in self._follow.values()),
        )
        if directory and self._published != published:
            publish_tiles(self.ctx, Path(directory), cp)
            self._published = published


def start_background(ctx: Context) -> Checkpointer | None:
    """Start the checkpointer of this process unless ``LEDGER_CHECKPOINTER`` is off."""
    if not ctx.settings.checkpointer:
        return None
    return Checkpointer(ctx).start()
