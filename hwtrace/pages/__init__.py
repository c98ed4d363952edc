"""Server-rendered pages: the park console (一企一档, waste map, warnings, ledger and proofs,
charts, exports) and the handheld pages (``/m/``). One module per service it calls, named after
it (``pages/warnings.py`` calls ``services/warnings.py``); the machinery shared by all of them is
in ``routing``, template filters in ``filters``; templates in ``templates/`` (``m/`` for the
handheld)."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

from hwtrace import problems
from hwtrace.pages.routing import bp, page_error


class SessionCookies(SecureCookieSessionInterface):
    """The signed session cookie, Secure as ``SESSION_COOKIE_SECURE`` says; ``None`` (the
    default): when this request came over HTTPS, as seen through ``TRUSTED_PROXIES``."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config.get("SESSION_COOKIE_SECURE")
        if setting is None:
            return has_request_context() and request.is_secure
        return bool(setting)


def init_app(app: Flask) -> None:
    """Mount the pages (console and handheld)."""
    from hwtrace.pages import (  # noqa: F401  (each registers its views on ``bp``)
        account,
        approvals,
        audit,
        auth,
        batches,
        bookings,
        camera,
        cases,
        catalogue,
        console,
        contracts,
        declarations,
        directory,
        exports,
        facilities,
        filters,
        fleet,
        handbook,
        handover,
        labels,
        manifests,
        monitoring,
        notices,
        notifications,
        paper_manifests,
        plans,
        receipts,
        reservations,
        trips,
        warnings,
        workdays,
    )

    # Flask's defaults hold these keys already (SameSite None): set, not setdefault.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SessionCookies()
    app.register_blueprint(bp)

    @app.errorhandler(400)
    def _bad_request(err: Any) -> Any:
        if request.blueprint == "pages":
            if getattr(err, "description", "") == "csrf":
                return page_error(
                    400,
                    "页面已过期，请刷新后重试（CSRF 校验失败）",
                    "the form expired (CSRF check failed); reload and retry",
                )
            return page_error(400, "请求格式错误", "bad request")
        return problems.http_error(err)
