"""A mismatch at receipt (《危险废物转移管理办法》第十八条第二款): when what arrives differs from
the manifest in name, quantity, hazard characteristics, form or packaging, the receiver (接受人)
informs the 移出人 promptly, decides whether to accept, and reports to the environment
authority of the receiving place. The receiver's check itself is 第十二条(一) (kinds, weight or
quantity, packaging and labels).

Plain rules, no database: which discrepancies are receipt mismatches, which aspects of a
batch a receiver may find different, the three decisions and what each accepts, and the rows
of the report to the authority.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from hwtrace.domain.errors import BadValue, Conflict
from hwtrace.domain.transport import DiscrepancyKind

ARTICLE_ZH = "《危险废物转移管理办法》第十八条第二款"
ARTICLE_EN = "Measures for the Administration of Hazardous Waste Transfer, art. 18 para. 2"
CHECK_ARTICLE_ZH = "《危险废物转移管理办法》第十二条（一）"


class Aspect(StrEnum):
    """What of a batch may differ from its manifest line (第十八条第二款), besides the quantity
    (the receiver's scale finds that: a ``weight`` discrepancy)."""

    NAME = "name"
    CHARACTERISTICS = "characteristics"
    FORM = "form"
    PACKAGING = "packaging"


ASPECT_ZH = {
    Aspect.NAME: "名称",
    Aspect.CHARACTERISTICS: "危险特性",
    Aspect.FORM: "形态",
    Aspect.PACKAGING: "包装方式",
}
ASPECT_EN = {
    Aspect.NAME: "name",
    Aspect.CHARACTERISTICS: "hazard characteristics",
    Aspect.FORM: "form",
    Aspect.PACKAGING: "packaging",
}

# The discrepancies a receipt opens: each one is a mismatch the 移出人 is told of at once.
RECEIPT_KINDS = frozenset(
    {
        DiscrepancyKind.WEIGHT,
        DiscrepancyKind.MISMATCH,
        DiscrepancyKind.PARTIAL_REJECTION,
        DiscrepancyKind.REJECTION,
        DiscrepancyKind.MISSING_AT_RECEIPT,
    }
)
# The ones that leave the receiver a batch in hand to decide about.
DECIDABLE_KINDS = frozenset(
    {DiscrepancyKind.WEIGHT, DiscrepancyKind.MISMATCH, DiscrepancyKind.PARTIAL_REJECTION}
)


class Decision(StrEnum):
    """The receiver's decision about a batch that did not match its manifest line."""

    ACCEPT = "accept"  # accepted as the manifest declares it
    ACCEPT_MEASURED = "accept_measured"  # accepted with the quantity the receiver measured
    REJECT_RETURN = "reject_return"  # refused and returned to the 移出人


DECISION_ZH = {
    Decision.ACCEPT: "按联单接收",
    Decision.ACCEPT_MEASURED: "按实测量接收",
    Decision.REJECT_RETURN: "拒收退回",
}
DECISION_EN = {
    Decision.ACCEPT: "accepted as declared",
    Decision.ACCEPT_MEASURED: "accepted with the measured quantity",
    Decision.REJECT_RETURN: "refused and returned",
}
MAX_REASON = 500


def check_aspects(values: Iterable[str], note: str) -> list[Aspect]:
    """Return the aspects found different, in a stable order; refuse an unknown one, or
    aspects without a note saying what was found."""
    try:
        found = {Aspect(v) for v in values}
    except ValueError:
        raise BadValue(
            zh="不符项应为名称、危险特性、形态或包装方式",
            en="a mismatch is of name, characteristics, form or packaging",
            code="receipt.aspect",
            detail={"allowed": [a.value for a in Aspect]},
        ) from None
    if found and not note.strip():
        raise BadValue(
            zh="请说明实际到货与联单不符之处",
            en="say what was found different from the manifest",
            code="receipt.aspect_note",
        )
    return [a for a in Aspect if a in found]


def check_decision(value: str, reason: str) -> tuple[Decision, str]:
    """Return the decision and its reason; refuse an unknown decision or a missing reason."""
    try:
        decision = Decision(value)
    except ValueError:
        raise BadValue(
            zh="决定应为按联单接收、按实测量接收或拒收退回",
            en="the decision is accept, accept_measured or reject_return",
            code="receipt.decision",
            detail={"allowed": [d.value for d in Decision]},
        ) from None
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise BadValue(
            zh=f"请填写决定的理由（不超过 {MAX_REASON} 字）",
            en=f"a reason is required (at most {MAX_REASON} characters)",
            code="receipt.reason",
        )
    return decision, why


def require_decidable(code: str, kinds: set[str], decided: bool, status: str) -> None:
    """Refuse a decision about a batch with no mismatch at receipt, decided already, or no
    longer in the receiver's hands as received (rejected, utilized or disposed of)."""
    if not kinds & {k.value for k in DECIDABLE_KINDS}:
        raise Conflict(
            zh=f"批次 {code} 接收时没有核对不符，无需决定",
            en=f"batch {code} had no mismatch at receipt",
            code="receipt.no_mismatch",
            detail={"code": code},
        )
    if decided:
        raise Conflict(
            zh=f"批次 {code} 已作出接收决定",
            en=f"batch {code} was decided already",
            code="receipt.decided",
            detail={"code": code},
        )
    if status != "RECEIVED":
        raise Conflict(
            zh=f"批次 {code} 已不在接收状态，不能再决定",
            en=f"batch {code} is no longer received (state {status})",
            code="receipt.not_received",
            detail={"code": code, "status": status},
        )


def accepted_g(decision: Decision, dispatched_g: int, received_g: int, rejected_g: int) -> int:
    """Return the grams a decision accepts: the declared quantity, the measured one (less what
    was rejected in part at the scale), or nothing."""
    if decision is Decision.ACCEPT:
        return dispatched_g
    if decision is Decision.ACCEPT_MEASURED:
        return received_g - rejected_g
    return 0
