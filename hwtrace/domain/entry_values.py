"""Values of ledger entries in words (``domain/entries.py`` labels them): the mappings an
entry carries (a discrepancy's facts, the weight rule's verdict, permits, outcomes, a room, what
loading was checked against, a paper manifest) and the named values (a discrepancy's kind, a
receiver's decision, the article cited) in Chinese or English."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from hwtrace.domain import paper_manifests, receipts
from hwtrace.domain.warnings import outlier_messages


def short(value: Any) -> str:
    """A value in a few words: a change as old→new, a coded name, a list cut at ten."""
    if isinstance(value, Mapping):
        if "old" in value and "new" in value:
            return f"{value['old']}→{value['new']}"
        if "code" in value and "name" in value:
            return f"{value['code']} {value['name']}"
        if "name" in value:
            return str(value["name"])
        return ", ".join(f"{k}={short(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(short(v) for v in value[:10]) + ("…" if len(value) > 10 else "")
    return "" if value is None else str(value)


OUTCOME = {
    "PENDING": ("待装车", "not yet loaded"),
    "LOADED": ("已装车", "loaded"),
    "NOT_LOADED": ("未装车", "not loaded"),
    "ACCEPTED": ("接收", "accepted"),
    "PARTIAL": ("部分拒收", "partly rejected"),
    "REJECTED": ("拒收", "rejected"),
    "MISSING": ("未到", "missing"),
}

DISCREPANCY = {
    "weight": ("重量差异", "weight difference"),
    "mismatch": ("货单不符", "not as declared"),
    "missing_at_loading": ("装车缺件", "missing at loading"),
    "missing_at_receipt": ("到货缺件", "missing at receipt"),
    "partial_rejection": ("部分拒收", "partly rejected"),
    "rejection": ("整批拒收", "rejected"),
}

# The articles entries cite, in English (the entry keeps the Chinese).
ARTICLES_EN = {
    receipts.ARTICLE_ZH: receipts.ARTICLE_EN,
    paper_manifests.ARTICLE_ZH: paper_manifests.ARTICLE_EN,
}
DECISIONS = {d.value: (receipts.DECISION_ZH[d], receipts.DECISION_EN[d]) for d in receipts.Decision}


def facts(value: Mapping[str, Any], en: bool) -> str | None:
    """A discrepancy's facts: the weights apart, or what was rejected and why."""
    if "difference_pct" in value:
        sent, got = value.get("dispatched_kg"), value.get("received_kg")
        pct, tol = value.get("difference_pct"), value.get("tolerance_pct")
        if en:
            return f"dispatched {sent} kg, received {got} kg, {pct} % off (tolerance {tol} %)"
        return f"发出 {sent} kg，接收 {got} kg，相差 {pct}%（允许 {tol}%）"
    if "rejected_kg" in value or "reason" in value:
        kg, why = value.get("rejected_kg"), short(value.get("reason"))
        if en:
            return (f"{kg} kg rejected" if kg else "rejected") + (f": {why}" if why else "")
        return (f"拒收 {kg} kg" if kg else "拒收") + (f"：{why}" if why else "")
    return None


def weight_check(value: Mapping[str, Any], en: bool) -> str | None:
    """The weight rule's verdict (``domain/warnings.py``), the same numbers in both languages."""
    rule = value.get("rule")
    if rule == "correction":
        zh, en_text = outlier_messages(int(value["new_g"]), dict(value))
        return en_text if en else zh
    if rule == "confirmed_at_receipt":
        return "confirmed by the receiver's scale" if en else "接收方称重已确认"
    if "median_g" not in value:
        return None
    median = f"{Decimal(value['median_g']) / 1000:.3f}"
    if rule == "multiple":
        ratio, history = value.get("ratio", ""), value.get("history", "")
        if en:
            return f"{ratio} times the median {median} kg of the last {history} batches"
        return f"为近 {history} 批中位数 {median} kg 的 {ratio} 倍"
    score = value.get("score", "")
    if en:
        return f"far from the recent median of {median} kg (score {score})"
    return f"与近期中位数 {median} kg 相差较大（得分 {score}）"


def permits(value: Mapping[str, Any], en: bool) -> str | None:
    """An enterprise's permits: the operating permit (number, waste codes, yearly capacity,
    validity) and the road transport permit."""
    parts = []
    op = value.get("operating")
    if isinstance(op, Mapping):
        number, codes = op.get("number", ""), short(op.get("codes") or [])
        cap, until = op.get("annual_capacity_t"), op.get("valid_until")
        if en:
            parts.append(
                f"operating permit {number}: {codes}"
                + (f", {cap} t a year" if cap else "")
                + (f", valid until {until}" if until else "")
            )
        else:
            parts.append(
                f"经营许可证 {number}：{codes}"
                + (f"，{cap} 吨/年" if cap else "")
                + (f"，有效期至 {until}" if until else "")
            )
    tr = value.get("transport")
    if isinstance(tr, Mapping):
        number, until = tr.get("number", ""), tr.get("valid_until")
        if en:
            parts.append(f"transport permit {number}" + (f", valid until {until}" if until else ""))
        else:
            parts.append(f"运输许可证 {number}" + (f"，有效期至 {until}" if until else ""))
    return ("; " if en else "；").join(parts) or None


def outcomes(value: Mapping[str, Any], en: bool) -> str | None:
    return ", ".join(f"{OUTCOME.get(k, (k, k))[1 if en else 0]} {v}" for k, v in value.items())


def room(value: Mapping[str, Any], en: bool) -> str | None:
    return None if "name" in value else f"#{value.get('id')}"


def loading_check(value: Mapping[str, Any], en: bool) -> str | None:
    """What loading was checked against (部令第23号 第十三条第三款)."""
    permit, cert = value.get("transport_permit", ""), value.get("vehicle_certificate", "")
    qual, qr = value.get("driver_qualification", ""), value.get("label") == "qr"
    if en:
        label = "the label's QR code" if qr else "the code"
        return (
            f"art. 13 para. 3: transport permit {permit}, road-transport certificate {cert}, "
            f"driver's qualification {qual}, {label} against the manifest line"
        )
    label = "标签二维码" if qr else "识别码"
    return (
        f"第十三条第三款：运输许可证 {permit}，道路运输证 {cert}，从业资格证 {qual}，"
        f"{label}与联单相符"
    )


def paper(value: Mapping[str, Any], en: bool) -> str | None:
    """An emergency paper manifest entered afterwards (部令第23号 第二十条)."""
    number, day, due = (
        value.get("number", ""),
        value.get("transferred_on", ""),
        value.get("deadline"),
    )
    late, why = value.get("late") is True, short(value.get("reason"))
    if en:
        return (
            f"paper manifest {number} of {day}, to be entered by {due}"
            + (" (entered late)" if late else "")
            + (f"; reason: {why}" if why else "")
        )
    return (
        f"纸质联单 {number}，转移日 {day}，应于 {due} 前补录"
        + ("（逾期补录）" if late else "")
        + (f"；原因：{why}" if why else "")
    )


MAPPING_WORDS: dict[str, Callable[[Mapping[str, Any], bool], str | None]] = {
    "facts": facts,
    "weight_check": weight_check,
    "outcomes": outcomes,
    "room": room,
    "permits": permits,
    "loading_check": loading_check,
    "paper": paper,
}


def named_value(key: str, value: Any, en: bool) -> str | None:
    """A value that stands for words: a yes/no flag, a discrepancy's kind, a receiver's
    decision, the article an entry cites (None: not one of these)."""
    if key == "late" and isinstance(value, bool):
        return ("yes" if value else "no") if en else ("是" if value else "否")
    if key == "kind" and value in DISCREPANCY:
        return DISCREPANCY[value][1 if en else 0]
    if key == "decision" and value in DECISIONS:
        return DECISIONS[value][1 if en else 0]
    if key == "article" and en and value in ARTICLES_EN:
        return ARTICLES_EN[value]
    return None
