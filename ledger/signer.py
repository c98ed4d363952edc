"""A checkpoint signer in a process of its own, reached over a local (Unix) socket: the key
file belongs to the signer's user, and the server, which cannot read it, asks for signatures.

The signer signs only a checkpoint that extends the last one it signed: a request carries the
size the server believes the signer last signed and the RFC 6962 consistency proof from it,
exactly like a C2SP tlog-witness ``add-checkpoint`` request whose checkpoint is the unsigned
body (origin, size, root). The rules are the witness's: a wrong old size is answered with the
signer's size (the server asks again from there), the same size must have the same root, and
a proof that does not verify is refused. The state (the last size and root signed) is written
with fsync before the signature leaves, so a restarted signer refuses a rollback too. Whoever
controls the server can still have new entries signed, but never a tree that drops or changes
what was signed before.

Framing on the socket: one request per connection, ``<kind byte><4-byte length><data>``; kind
``K`` asks for the verifier key, ``S`` for a signature. The answer is ``<3-digit status><4-byte
length><body>``; on 200 to ``S`` the body is the signature line.
"""

from __future__ import annotations

import base64
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from pathlib import Path

from ledger import merkle
from ledger.checkpoint import Signer, Verifier
from ledger.errors import BadSignatureError
from ledger.witness import SIZE_TYPE, Answer, Recorded, WitnessState, parse_request, request_body


def _text(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode())


class SigningService:
    """The signer's rules, independent of the socket."""

    def __init__(self, signer: Signer, state_dir: Path) -> None:
        self.signer = signer
        self.state = WitnessState(state_dir)
        self._lock = threading.Lock()

    def sign(self, data: bytes) -> Answer:
        """Handle one signing request: old size, proof, empty line, checkpoint body."""
        try:
            old, proof, body = parse_request(data)
            lines = body.split("\n")
            if len(lines) != 4 or lines[3] != "":
                raise ValueError("the checkpoint body is three lines")
            origin, size_text, root_b64 = lines[:3]
            if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
                raise ValueError("bad size")
            size, root = int(size_text), base64.b64decode(root_b64, validate=True)
            if len(root) != 32:
                raise ValueError("bad root")
        except ValueError as err:
            return _text(400, f"malformed request: {err}")
        if origin != self.signer.name:
            return _text(403, f"this signer signs {self.signer.name!r} only")
        if old > size:
            return _text(400, f"old size {old} is above the checkpoint size {size}")
        with self._lock:
            last = self.state.get(origin)
            last_size = last.size if last is not None else 0
            if old != last_size:
                return Answer(409, SIZE_TYPE, f"{last_size}\n".encode())
            if last is not None:
                if size == last.size and root != last.root:
                    self.state.keep_evidence(origin, data, "another root at the size signed")
                    return Answer(409, SIZE_TYPE, f"{last_size}\n".encode())
                if size > last.size and not merkle.verify_consistency(
                    last.size, size, last.root, root, proof
                ):
                    self.state.keep_evidence(origin, data, "does not extend the last checkpoint")
                    return _text(
                        422, f"does not extend the checkpoint of size {last.size} signed before"
                    )
            note = self.signer.sign_note(body)
            self.state.put(Recorded(origin, size, root, note))
        line = note.partition("\n\n")[2]
        return Answer(200, "text/plain; charset=utf-8", line.encode("utf-8"))


def _read_exact(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        out += chunk
    return out


def make_server(service: SigningService, path: Path) -> socketserver.UnixStreamServer:
    """Return a server on the Unix socket ``path`` (mode 0660: the signer's group may ask)."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(30)
            kind = _read_exact(sock, 1)
            (length,) = struct.unpack(">I", _read_exact(sock, 4))
            if length > 64 * 1024:
                return
            data = _read_exact(sock, length)
            if kind == b"K":
                answer = Answer(200, "text/plain", service.signer.vkey.encode())
            elif kind == b"S":
                answer = service.sign(data)
            else:
                answer = _text(400, "unknown request")
            sock.sendall(
                b"%03d" % answer.status + struct.pack(">I", len(answer.body)) + answer.body
            )

    if path.exists():
        path.unlink()
    server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
    os.chmod(path, 0o660)
    return server


def _ask(path: Path, kind: bytes, data: bytes, timeout: float) -> tuple[int, bytes]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(kind + struct.pack(">I", len(data)) + data)
        status = int(_read_exact(sock, 3))
        (length,) = struct.unpack(">I", _read_exact(sock, 4))
        return status, _read_exact(sock, length)


class RemoteSigner:
    """The server's side: looks like a ``Signer`` to the log, but holds no key.

    ``Log.sign_checkpoint`` calls ``sign_extending`` with a function that returns the
    consistency proof from a given size, since the signer wants one.
    """

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        status, body = _ask(path, b"K", b"", timeout)
        if status != 200:
            raise BadSignatureError("the signer did not give its key")
        self._verifier = Verifier.from_vkey(body.decode())
        self.name = self._verifier.name
        self.public_key = self._verifier.public_key
        self._last = 0  # the size the signer last signed, as far as this process knows

    def verifier(self) -> Verifier:
        """Return the verifier of the signer's key."""
        return self._verifier

    @property
    def vkey(self) -> str:
        """Return the verifier key text."""
        return self._verifier.vkey

    def sign_extending(self, body: str, size: int, proof_from: Callable[[int], list[bytes]]) -> str:
        """Return the signed note of ``body`` (a tree of ``size``), proving to the signer that
        it extends the last one it signed.

        :raises BadSignatureError: the signer refuses (the tree does not extend its last one).
        """
        old = self._last
        for _ in range(3):
            if old > size:
                break
            proof = proof_from(old) if 0 < old < size else []
            status, answer = _ask(self.path, b"S", request_body(old, proof, body), self.timeout)
            text = answer.decode("utf-8", "replace")
            if status == 200:
                self._last = size
                return f"{body}\n{text}"
            if status == 409 and text.strip().isdigit() and int(text) != old:
                old = int(text)
                continue
            raise BadSignatureError(
                f"the signer refuses to sign size {size}: {status} {text.strip()}"
            )
        raise BadSignatureError(
            f"the signer last signed size {old}, and will not sign size {size}: the log was "
            "shortened or replaced"
        )

    def sign_note(self, body: str) -> str:  # pragma: no cover - the log calls sign_extending
        """Refuse: a remote signer signs only checkpoints that extend its last one."""
        raise BadSignatureError("a remote signer signs checkpoints only (sign_extending)")
