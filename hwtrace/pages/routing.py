"""Page machinery: the blueprint, the logged-in caller, the language, CSRF, security headers
and the error page, shared by every page module.

Login uses the same accounts as the API. The signed session cookie (HttpOnly, SameSite=Lax,
Secure over HTTPS) carries a session id, never an API token: the session lives on the server
(``services.auth``, kind ``web``) with an idle and an absolute timeout. Every POST, the login
form's included, carries a per-session CSRF token. Simplified Chinese by
default; ``?lang=en`` switches to English and is remembered in a cookie.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from hwtrace.domain.access import Actor, Role
from hwtrace.domain.errors import AuthRequired, HwtraceError, TokenRevoked
from hwtrace.pages.i18n import translate
from hwtrace.services import auth as auth_svc
from hwtrace.services import totp as totp_svc
from hwtrace.services.context import Context
from schemas import formats

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

PUBLIC = {"pages.login", "pages.static"}


def ctx() -> Context:
    """Return the app's use-case context."""
    return current_app.extensions["hwtrace"]  # type: ignore[no-any-return]


def actor() -> Actor:
    """Return the logged-in caller."""
    return g.page_actor  # type: ignore[no-any-return]


def t(text: str) -> str:
    """Translate page text into the current language."""
    return translate(text, g.get("lang", "zh"))


@bp.before_request
def _before() -> Any:
    lang = request.args.get("lang") or request.cookies.get("lang") or "zh"
    g.lang = lang if lang in ("zh", "en") else "zh"
    if request.method == "POST" and _holds_control_characters():
        # before anything reads the form, the login form too (PostgreSQL refuses a NUL in a
        # query's text: it would be a 500)
        return page_error(
            400,
            "输入的文字含有控制字符，请删除后重试",
            "the text holds control characters; remove them and retry",
        )
    if request.endpoint in PUBLIC:
        return None
    sid = session.get("sid")
    try:
        g.page_actor = auth_svc.actor_for_token(ctx(), sid, web=True)
    except (AuthRequired, TokenRevoked):
        session.pop("sid", None)
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    if _must_enroll(g.page_actor):
        return redirect(url_for("pages.account"))
    if request.method == "POST":
        check_csrf()
    return None


def _holds_control_characters() -> bool:
    """Whether a form field's name or value holds a control or bidi-override character (a
    list typed one item a line, and multi-line text, may hold line breaks)."""
    for name, value in request.form.items(multi=True):
        if name in LIST_FIELDS or name in MULTILINE_FIELDS:
            value = value.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        if formats.CONTROL_RE.search(value) or formats.CONTROL_RE.search(name):
            return True
    return False


# What a park administrator who must enable the second factor may still open.
ENROLMENT = frozenset(
    {
        "pages.account",
        "pages.account_totp_begin",
        "pages.account_totp_confirm",
        "pages.logout",
    }
)


def _must_enroll(a: Actor) -> bool:
    """Return True if the park requires a second factor of this caller and it has none (only
    the account page and logging out are open to it)."""
    if request.endpoint in ENROLMENT or not ctx().settings.totp_required_for_park_admins:
        return False
    if a.role is not Role.PARK_ADMIN:
        return False
    return not totp_svc.status(ctx(), actor=a).enabled


# Text areas that hold a list (waste codes), where a line break is only a separator; every
# other field is one line of free text and refuses control characters, as the API does.
LIST_FIELDS = frozenset({"operating_codes"})
# Text areas of several lines of prose (a park notice's text): line breaks are kept.
MULTILINE_FIELDS = frozenset({"body"})

# Anything a browser drops or rewrites inside a URL (tabs, newlines, other controls, spaces)
# and the backslash it reads as a slash: "/\t/evil.example" and "/\\evil.example" are
# "//evil.example" to a browser.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def local_target(nxt: str | None) -> str | None:
    """Return ``nxt`` if it is a path on this site, else None (no open redirect)."""
    if not nxt or _UNSAFE.search(nxt) or not nxt.startswith("/") or nxt.startswith("//"):
        return None
    parts = urlsplit(nxt)
    if parts.scheme or parts.netloc:
        return None
    return nxt


def check_csrf() -> None:
    """Refuse a POST without the session's CSRF token (400, shown as "the form expired")."""
    sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
    want = session.get("csrf") or ""
    if not want or not hmac.compare_digest(sent, want):
        abort(400, description="csrf")


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


@bp.after_request
def _headers(resp: Response) -> Response:
    if "lang" in request.args and request.args["lang"] in ("zh", "en"):
        resp.set_cookie(
            "lang",
            request.args["lang"],
            max_age=365 * 86400,
            samesite="Lax",
            secure=current_app.session_interface.get_cookie_secure(current_app),
        )
    resp.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    return resp


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {
        "t": t,
        "lang": g.get("lang", "zh"),
        "me": g.get("page_actor"),
        "csrf_token": csrf_token,
        "park_name": ctx().settings.park_name,
        "lang_url": _lang_url,
    }


def _lang_url(lang: str) -> str:
    args: dict[str, Any] = {**request.args, **(request.view_args or {}), "lang": lang}
    return url_for(request.endpoint or "pages.home", **args)


@bp.errorhandler(HwtraceError)
def _error(err: HwtraceError) -> tuple[str, int]:
    return render_template("error.html", err=err), err.status


def page_error(status: int, zh: str, en: str) -> tuple[str, int]:
    """Render the error page for a non-domain error."""
    err = HwtraceError(zh=zh, en=en, status=status, code="page.error")
    return render_template("error.html", err=err), status
