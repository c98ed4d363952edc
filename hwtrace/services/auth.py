"""Logins, API tokens and the caller's identity.

Passwords are argon2id hashes. Tokens are 32 random bytes shown once; only their SHA-256 is
stored, so a database leak does not leak usable tokens. Login tokens expire; device tokens (for
PDAs) do not, and both can be revoked.

A page login is a token of kind ``web``: its secret is the session id kept in the signed session
cookie. It is no API token (the API refuses it, and a page refuses an API token); it ends after
``session_idle_minutes`` without a request and ``session_absolute_hours`` after the login.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hwtrace.domain.access import Actor, EnterpriseKind, Role, may_manage_user, require_role
from hwtrace.domain.errors import (
    AuthRequired,
    BadValue,
    Conflict,
    Forbidden,
    HwtraceError,
    InvalidCredentials,
    NotFound,
    SecondFactorRequired,
    Throttled,
    TokenRevoked,
)
from hwtrace.services import totp as second_factor
from hwtrace.services.context import Context
from hwtrace.store.tables import ApiToken, Enterprise, LoginAttempt, Park, User
from hwtrace.store.unit_of_work import UnitOfWork

TOKEN_PREFIX = "hwt_"


def password_hasher(ctx: Context) -> PasswordHasher:
    """Return the argon2id hasher with the configured cost."""
    return PasswordHasher(
        time_cost=ctx.settings.argon2_time_cost,
        memory_cost=ctx.settings.argon2_memory_kib,
        parallelism=1,
    )


def hash_password(ctx: Context, password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return password_hasher(ctx).hash(password)


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token as shown once to its owner."""

    token: str
    token_id: int
    kind: str
    expires_at: dt.datetime | None


WEB = "web"
TOUCH_SECONDS = 60  # a web session's last use is written at most this often


def _issue(ctx: Context, session: sa.orm.Session, user: User, kind: str, name: str) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = None
    if kind == "session":
        expires = ctx.now() + dt.timedelta(hours=ctx.settings.token_ttl_hours)
    elif kind == WEB:
        expires = ctx.now() + dt.timedelta(hours=ctx.settings.session_absolute_hours)
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        name=name,
        kind=kind,
        created_at=ctx.now(),
        expires_at=expires,
        last_used_at=ctx.now() if kind == WEB else None,
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=token, token_id=row.id, kind=kind, expires_at=expires)


@functools.cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    """A hash of a random password with the configured cost: an unknown or inactive username
    is checked against it, so it costs what a known one costs (no username enumeration)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    return hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class _Failures:
    here_for_user: int  # from this address for this username
    here: int  # from this address, any username
    user: int  # for this username, from any address
    everywhere: int  # for any username from any address


def _failures(
    session: sa.orm.Session, username: str, remote_addr: str, since: dt.datetime
) -> _Failures:
    failed = sa.and_(LoginAttempt.ok.is_(False), LoginAttempt.at >= since)
    is_user = LoginAttempt.username == username
    is_here = LoginAttempt.remote_addr == remote_addr

    def count(*where: Any) -> int:
        q = sa.select(sa.func.count()).select_from(LoginAttempt).where(failed, *where)
        return int(session.scalar(q) or 0)

    return _Failures(
        here_for_user=count(is_user, is_here),
        here=count(is_here),
        user=count(is_user),
        everywhere=count(),
    )


def _check_throttle(ctx: Context, f: _Failures, *, second_factor: bool = False) -> None:
    """Refuse an attempt the limits do not allow (429 with ``retry_after_seconds``).

    Every limit is counted against the address the attempt comes from, so a stranger can slow
    an account down but never lock its owner out: from an address that has not failed, a
    correct password always passes.

    - this address and username: ``login_max_failures`` failures;
    - this address, any usernames: ``login_address_max_failures`` failures;
    - the account is under attack (``login_account_max_failures`` failures for it from
      anywhere): each address gets one failure for it, no more;
    - the park is being sprayed (``login_global_max_failures`` failures of any username from
      anywhere): each address gets one failure, no more.

    The last two (the account's and the park's) do not hold back an attempt that carries a
    second factor for an account that has one (``second_factor``): a correct password plus a
    correct code passes even while strangers hammer the account; a wrong one is a failure
    like any other and counts against its address.
    """
    st = ctx.settings
    here = f.here_for_user >= st.login_max_failures or f.here >= st.login_address_max_failures
    attacked = (f.user >= st.login_account_max_failures and f.here_for_user >= 1) or (
        f.everywhere >= st.login_global_max_failures and f.here >= 1
    )
    limited = here or (attacked and not second_factor)
    if limited:
        raise Throttled(
            zh="登录失败次数过多，请稍后再试",
            en="too many failed logins; try again later",
            detail={"retry_after_seconds": st.login_window_seconds},
        )


def prune_login_attempts(ctx: Context, session: sa.orm.Session) -> None:
    """Delete login attempts older than ``login_attempts_keep_hours``."""
    cutoff = ctx.now() - dt.timedelta(hours=ctx.settings.login_attempts_keep_hours)
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff))


def login(
    ctx: Context,
    *,
    username: str,
    password: str,
    remote_addr: str,
    web: bool = False,
    otp: str | None = None,
) -> IssuedToken:
    """Check a password (and the user's second factor, ``otp``: a TOTP code or a recovery
    code) and return a new login token (``web``: a page session instead).

    A known and an unknown username cost the same work (the same queries, one argon2id
    verification each, one attempt row written).

    :raises Throttled: when the limits of ``_check_throttle`` refuse the attempt.
    :raises InvalidCredentials: on a wrong username or password (the same error for both), or
        a wrong second factor (``auth.totp_invalid``).
    :raises SecondFactorRequired: the password is right and the user has a second factor, but
        no code came with it (``auth.totp_required``).
    :raises Forbidden: ``auth.totp_enrollment_required``: an API login of a park administrator
        without the second factor the park requires (the pages let it enable one).
    """
    since = ctx.now() - dt.timedelta(seconds=ctx.settings.login_window_seconds)
    with ctx.db.read_session() as session:
        failures = _failures(session, username, remote_addr, since)
        user = session.scalar(sa.select(User).where(User.username == username))
        # the same query for an unknown username (id 0 names no enterprise): the same work
        ent = session.get(Enterprise, user.enterprise_id if user is not None else 0)
    has_factor = user is not None and user.active and second_factor.enabled(user)
    _check_throttle(ctx, failures, second_factor=has_factor and bool(otp))
    # The slow hash runs outside any write transaction so it never holds the writer lock.
    ok = False
    known = user is not None and user.active
    stored = (
        user.password_hash
        if user is not None and known
        else _dummy_hash(ctx.settings.argon2_time_cost, ctx.settings.argon2_memory_kib)
    )
    try:
        ok = password_hasher(ctx).verify(stored, password) and known
    except (VerificationError, InvalidHashError):
        ok = False
    refusal: HwtraceError | None = None
    if ok and user is not None and ent is not None:
        refusal = _second_factor_refusal(ctx, user, ent, otp, web)
        ok = refusal is None
    with ctx.db.write_session() as session, session.begin():
        session.add(
            LoginAttempt(username=username[:64], remote_addr=remote_addr[:64], ok=ok, at=ctx.now())
        )
        if not ok:
            prune_login_attempts(ctx, session)
        kind, name = (WEB, "page login") if web else ("session", "login")
        issued = _issue(ctx, session, user, kind, name) if ok and user else None
    if refusal is not None:
        raise refusal
    if issued is None:
        raise InvalidCredentials(zh="用户名或密码错误", en="wrong username or password")
    return issued


def _second_factor_refusal(
    ctx: Context, user: User, ent: Enterprise, otp: str | None, web: bool
) -> HwtraceError | None:
    """After the right password: the refusal the user's second factor calls for, if any."""
    if second_factor.enabled(user):
        if not otp:
            return SecondFactorRequired(
                zh="请输入动态验证码（或恢复码）",
                en="enter the code from the authenticator app (or a recovery code)",
            )
        try:
            second_factor.check_login(ctx, actor=actor_of(user, ent), code=otp)
        except InvalidCredentials as err:
            return err
        return None
    if not web and second_factor.required_of(ctx, user):
        return Forbidden(
            zh="园区要求管理员启用动态验证码：请先在网页登录并于“账号安全”中启用",
            en="the park requires a second factor of its administrators: log in on the web "
            "and enable it under Account security first",
            code="auth.totp_enrollment_required",
        )
    return None


def actor_for_token(ctx: Context, token: str | None, *, web: bool = False) -> Actor:
    """Resolve a bearer token (``web``: a page session id) to the calling ``Actor``.

    :raises AuthRequired: no token given. :raises TokenRevoked: unknown, revoked, expired, idle
        too long, or of the wrong kind (a page session on the API or an API token on a page).
    """
    if not token:
        raise AuthRequired(zh="请先登录", en="authentication required")
    with ctx.db.lookup_session() as session:
        row = session.execute(
            sa.select(ApiToken, User, Enterprise)
            .join(User, User.id == ApiToken.user_id)
            .join(Enterprise, Enterprise.id == User.enterprise_id)
            .join(Park, Park.id == Enterprise.park_id)
            .where(ApiToken.token_hash == hash_token(token), Park.code == ctx.settings.park_code)
        ).one_or_none()
    if row is None:
        raise TokenRevoked(zh="令牌无效或已失效", en="the token is invalid or has been revoked")
    tok, user, ent = row
    if (tok.kind == WEB) != web:
        raise TokenRevoked(zh="令牌无效或已失效", en="the token is invalid or has been revoked")
    if tok.revoked_at is not None or not user.active:
        raise TokenRevoked(zh="令牌已被撤销", en="the token has been revoked")
    now = ctx.now()
    if tok.expires_at is not None and tok.expires_at <= now:
        raise TokenRevoked(zh="令牌已过期，请重新登录", en="the token has expired; log in again")
    if web:
        last = tok.last_used_at or tok.created_at
        if now - last >= dt.timedelta(minutes=ctx.settings.session_idle_minutes):
            raise TokenRevoked(
                zh="长时间未操作，已自动退出，请重新登录",
                en="the session ended after a time without activity; log in again",
            )
        if (now - last).total_seconds() >= TOUCH_SECONDS:
            _touch(ctx, tok.id, now)
    return actor_of(user, ent, token_id=tok.id)


def _touch(ctx: Context, token_id: int, now: dt.datetime) -> None:
    with ctx.db.write_session() as session, session.begin():
        session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def actor_of(user: User, ent: Enterprise, *, token_id: int | None = None) -> Actor:
    """Return the ``Actor`` for a user of an enterprise."""
    return Actor(
        user_id=user.id,
        username=user.username,
        enterprise_id=ent.id,
        enterprise_kind=EnterpriseKind(ent.kind),
        role=Role(user.role),
        park_id=ent.park_id,
        token_id=token_id,
        enterprise_uscc=ent.uscc,
    )


def _record(
    uow: UnitOfWork, actor: Actor, entry_type: str, user: User, ent: Enterprise, **payload: Any
) -> None:
    uow.record(
        entry_type=entry_type,
        subject=f"user:{user.username}",
        actor=actor.username,
        enterprise=ent.uscc,
        payload={"user": user.username, **payload},
    )


def create_device_token(
    ctx: Context, *, actor: Actor, name: str, end_login: bool = False
) -> IssuedToken:
    """Issue a device token (a PDA) for the calling user, valid ``device_token_days``.

    Only from an interactive login (a login token, not a device token: a stolen PDA cannot
    mint more); logging out of that login revokes it. ``end_login``: the login token is
    revoked at once (a handheld keeps only its device token)."""
    with ctx.uow() as uow:
        s = uow.session
        parent = s.get(ApiToken, actor.token_id) if actor.token_id is not None else None
        if parent is None or parent.kind != "session":
            raise Forbidden(
                zh="设备令牌只能在登录后签发（不能用设备令牌签发）",
                en="device tokens are issued from a login, not from another device token",
                code="auth.login_required",
            )
        user = s.get_one(User, actor.user_id)
        ent = s.get_one(Enterprise, user.enterprise_id)
        issued = _issue(ctx, s, user, "device", name)
        row = s.get_one(ApiToken, issued.token_id)
        row.expires_at = ctx.now() + dt.timedelta(days=ctx.settings.device_token_days)
        row.parent_id = parent.id
        if end_login:
            parent.revoked_at = ctx.now()
        _record(uow, actor, "token.create", user, ent, token_id=row.id, name=name)
        uow.commit()
        return dataclasses.replace(issued, expires_at=row.expires_at)


def _managed_user(s: sa.orm.Session, actor: Actor, user_id: int) -> tuple[User, Enterprise]:
    """Return a user the actor may manage, or raise NotFound (other parks and enterprises are
    not revealed)."""
    user = s.get(User, user_id)
    ent = s.get(Enterprise, user.enterprise_id) if user is not None else None
    if (
        user is None
        or ent is None
        or not may_manage_user(actor, user_id=user.id, enterprise_id=ent.id, park_id=ent.park_id)
    ):
        raise NotFound(zh="用户不存在", en="no such user")
    return user, ent


def authorize_user(ctx: Context, *, actor: Actor, user_id: int, admin: bool = False) -> None:
    """Check, before the request is read, that the caller may manage the user (404 if not);
    with ``admin``, that it manages it as an administrator (403 for other roles)."""
    if admin:
        require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    with ctx.db.read_session() as s:
        _managed_user(s, actor, user_id)


def list_tokens(ctx: Context, *, actor: Actor, user_id: int | None = None) -> list[ApiToken]:
    """Return a user's tokens (never their secret): the caller's own, or, for its enterprise's
    admin or the park's administrator, another user's."""
    with ctx.db.read_session() as s:
        user, _ = _managed_user(s, actor, user_id or actor.user_id)
        return list(
            s.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        )


def _revoke_all(s: sa.orm.Session, now: dt.datetime, *where: Any) -> list[int]:
    ids = list(s.scalars(sa.select(ApiToken.id).where(ApiToken.revoked_at.is_(None), *where)))
    if ids:
        s.execute(sa.update(ApiToken).where(ApiToken.id.in_(ids)).values(revoked_at=now))
    return ids


def revoke_token(ctx: Context, *, actor: Actor, token_id: int) -> None:
    """Revoke a token of the caller, or of a user it manages (its enterprise's admin, the
    park's administrator); with it the tokens issued from it."""
    with ctx.uow() as uow:
        s = uow.session
        tok = s.get(ApiToken, token_id)
        if tok is None:
            raise NotFound(zh="令牌不存在", en="no such token")
        try:
            user, ent = _managed_user(s, actor, tok.user_id)
        except NotFound:
            raise NotFound(zh="令牌不存在", en="no such token") from None
        now = ctx.now()
        ids = _revoke_all(s, now, sa.or_(ApiToken.id == tok.id, ApiToken.parent_id == tok.id))
        if ids:
            _record(uow, actor, "token.revoke", user, ent, token_ids=ids, reason="revoke")
        uow.commit()


def logout(ctx: Context, *, actor: Actor) -> None:
    """Revoke the caller's login and what it created (device tokens issued from it); a ledger
    entry when device tokens die with it."""
    if actor.token_id is None:
        return
    with ctx.uow() as uow:
        s = uow.session
        user = s.get_one(User, actor.user_id)
        ent = s.get_one(Enterprise, user.enterprise_id)
        ids = _revoke_all(
            s,
            ctx.now(),
            sa.or_(ApiToken.id == actor.token_id, ApiToken.parent_id == actor.token_id),
        )
        devices = [i for i in ids if i != actor.token_id]
        if devices:
            _record(uow, actor, "token.revoke", user, ent, token_ids=devices, reason="logout")
            uow.commit()
        else:
            s.commit()


def deactivate_user(ctx: Context, *, actor: Actor, user_id: int) -> User:
    """Deactivate a user (its enterprise's admin, the park's administrator): it can no longer
    log in and every token of it dies at once."""
    require_role(actor, Role.ADMIN, Role.PARK_ADMIN)
    if user_id == actor.user_id:
        raise Conflict(
            zh="不能停用自己的账号", en="you cannot deactivate yourself", code="user.self"
        )
    with ctx.uow() as uow:
        s = uow.session
        user, ent = _managed_user(s, actor, user_id)
        user.active = False
        ids = _revoke_all(s, ctx.now(), ApiToken.user_id == user.id)
        _record(uow, actor, "user.deactivate", user, ent, token_ids=ids)
        uow.commit()
        return user


def change_password(ctx: Context, *, actor: Actor, current: str, new: str) -> None:
    """Change the caller's password (the current one is checked); every other token of the
    caller dies, the one of this request stays."""
    check_new_password(new)
    with ctx.db.read_session() as s:
        old_hash = s.get_one(User, actor.user_id).password_hash
    if not _verify(ctx, old_hash, current):
        raise InvalidCredentials(zh="当前密码错误", en="the current password is wrong")
    new_hash = hash_password(ctx, new)  # slow: outside the write transaction
    with ctx.uow() as uow:
        s = uow.session
        user = s.get_one(User, actor.user_id)
        ent = s.get_one(Enterprise, user.enterprise_id)
        user.password_hash = new_hash
        ids = _revoke_all(
            s, ctx.now(), ApiToken.user_id == user.id, ApiToken.id != (actor.token_id or 0)
        )
        _record(uow, actor, "user.password_change", user, ent, token_ids=ids)
        uow.commit()


def reset_password(ctx: Context, *, actor: Actor, user_id: int, new: str) -> None:
    """Set another user's password (its enterprise's admin, the park's administrator); every
    token of that user dies."""
    authorize_user(ctx, actor=actor, user_id=user_id, admin=True)
    check_new_password(new)
    new_hash = hash_password(ctx, new)
    with ctx.uow() as uow:
        s = uow.session
        user, ent = _managed_user(s, actor, user_id)
        user.password_hash = new_hash
        ids = _revoke_all(s, ctx.now(), ApiToken.user_id == user.id)
        _record(uow, actor, "user.password_reset", user, ent, token_ids=ids)
        uow.commit()


def _verify(ctx: Context, stored: str, password: str) -> bool:
    try:
        return bool(password_hasher(ctx).verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(new: str) -> None:
    """Refuse a password shorter than 8 or longer than 200 characters."""
    if not 8 <= len(new) <= 200:
        raise BadValue(zh="密码须为 8–200 个字符", en="a password is 8-200 characters long")
