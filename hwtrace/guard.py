"""Request hooks of the whole app (API and pages alike): the client's address and scheme behind a
trusted reverse proxy, the body limit for every body (chunked ones too) and the security headers
on every response."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

#: The largest row id (PostgreSQL ``integer``): a larger one in a URL is no such row (404), never
#: a query the database refuses (500).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative integer of at most ``MAX_ROW_ID``. The range
    is in the pattern itself, so a larger number matches no route at all (404 whatever the
    method; a converter refusing it after the match made werkzeug answer 405)."""

    regex = (
        r"(?:\d{1,9}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
        r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
    )

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ROW_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def _limit_body() -> None:
    """Answer 413 for a chunked body over ``MAX_CONTENT_LENGTH``.

    Werkzeug refuses an oversize ``Content-Length`` itself, but it cuts a chunked body at the
    limit without a word, so the truncated rest would be parsed (and refused as malformed JSON,
    or worse, accepted as a shorter form)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None:
        return
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    data = request.get_data(cache=True)
    if len(data) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def _headers(resp: Response) -> Response:
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.is_secure:
        seconds = int(current_app.config["HSTS_SECONDS"])
        if seconds > 0:
            resp.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}")
    return resp


def init_app(app: Flask) -> None:
    """Install the row-id converter (before any route is added), the proxy fix (when proxies
    are trusted), the body limit and the headers."""
    app.url_map.converters["int"] = RowIdConverter
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.before_request(_limit_body)
    app.after_request(_headers)
