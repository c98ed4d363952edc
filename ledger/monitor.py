"""A monitor: follows logs from their C2SP tlog-tiles alone (no database, no API token).

For each log (a URL prefix and the log's verifier key) it keeps, in a state file, the size and
root of the last checkpoint it verified and the right frontier of that tree (the roots of its
perfect subtrees, one per set bit of the size). On each poll it fetches the checkpoint, checks
the log's signature, and:

- a smaller size than before is a rollback; the same size with another root is a fork;
- a larger size: it fetches the level-0 tiles and entry bundles of the new entries only, checks
  each entry hashes to its leaf hash, pushes the leaves onto the frontier and compares the
  resulting root with the checkpoint's. A log that changed anything it had published before
  cannot reach the new root from the old frontier: that is the consistency check, done with
  data the monitor verified itself.

Any of these is an alarm; the log's state is then left where it was (the last good checkpoint
stays the reference) and the offending checkpoint is kept in the alarm as evidence.
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import merkle
from ledger.checkpoint import Checkpoint, Verifier, parse_checkpoint
from ledger.errors import BadSignatureError
from ledger.tiles import WIDTH, decode_bundle, tile_path

HASH = 32


@dataclass
class Alarm:
    """Something a log did that it must not do (or a log that cannot be checked)."""

    url: str
    kind: str  # "rollback", "fork", "inconsistent", "bad-signature", "bad-tiles", "unreachable"
    message: str
    evidence: str | None = None

    def __str__(self) -> str:
        return f"ALARM {self.kind}: {self.url}: {self.message}"


@dataclass
class LogState:
    """What the monitor verified of one log."""

    origin: str
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    frontier: list[bytes] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": self.root.hex(),
            "frontier": [h.hex() for h in self.frontier],
            "note": self.note,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LogState:
        return cls(
            origin=doc["origin"],
            size=int(doc["size"]),
            root=bytes.fromhex(doc["root"]),
            frontier=[bytes.fromhex(h) for h in doc["frontier"]],
            note=doc.get("note", ""),
        )


def fetch(url: str, timeout: float = 10.0) -> bytes:
    """GET ``url``; raise OSError if it fails."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return bytes(resp.read())


class Monitor:
    """Follows several logs; ``poll()`` checks each once and returns the alarms."""

    def __init__(self, logs: list[tuple[str, Verifier]], state_file: Path) -> None:
        self.logs = [(url.rstrip("/"), v) for url, v in logs]
        self.state_file = state_file
        self.states: dict[str, LogState] = {}
        if state_file.exists():
            doc = json.loads(state_file.read_text("utf-8"))
            self.states = {u: LogState.from_json(s) for u, s in doc.items()}

    def _save(self) -> None:
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(
            json.dumps({u: s.to_json() for u, s in self.states.items()}, indent=1), "utf-8"
        )
        os.replace(tmp, self.state_file)

    def poll(self) -> list[Alarm]:
        """Check every log once; save what verified; return the alarms."""
        alarms = []
        for url, verifier in self.logs:
            alarm = self._poll_one(url, verifier)
            if alarm is not None:
                alarms.append(alarm)
        self._save()
        return alarms

    def _poll_one(self, url: str, verifier: Verifier) -> Alarm | None:
        try:
            note = fetch(url + "/checkpoint").decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            return Alarm(url, "unreachable", f"cannot read the checkpoint: {err}")
        try:
            cp = parse_checkpoint(note, verifier)
        except BadSignatureError as err:
            return Alarm(url, "bad-signature", f"checkpoint not signed by {verifier.name}: {err}")
        state = self.states.get(url) or LogState(origin=cp.origin)
        if cp.origin != state.origin:
            return Alarm(url, "fork", f"origin {cp.origin!r}, was {state.origin!r}", note)
        if cp.size < state.size:
            return Alarm(
                url,
                "rollback",
                f"checkpoint of size {cp.size} after one of size {state.size} (root "
                f"{state.root.hex()}): the log was shortened",
                note,
            )
        if cp.size == state.size:
            if cp.root != state.root:
                return Alarm(
                    url,
                    "fork",
                    f"two roots for size {cp.size}: {state.root.hex()} before, {cp.root.hex()} now",
                    note,
                )
            return None
        return self._extend(url, state, cp)

    def _leaves(self, url: str, lo: int, hi: int) -> list[bytes]:
        """Fetch the leaf hashes lo..hi-1 from level-0 tiles of a tree of ``hi`` leaves and
        check them against the entry bundles; raise ValueError on any mismatch."""
        out: list[bytes] = []
        for n in range(lo // WIDTH, (hi + WIDTH - 1) // WIDTH):
            width = min(WIDTH, hi - n * WIDTH)
            tile = fetch(f"{url}/{tile_path(0, n, width)}")
            bundle = decode_bundle(fetch(f"{url}/{tile_path('entries', n, width)}"))
            if len(tile) != width * HASH or len(bundle) != width:
                raise ValueError(f"tile 0/{n} or its entry bundle has the wrong width")
            hashes = [tile[i : i + HASH] for i in range(0, len(tile), HASH)]
            if merkle.leaf_hashes(bundle) != hashes:
                raise ValueError(f"entry bundle {n} does not hash to tile 0/{n}")
            start = max(lo, n * WIDTH) - n * WIDTH
            out += hashes[start:]
        return out

    def _extend(self, url: str, state: LogState, cp: Checkpoint) -> Alarm | None:
        try:
            leaves = self._leaves(url, state.size, cp.size)
        except (OSError, ValueError) as err:
            return Alarm(url, "bad-tiles", f"tiles for size {cp.size}: {err}", cp.note)
        frontier = list(state.frontier)
        size = state.size
        for leaf in leaves:
            merkle.frontier_push(frontier, size, leaf)
            size += 1
        root = merkle.frontier_root(frontier)
        if root != cp.root:
            return Alarm(
                url,
                "inconsistent",
                f"checkpoint of size {cp.size} (root {cp.root.hex()}) does not extend the "
                f"checkpoint of size {state.size} (root {state.root.hex()}) verified before",
                cp.note,
            )
        self.states[url] = LogState(cp.origin, cp.size, cp.root, frontier, cp.note)
        return None
