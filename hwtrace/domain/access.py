"""Who may see and do what: enterprise kinds, user roles, and the caller (``Actor``).

Scoping rule (docs/domain.md, "Parties"): a producer sees only its own batches, a
transporter only what it carries, a receiver only what is sent to it, park administrators and
auditors everything in their park (read-only for auditors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hwtrace.domain.errors import BadValue, Forbidden, NotAssigned
from hwtrace.domain.lifecycle import Party


class EnterpriseKind(StrEnum):
    """What an enterprise is in the park."""

    PRODUCER = "producer"
    TRANSPORTER = "transporter"
    RECEIVER = "receiver"
    PARK = "park"  # the park administration itself (园区管理方)


class Role(StrEnum):
    """A user's role inside its enterprise."""

    ADMIN = "admin"  # enterprise administrator: users, profiles, rooms, devices
    OPERATOR = "operator"  # line staff, storage keeper, driver, weighbridge operator
    PARK_ADMIN = "park_admin"  # park administration: sees the whole park, manages enterprises
    AUDITOR = "auditor"  # sees the whole park, changes nothing


PARK_ROLES = frozenset({Role.PARK_ADMIN, Role.AUDITOR})

# The whole name, both ends anchored: "p2op\n" is not "p2op" (schemas/api/user-create too).
USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,64}")


def check_username(name: str) -> str:
    """Return ``name`` if it is a valid username (3-64 of A-Z a-z 0-9 _ . -), else refuse."""
    if not USERNAME.fullmatch(name):
        raise BadValue(
            zh="用户名须为 3–64 个字母、数字或 _ . - 字符",
            en="a username is 3-64 characters of A-Z a-z 0-9 _ . -",
            code="user.invalid_username",
        )
    return name


ENTERPRISE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR})

_PARTY_OF_KIND = {
    EnterpriseKind.PRODUCER: Party.PRODUCER,
    EnterpriseKind.TRANSPORTER: Party.TRANSPORTER,
    EnterpriseKind.RECEIVER: Party.RECEIVER,
}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller, resolved from its token."""

    user_id: int
    username: str
    enterprise_id: int
    enterprise_kind: EnterpriseKind
    role: Role
    park_id: int
    token_id: int | None = None
    # The enterprise's 统一社会信用代码, known at authentication; ledger entries carry it.
    enterprise_uscc: str | None = None

    @property
    def sees_whole_park(self) -> bool:
        """Return True for park administrators and auditors."""
        return self.role in PARK_ROLES

    @property
    def party(self) -> Party | None:
        """Return the handover party this actor's enterprise plays, if any."""
        return _PARTY_OF_KIND.get(self.enterprise_kind)


@dataclass(frozen=True)
class BatchParties:
    """The enterprises a batch is tied to, for access checks."""

    park_id: int
    producer_id: int
    transporter_id: int | None
    receiver_id: int | None


def can_view_batch(actor: Actor, batch: BatchParties) -> bool:
    """Return True if ``actor`` may see the batch."""
    if actor.park_id != batch.park_id:
        return False
    if actor.sees_whole_park:
        return True
    return actor.enterprise_id in (batch.producer_id, batch.transporter_id, batch.receiver_id)


def require_role(actor: Actor, *roles: Role) -> None:
    """Raise Forbidden unless the actor has one of ``roles``."""
    if actor.role not in roles:
        raise Forbidden(
            zh="当前用户角色无权执行此操作",
            en=f"role {actor.role.value} may not do this",
            detail={"role": actor.role.value, "allowed": sorted(r.value for r in roles)},
        )


def may_manage_user(actor: Actor, *, user_id: int, enterprise_id: int, park_id: int) -> bool:
    """Return True if ``actor`` may see and manage the user's tokens, password and status: the
    user itself, an admin of the user's enterprise, or the park's administrator."""
    if actor.user_id == user_id:
        return True
    if actor.role is Role.PARK_ADMIN:
        return park_id == actor.park_id
    return actor.role is Role.ADMIN and enterprise_id == actor.enterprise_id


def require_party(actor: Actor, party: Party, batch: BatchParties) -> None:
    """Raise unless the actor's enterprise is the batch's ``party`` for this step."""
    require_role(actor, Role.ADMIN, Role.OPERATOR)
    expected = {
        Party.PRODUCER: batch.producer_id,
        Party.TRANSPORTER: batch.transporter_id,
        Party.RECEIVER: batch.receiver_id,
    }[party]
    if actor.party is not party or expected != actor.enterprise_id:
        raise NotAssigned(
            zh="该批次未交由本单位办理此环节",
            en=f"this step is for the batch's {party.value}, not for your enterprise",
            detail={"party": party.value},
        )
