"""A transparency-log witness (C2SP tlog-witness): it cosigns a log's checkpoint only when it
is consistent with the last one it cosigned for that log, and remembers that one on disk.

``POST <prefix>/add-checkpoint`` takes ``old <size>\\n``, the RFC 6962 consistency proof from
that size (one base64 hash a line, at most 63), an empty line and the signed checkpoint. The
answers are the protocol's: 200 with the cosignature line(s); 400 a malformed request or an old
size above the checkpoint's; 403 no valid signature by a key the witness trusts for the origin;
404 an unknown origin; 409 (``text/x.tlog.size``: the size it last cosigned) when the old size
is not that size, or when the size is the same and the root differs (a fork); 422 a consistency
proof that does not verify (the request is kept as evidence). The check and the new state are
one atomic step (a lock, then the state file replaced with fsync before answering), so a
restarted witness never cosigns a rollback or a fork of what it cosigned before.

``GET <prefix>/checkpoint/<origin, URL-quoted>`` returns the last checkpoint the witness
cosigned for that log, with the log's signature and its cosignature: the tlog-witness draft
leaves retrieval open ("TBD Monitor Retrieval Mechanism"), and this is what
``hwtrace ledger verify --against`` and inspectors read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ledger import merkle
from ledger.checkpoint import Checkpoint, Verifier, parse_checkpoint, split_note
from ledger.cosignature import Cosigner
from ledger.errors import BadSignatureError

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode())


@dataclass(frozen=True)
class Recorded:
    """The last checkpoint a witness cosigned for one log."""

    origin: str
    size: int
    root: bytes
    note: str  # the checkpoint with the log's signature and this witness's cosignature


class WitnessState:
    """One JSON file per log in ``directory``; replaced atomically (temporary file, fsync,
    rename, fsync of the directory), so a killed witness keeps either the old or the new
    state, never a torn one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        (directory / "evidence").mkdir(exist_ok=True, mode=0o700)

    def _path(self, origin: str) -> Path:
        return self.directory / (hashlib.sha256(origin.encode()).hexdigest()[:32] + ".json")

    def get(self, origin: str) -> Recorded | None:
        """Return what was last cosigned for ``origin``, or None."""
        path = self._path(origin)
        if not path.exists():
            return None
        doc = json.loads(path.read_text("utf-8"))
        if doc["origin"] != origin:  # pragma: no cover - a 128-bit file-name collision
            raise RuntimeError(f"state file {path} belongs to another origin")
        return Recorded(origin, int(doc["size"]), bytes.fromhex(doc["root"]), doc["note"])

    def put(self, rec: Recorded) -> None:
        """Record ``rec`` durably."""
        doc = {"origin": rec.origin, "size": rec.size, "root": rec.root.hex(), "note": rec.note}
        path = self._path(rec.origin)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dfd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def keep_evidence(self, origin: str, request: bytes, reason: str) -> Path:
        """Keep a refused but log-signed request: it may prove the log misbehaved."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        digest = hashlib.sha256(request).hexdigest()[:16]
        path = self.directory / "evidence" / f"{stamp}-{digest}.txt"
        path.write_bytes(f"# origin: {origin}\n# refused: {reason}\n".encode() + request)
        return path


def parse_request(data: bytes) -> tuple[int, list[bytes], str]:
    """Split an add-checkpoint body into (old size, proof hashes, checkpoint note).

    :raises ValueError: the body is malformed.
    """
    text = data.decode("utf-8")
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ValueError("no empty line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old "):
        raise ValueError("the first line is not 'old <size>'")
    size_text = first[4:]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise ValueError("bad old size")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise ValueError("too many consistency proof lines")
    proof = []
    for line in proof_lines:
        try:
            h = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise ValueError("a proof line is not base64") from None
        if len(h) != 32:
            raise ValueError("a proof line is not a SHA-256 hash")
        proof.append(h)
    return int(size_text), proof, note


def request_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    """Return the add-checkpoint body for ``note`` with a proof from ``old_size``."""
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode("ascii") for h in proof]
    return ("\n".join(lines) + "\n\n" + note).encode("utf-8")


class Witness:
    """The witness's rules, independent of HTTP: ``add_checkpoint`` returns the answer."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: dict[str, Verifier],
        state: WitnessState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cosigner = cosigner
        self.logs = logs  # origin -> the log's key
        self.state = state
        self.clock = clock
        self._lock = threading.Lock()

    def add_checkpoint(self, data: bytes) -> Answer:
        """Handle one add-checkpoint request body."""
        try:
            old, proof, note = parse_request(data)
            body, _sigs = split_note(note)
        except (ValueError, BadSignatureError, UnicodeDecodeError) as err:
            return _text(400, f"malformed request: {err}")
        origin = body.split("\n", 1)[0]
        verifier = self.logs.get(origin)
        if verifier is None:
            return _text(404, f"unknown log {origin!r}")
        try:
            cp = parse_checkpoint(note, verifier)
        except BadSignatureError as err:
            return _text(403, f"no valid signature by the log's key: {err}")
        if old > cp.size:
            return _text(400, f"old size {old} is above the checkpoint size {cp.size}")
        if old == 0 and proof:
            return _text(400, "a proof from size 0 must be empty")
        with self._lock:
            return self._check_and_record(cp, old, proof, data)

    def _check_and_record(
        self, cp: Checkpoint, old: int, proof: list[bytes], data: bytes
    ) -> Answer:
        last = self.state.get(cp.origin)
        last_size = last.size if last is not None else 0
        if old != last_size:
            return Answer(409, SIZE_TYPE, f"{last_size}\n".encode())
        if last is not None:
            if cp.size == last.size:
                if cp.root != last.root:
                    self.state.keep_evidence(cp.origin, data, "fork: same size, other root")
                    return Answer(409, SIZE_TYPE, f"{last_size}\n".encode())
            elif not merkle.verify_consistency(last.size, cp.size, last.root, cp.root, proof):
                self.state.keep_evidence(cp.origin, data, "consistency proof does not verify")
                return _text(
                    422,
                    f"not consistent with the checkpoint of size {last.size} cosigned before",
                )
        line = self.cosigner.cosign(split_note(cp.note)[0], int(self.clock()))
        self.state.put(Recorded(cp.origin, cp.size, cp.root, cp.note + line))
        return Answer(200, "text/plain; charset=utf-8", line.encode("utf-8"))

    def latest(self, origin: str) -> Answer:
        """Return the last cosigned checkpoint of ``origin`` (404 if none)."""
        if origin not in self.logs:
            return _text(404, f"unknown log {origin!r}")
        rec = self.state.get(origin)
        if rec is None:
            return _text(404, f"nothing cosigned yet for {origin!r}")
        return Answer(200, "text/plain; charset=utf-8", rec.note.encode("utf-8"))


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """Return an HTTP server for ``witness`` (call ``serve_forever`` on it)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "hwtrace-witness"

        def _send(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(answer.body)

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/add-checkpoint":
                self._send(_text(404, "not found"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                self._send(_text(400, "request too large"))
                return
            self._send(witness.add_checkpoint(self.rfile.read(length)))

        def do_GET(self) -> None:
            prefix = "/checkpoint/"
            if not self.path.startswith(prefix):
                self._send(_text(404, "not found"))
                return
            self._send(witness.latest(urllib.parse.unquote(self.path[len(prefix) :])))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def post(url: str, body: bytes, timeout: float = 5.0) -> Answer:
    """POST an add-checkpoint ``body`` to a witness's submission prefix ``url``.

    :raises OSError: the witness cannot be reached (down, refused, timed out).
    """
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Answer(resp.status, resp.headers.get_content_type(), resp.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, err.headers.get_content_type(), err.read())


def fetch_latest(url: str, origin: str, timeout: float = 5.0) -> str:
    """Return the last checkpoint the witness at ``url`` cosigned for ``origin``.

    :raises OSError: unreachable, or it answered with an error.
    """
    import urllib.request

    full = url.rstrip("/") + "/checkpoint/" + urllib.parse.quote(origin, safe="")
    with urllib.request.urlopen(full, timeout=timeout) as resp:
        return str(resp.read().decode("utf-8"))
