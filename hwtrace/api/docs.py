"""The API's documentation page: Swagger UI at ``/api/v1/docs``, reading ``/api/v1/openapi.json``.

Swagger UI's files come from the ``swagger-ui-bundle-v2`` package (Apache-2.0) and are served by
this app, never from a CDN: parks' intranets are often offline, and the pages' Content Security
Policy allows scripts from this origin only. The page runs no inline script; Swagger UI sets
inline styles on its elements, so this page alone allows ``style-src 'unsafe-inline'``.
"""

from __future__ import annotations

from flask import Response, abort, send_from_directory, url_for

from hwtrace.api.routing import bp

# The files of Swagger UI the page loads (nothing else of the package is served).
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
)

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hwtrace API 文档 / API documentation</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""

INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: %s,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null
  });
});
"""


def _headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


@bp.get("/docs")
def docs() -> Response:
    """Swagger UI for this API."""
    html = PAGE.format(
        css=url_for("api_v1.docs_asset", name="swagger-ui.css"),
        icon=url_for("api_v1.docs_asset", name="favicon-32x32.png"),
        bundle=url_for("api_v1.docs_asset", name="swagger-ui-bundle.js"),
        init=url_for("api_v1.docs_init"),
    )
    return _headers(Response(html, mimetype="text/html"))


@bp.get("/docs/init.js")
def docs_init() -> Response:
    """The page's script: Swagger UI on this server's OpenAPI document."""
    import json

    document = url_for("api_v1.docs").rsplit("/", 1)[0] + "/openapi.json"
    body = INIT % json.dumps(document)
    return _headers(Response(body, mimetype="text/javascript"))


@bp.get("/docs/assets/<name>")
def docs_asset(name: str) -> Response:
    """One of Swagger UI's files, from the installed package."""
    from swagger_ui_bundle import swagger_ui_path

    if name not in ASSETS:
        abort(404)
    resp = send_from_directory(str(swagger_ui_path), name, max_age=86400)
    return _headers(resp)
