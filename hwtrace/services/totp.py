"""The second factor: TOTP (RFC 6238) with one-time recovery codes.

A user enables it on its account page (or the API): a new secret is shown as an
``otpauth://`` URI and a QR code, and becomes the user's second factor once a code from the
authenticator app confirms it. Ten recovery codes are shown once and kept only as SHA-256
hashes; each works once instead of a code. From then on every login (form and API) needs a
code. When the park requires it (``HWTRACE_TOTP_REQUIRED_FOR_PARK_ADMINS``), a park
administrator without a second factor gets no API token and, on the pages, only the page that
enables it. Enabling, disabling and every use of a recovery code are ledger entries.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hwtrace.domain import totp
from hwtrace.domain.access import Actor, Role, may_manage_user
from hwtrace.domain.errors import BadValue, Conflict, InvalidCredentials, NotFound
from hwtrace.services.context import Context
from hwtrace.store.tables import Enterprise, RecoveryCode, User
from hwtrace.store.unit_of_work import UnitOfWork

RECOVERY_CODES = 10


@dataclass(frozen=True)
class Status:
    """A user's second factor as its account page shows it."""

    enabled: bool
    pending: bool  # a secret was made and waits for its first code
    recovery_left: int
    required: bool  # the park requires it of this user


@dataclass(frozen=True)
class Enrollment:
    """A new secret, as shown once to its owner."""

    secret: str
    uri: str


def required_of(ctx: Context, user: User) -> bool:
    """Return True if the park requires a second factor of ``user``."""
    return ctx.settings.totp_required_for_park_admins and user.role == Role.PARK_ADMIN.value


def enabled(user: User) -> bool:
    """Return True if ``user`` logs in with a second factor."""
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def _hash(code: str) -> str:
    return hashlib.sha256(_normal(code).encode("ascii")).hexdigest()


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, 10 hex digits, shown as xxxxx-xxxxx
    return f"{raw[:5]}-{raw[5:]}"


def status(ctx: Context, *, actor: Actor) -> Status:
    """Return the caller's second-factor status."""
    with ctx.db.read_session() as s:
        user = s.get_one(User, actor.user_id)
        left = s.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        return Status(
            enabled=enabled(user),
            pending=not enabled(user) and bool(user.totp_secret),
            recovery_left=int(left or 0) if enabled(user) else 0,
            required=required_of(ctx, user),
        )


def begin(ctx: Context, *, actor: Actor) -> Enrollment:
    """Make a new secret for the caller (replacing one not yet confirmed)."""
    with ctx.db.write_session() as s, s.begin():
        user = s.get_one(User, actor.user_id)
        if enabled(user):
            raise Conflict(
                zh="已启用动态验证码；如需更换，请先停用",
                en="the second factor is enabled already; disable it first to replace it",
                code="totp.already_enabled",
            )
        user.totp_secret = totp.new_secret()
        secret = user.totp_secret
    issuer = ctx.settings.park_name or "hwtrace"
    return Enrollment(secret, totp.otpauth_uri(secret, account=actor.username, issuer=issuer))


def pending(ctx: Context, *, actor: Actor) -> Enrollment | None:
    """Return the caller's secret waiting for its first code (to show it again), if any."""
    with ctx.db.read_session() as s:
        user = s.get_one(User, actor.user_id)
        if enabled(user) or not user.totp_secret:
            return None
        secret = user.totp_secret
    issuer = ctx.settings.park_name or "hwtrace"
    return Enrollment(secret, totp.otpauth_uri(secret, account=actor.username, issuer=issuer))


def _record(uow: UnitOfWork, actor: Actor, entry_type: str, user: User, **payload: object) -> None:
    ent = uow.session.get_one(Enterprise, user.enterprise_id)
    uow.record(
        entry_type=entry_type,
        subject=f"user:{user.username}",
        actor=actor.username,
        enterprise=ent.uscc,
        payload={"user": user.username, **payload},
    )


def confirm(ctx: Context, *, actor: Actor, code: str) -> list[str]:
    """Enable the caller's pending secret with a first code from the app; return the recovery
    codes (shown once)."""
    now = ctx.now()
    with ctx.uow() as uow:
        s = uow.session
        user = s.get_one(User, actor.user_id)
        if enabled(user) or not user.totp_secret:
            raise Conflict(
                zh="没有待确认的动态验证码密钥，请重新开始",
                en="no secret waits for confirmation; start again",
                code="totp.not_pending",
            )
        step = totp.match(user.totp_secret, code, now.timestamp(), after_step=None)
        if step is None:
            raise BadValue(
                zh="验证码不正确，请核对手机时间后重试",
                en="the code is not right; check the phone's clock and retry",
                code="totp.invalid_code",
            )
        user.totp_enabled_at = now
        user.totp_last_step = step
        s.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        s.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
        _record(uow, actor, "user.totp_enable", user, recovery_codes=len(codes))
        uow.commit()
    return codes


def disable(ctx: Context, *, actor: Actor, user_id: int, code: str = "") -> None:
    """Turn a user's second factor off: the caller's own with a current code (or a recovery
    code); another user's (a lost phone) by its enterprise's admin or the park's
    administrator."""
    with ctx.uow() as uow:
        s = uow.session
        user = s.get(User, user_id)
        ent = s.get(Enterprise, user.enterprise_id) if user is not None else None
        if (
            user is None
            or ent is None
            or not may_manage_user(
                actor, user_id=user.id, enterprise_id=ent.id, park_id=ent.park_id
            )
        ):
            raise NotFound(zh="用户不存在", en="no such user")
        if not enabled(user):
            raise Conflict(
                zh="未启用动态验证码",
                en="the second factor is not enabled",
                code="totp.not_enabled",
            )
        how = "admin"
        if user.id == actor.user_id:
            how = _second_factor(ctx, uow, actor, user, code)
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        s.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        _record(uow, actor, "user.totp_disable", user, proof=how)
        uow.commit()


def _second_factor(ctx: Context, uow: UnitOfWork, actor: Actor, user: User, code: str) -> str:
    """Check ``code`` (a TOTP code, else a recovery code, used up) for ``user`` inside ``uow``;
    return "totp" or "recovery", or raise ``InvalidCredentials`` (auth.totp_invalid)."""
    assert user.totp_secret is not None
    step = totp.match(user.totp_secret, code, ctx.now().timestamp(), after_step=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    s = uow.session
    row = s.scalar(
        sa.select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if row is None:
        raise InvalidCredentials(
            zh="动态验证码或恢复码错误",
            en="wrong authenticator or recovery code",
            code="auth.totp_invalid",
        )
    row.used_at = ctx.now()
    left = _left(s, user.id) - 1
    _record(uow, actor, "user.recovery_code_use", user, recovery_codes_left=left)
    return "recovery"


def _left(s: Session, user_id: int) -> int:
    return int(
        s.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def check_login(ctx: Context, *, actor: Actor, code: str) -> str:
    """At login, after the right password: check the user's second factor (a recovery code is
    used up and recorded). Return how it was proven."""
    with ctx.uow() as uow:
        user = uow.session.execute(
            sa.select(User).where(User.id == actor.user_id).with_for_update()
        ).scalar_one()
        how = _second_factor(ctx, uow, actor, user, code)
        uow.commit()
    return how
