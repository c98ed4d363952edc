"""Login and logout with the same accounts as the API (a server-side page session whose id is in
the signed session cookie)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for

from hwtrace.domain.errors import HwtraceError
from hwtrace.pages.batches import is_handheld
from hwtrace.pages.routing import actor, bp, check_csrf, ctx, local_target
from hwtrace.services import auth as auth_svc


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        check_csrf()
        try:
            issued = auth_svc.login(
                ctx(),
                username=request.form.get("username", "")[:64],
                password=request.form.get("password", "")[:200],
                remote_addr=request.remote_addr or "",
                web=True,
                otp=request.form.get("otp", "").strip()[:32] or None,
            )
        except HwtraceError as err:
            error = (
                err.message_zh if (request.cookies.get("lang") or "zh") == "zh" else err.message_en
            )
        else:
            session.clear()  # a new session (and CSRF token) for the logged-in user
            session["sid"] = issued.token
            # a phone or a PDA lands on the handheld pages
            home = url_for("pages.m_home" if is_handheld(request) else "pages.home")
            return redirect(local_target(request.args.get("next")) or home)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    a = actor()
    if a.token_id is not None:
        auth_svc.logout(ctx(), actor=a)
    session.clear()
    return redirect(url_for("pages.login"))
