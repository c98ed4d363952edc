"""The server's JSON API over one keep-alive HTTP connection (stdlib ``http.client``: no extra
dependency, quick to import on a handheld).

Errors come back as ``ApiError`` with the server's stable code and its Chinese and English
messages (the RFC 9457 problem body with ``code``, ``message``, ``message_en`` and
``context``; a body wrapped as ``{"error": {...}}`` is read too); an unreachable server is
``NetworkError``.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

API_PREFIX = "/api/v1"

#: Failures of a reused keep-alive connection that the server closed while it was idle.
_STALE = (
    http.client.RemoteDisconnected,
    http.client.BadStatusLine,
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
)


class NetworkError(Exception):
    """The server could not be reached, or the connection broke before an answer."""


class ApiError(Exception):
    """The server answered with an error status."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        zh: str,
        en: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {en}")
        self.status = status
        self.code = code
        self.message_zh = zh
        self.message_en = en
        self.detail = detail or {}

    @classmethod
    def from_response(cls, status: int, body: bytes) -> ApiError:
        """Read a problem body; anything else becomes a generic error of that status."""
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            data = data["error"]
        if isinstance(data, dict) and "code" in data:
            return cls(
                status,
                str(data.get("code")),
                zh=str(data.get("message") or data.get("message_en") or ""),
                en=str(data.get("message_en") or data.get("message") or ""),
                detail=_facts(data),
            )
        return cls(
            status, f"http.{status}", zh=f"服务器返回错误 {status}", en=f"server answered {status}"
        )


def _facts(problem: dict[str, Any]) -> dict[str, Any]:
    """The error's facts: ``context`` in an RFC 9457 body (``detail`` in older servers)."""
    for key in ("context", "detail"):
        value = problem.get(key)
        if isinstance(value, dict):
            return value
    return {}


@dataclass(frozen=True)
class Response:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body or b"null")

    @property
    def replayed(self) -> bool:
        """The server replayed the first answer for this idempotency key."""
        return self.headers.get("idempotent-replayed", "").lower() == "true"


def code_path(code: str, suffix: str = "") -> str:
    """``/batches/<code><suffix>`` with the code escaped."""
    return f"/batches/{quote(code, safe='')}{suffix}"


class Client:
    """A connection to one server, reused across requests (keep-alive)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 3.0,
    ) -> None:
        parts = urlsplit(base_url if "://" in base_url else "http://" + base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL must be http(s)://host[:port], not {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/") + API_PREFIX
        self.token = token
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._conn: http.client.HTTPConnection | None = None

    @property
    def base_url(self) -> str:
        """The server URL (without /api/v1)."""
        return f"{self.scheme}://{self.host}:{self.port}{self.prefix[: -len(API_PREFIX)]}"

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """The open connection (and whether it was reused), connecting if needed."""
        if self._conn is not None:
            return self._conn, True
        conn: http.client.HTTPConnection
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.connect_timeout)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.connect_timeout)
        try:
            conn.connect()
        except OSError as err:
            conn.close()
            raise NetworkError(f"cannot connect to {self.host}:{self.port}: {err}") from err
        assert conn.sock is not None
        conn.sock.settimeout(self.timeout)
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        return conn, False

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        retry_stale: bool = True,
    ) -> Response:
        """Send one request and read the whole answer.

        A request on a reused connection that the server had closed is sent once more on a
        new connection when ``retry_stale`` (safe for GETs and for requests with an
        idempotency key). :raises NetworkError: no answer.
        """
        hdrs = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        bearer = token or self.token
        if bearer:
            hdrs["Authorization"] = f"Bearer {bearer}"
        url = self.prefix + path
        for attempt in (1, 2):
            conn, reused = self._connection()
            try:
                conn.request(method, url, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except _STALE as err:
                self.close()
                if reused and retry_stale and attempt == 1:
                    continue
                raise NetworkError(f"connection lost: {err!r}") from err
            except (OSError, http.client.HTTPException) as err:
                self.close()
                raise NetworkError(f"request failed: {err!r}") from err
            if resp.will_close:
                self.close()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        raise AssertionError("unreachable")

    def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        key: str | None = None,
        token: str | None = None,
    ) -> Any:
        """Send JSON, return the parsed answer; :raises ApiError: on an error status."""
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Idempotency-Key": key} if key else None
        resp = self.request(
            method,
            path,
            body,
            headers=headers,
            token=token,
            retry_stale=method == "GET" or key is not None,
        )
        if not 200 <= resp.status < 300:
            raise ApiError.from_response(resp.status, resp.body)
        return resp.json()

    def get_bytes(self, path: str) -> bytes:
        """GET raw bytes (a label); :raises ApiError: on an error status."""
        resp = self.request("GET", path)
        if not 200 <= resp.status < 300:
            raise ApiError.from_response(resp.status, resp.body)
        return resp.body
