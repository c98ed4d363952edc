"""Cross-province transfer approvals (危险废物跨省转移审批) and the check of transfers against them.

Source: 《危险废物转移管理办法》(部令第23号) 第二十一–二十八条, as summarized in the transfer-rules
reference (docs/standards.md, "Cross-province transfers"). A transfer whose receiver lies in
another province than the place of dispatch needs the approval of the dispatching province's
authority. An approval names the kinds (waste codes) with the approved weight of each, the
utilization/disposal method and the receiver; it is valid for up to 12 months, never beyond the
period applied for nor the receiver's operating permit, and allows several transfers within
it. A new application is needed when the kinds change, the weight exceeds the approved amount,
the method changes, or the receiver changes or no longer qualifies. The reference gives these
rules under the articles' range together: which of 第二十一–二十八条 states each one is not
confirmed here, so messages cite the range.

Plain rules, no database: the services feed them rows and record what they decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.quantities import g_to_kg

ARTICLES = "《危险废物转移管理办法》第二十一至二十八条"
ARTICLES_EN = "Measures for the Administration of Hazardous Waste Transfer, arts. 21-28"
MAX_VALIDITY_MONTHS = 12
REAPPLY_ZH = "，须重新申请跨省转移"
REAPPLY_EN = "; a new cross-province application is needed"


def _cite(zh: str, en: str) -> tuple[str, str]:
    return f"{zh}（{ARTICLES}）", f"{en} ({ARTICLES_EN})"


def crosses_provinces(dispatch_province: str, receiver_province: str | None) -> bool:
    """A transfer crosses provinces when the receiver's province differs from the park's.

    An enterprise registered without a province is taken to be in the park's province."""
    return bool(receiver_province) and receiver_province != dispatch_province


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` moved by whole months (the last day of a shorter month when needed)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


def last_valid_day(valid_from: dt.date) -> dt.date:
    """The last day an approval may run to: the day before the same date 12 months later."""
    return add_months(valid_from, MAX_VALIDITY_MONTHS) - dt.timedelta(days=1)


def check_validity(
    valid_from: dt.date, valid_to: dt.date, receiver_permit_until: dt.date | None
) -> None:
    """Refuse an approval's validity that ends before it starts, runs more than 12 months, or
    ends after the receiver's operating permit (第二十一–二十八条)."""
    if valid_to < valid_from:
        raise BadValue(
            zh="批准有效期的截止日期早于起始日期",
            en="the approval's validity ends before it starts",
            code="approval.invalid_validity",
        )
    limit = last_valid_day(valid_from)
    if valid_to > limit:
        zh, en = _cite(
            f"跨省转移批准的有效期最长十二个月（自 {valid_from.isoformat()} 起至多到 "
            f"{limit.isoformat()}）",
            f"a cross-province approval is valid for at most 12 months (from "
            f"{valid_from.isoformat()} to {limit.isoformat()} at the latest)",
        )
        raise BadValue(
            zh=zh,
            en=en,
            code="approval.validity_too_long",
            detail={"last_valid_day": limit.isoformat()},
        )
    if receiver_permit_until is not None and valid_to > receiver_permit_until:
        zh, en = _cite(
            f"跨省转移批准的有效期不得超过接受人危险废物经营许可证的有效期"
            f"（{receiver_permit_until.isoformat()}）",
            f"a cross-province approval may not run beyond the receiver's operating permit "
            f"({receiver_permit_until.isoformat()})",
        )
        raise BadValue(
            zh=zh,
            en=en,
            code="approval.beyond_receiver_permit",
            detail={"permit_valid_until": receiver_permit_until.isoformat()},
        )


def permit_until(permits: dict[str, Any]) -> dt.date | None:
    """Return the expiry of a receiver's operating permit (None when not recorded)."""
    until = (permits.get("operating") or {}).get("valid_until")
    return dt.date.fromisoformat(str(until)) if until else None


def check_receiver_qualifies(
    permits: dict[str, Any], waste_codes: set[str], day: dt.date, receiver_name: str
) -> None:
    """Refuse when the receiver no longer qualifies for the approved kinds on ``day``: no
    operating permit, an expired one, or one that does not list a code (第二十一–二十八条)."""
    op = permits.get("operating") or {}
    until = permit_until(permits)
    missing = sorted(waste_codes - {str(c) for c in op.get("codes", [])})
    if op and (until is None or until >= day) and not missing:
        return
    why_zh = (
        "没有有效的危险废物经营许可证"
        if not op or (until and until < day)
        else (f"的经营许可证不含 {', '.join(missing)}")
    )
    zh, en = _cite(
        f"接受人「{receiver_name}」{why_zh}，不再具备相应资质" + REAPPLY_ZH,
        f"the receiver {receiver_name} no longer qualifies (operating permit missing, expired "
        f"or not covering the waste)" + REAPPLY_EN,
    )
    raise Conflict(zh=zh, en=en, code="approval.receiver_unqualified", detail={"codes": missing})


@dataclass(frozen=True)
class Approval:
    """One approval as the cover rule sees it (weights in grams)."""

    id: int
    number: str
    receiver_id: int
    method: str
    valid_from: dt.date
    valid_to: dt.date
    approved_g: dict[str, int]
    used_g: dict[str, int] = field(default_factory=dict)

    def remaining_g(self, waste_code: str) -> int:
        """Grams of ``waste_code`` still allowed under this approval (0 when not approved)."""
        return max(0, self.approved_g.get(waste_code, 0) - self.used_g.get(waste_code, 0))

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True)
class Transfer:
    """What a cross-province booking or manifest asks for."""

    receiver_id: int
    receiver_name: str
    method: str
    wanted_g: dict[str, int]
    day: dt.date


def _refuse(code: str, zh: str, en: str, detail: dict[str, Any]) -> Conflict:
    zh, en = _cite(zh + REAPPLY_ZH, en + REAPPLY_EN)
    return Conflict(zh=zh, en=en, code=code, detail=detail)


def choose(approvals: list[Approval], t: Transfer) -> Approval:
    """Return the approval a cross-province transfer is counted against, or refuse it.

    Narrowed step by step, so the refusal names what changed: no approval at all
    (``approval.missing``), none valid on the day (``approval.not_valid``), none for this
    receiver (``approval.receiver_changed``), none for this method (``approval.method_changed``),
    none approving every waste code (``approval.kinds_changed``), none with enough weight left
    (``approval.weight_exceeded``). Among those that fit, the one that ends first is used."""
    detail: dict[str, Any] = {"day": t.day.isoformat()}
    if not approvals:
        zh, en = _cite(
            f"接受人「{t.receiver_name}」在外省，跨省转移危险废物须经移出地省级生态环境主管部门"
            "批准，尚未登记批准文件",
            f"the receiver {t.receiver_name} is in another province: a cross-province transfer "
            "needs the approval of the dispatching province's authority, and none is recorded",
        )
        raise Conflict(zh=zh, en=en, code="approval.missing", detail=detail)
    fit = [a for a in approvals if a.valid_on(t.day)]
    if not fit:
        raise _refuse(
            "approval.not_valid",
            f"{t.day.isoformat()} 不在任何跨省转移批准的有效期内",
            f"no cross-province approval is valid on {t.day.isoformat()}",
            detail,
        )
    fit = [a for a in fit if a.receiver_id == t.receiver_id]
    if not fit:
        raise _refuse(
            "approval.receiver_changed",
            f"有效的跨省转移批准未批准向「{t.receiver_name}」转移（接受人发生变更）",
            f"no valid approval names the receiver {t.receiver_name} (the receiver changed)",
            detail,
        )
    fit = [a for a in fit if a.method == t.method]
    if not fit:
        raise _refuse(
            "approval.method_changed",
            f"有效的跨省转移批准不含利用处置方式 {t.method}（利用处置方式发生变化）",
            f"no valid approval allows the method {t.method} (the method changed)",
            {**detail, "method": t.method},
        )
    codes = set(t.wanted_g)
    covering = [a for a in fit if codes <= set(a.approved_g)]
    if not covering:
        outside = sorted(codes - set().union(*(set(a.approved_g) for a in fit)) or codes)
        raise _refuse(
            "approval.kinds_changed",
            f"跨省转移批准未批准废物代码 {', '.join(outside)}（转移的危险废物种类发生变化）",
            f"the approval does not approve {', '.join(outside)} (the kinds changed)",
            {**detail, "codes": outside},
        )
    enough = [a for a in covering if all(a.remaining_g(c) >= g for c, g in t.wanted_g.items())]
    if not enough:
        best = max(covering, key=lambda a: sum(a.remaining_g(c) for c in codes))
        short = sorted(c for c in codes if best.remaining_g(c) < t.wanted_g[c])
        c = short[0]
        raise _refuse(
            "approval.weight_exceeded",
            f"废物代码 {c} 累计转移重量将超过批准重量（剩余 {g_to_kg(best.remaining_g(c))} 千克，"
            f"本次 {g_to_kg(t.wanted_g[c])} 千克）",
            f"the cumulative weight of {c} would exceed the approved weight "
            f"({g_to_kg(best.remaining_g(c))} kg left, {g_to_kg(t.wanted_g[c])} kg now)",
            {
                **detail,
                "waste_code": c,
                "remaining_kg": g_to_kg(best.remaining_g(c)),
                "requested_kg": g_to_kg(t.wanted_g[c]),
            },
        )
    return min(enough, key=lambda a: (a.valid_to, a.id))
