"""The ledger's entry types in Chinese, and a one-line summary of an entry's payload for people
(the ledger table of the exports)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hwtrace.domain import entry_values as V
from hwtrace.domain.declarations import CLASS_EN, CLASS_ZH, ManagementClass
from hwtrace.domain.lifecycle import BatchStatus, status_zh
from hwtrace.domain.vocabularies import method_name

ENTRY_TYPE_ZH = {
    "batch.register": "登记（产生）",
    "batch.label": "打印标签",
    "batch.store": "入库",
    "batch.unstore": "出库",
    "batch.load": "装车",
    "batch.receive": "接收",
    "batch.reject": "拒收",
    "batch.utilize": "利用",
    "batch.dispose": "处置",
    "batch.void": "作废",
    "batch.reprint": "补打标签",
    "batch.correct": "更正",
    "batch.decide": "接收决定（核对不符）",
    "booking.request": "转运预约",
    "booking.accept": "预约受理",
    "booking.decline": "预约拒绝",
    "booking.cancel": "预约取消",
    "booking.reschedule": "预约改期",
    "manifest.create": "联单生成（移出人确认）",
    "manifest.depart": "启运（承运人确认）",
    "manifest.confirm": "接收确认（接受人确认）",
    "manifest.complete": "联单办结",
    "manifest.cancel": "联单作废",
    "discrepancy.open": "差异登记",
    "discrepancy.resolve": "差异处理",
    "enterprise.register": "单位登记",
    "enterprise.update": "单位信息变更（许可证、所在省份）",
    "personnel.authorize": "人员授权",
    "profile.create": "废物档案建立",
    "catalogue.import": "导入名录版本",
    "codes.reserve": "识别码预留",
    "warning.acknowledge": "预警确认",
    "room.monitoring": "库房监测设置",
    "room.alarm": "库房报警",
    "room.alarm_clear": "库房报警解除",
    "case.open": "案件立案",
    "case.assign": "案件派发",
    "case.handle": "案件处置",
    "case.verify": "案件核查办结",
    "case.send_back": "案件退回",
    "case.escalate": "案件督办",
    "case.cleared": "案件所涉预警已消除",
    "case.recur": "案件所涉预警再次出现",
    "notice.publish": "发布园区通知",
    "notice.acknowledge": "确认园区通知",
    "plan.confirm": "确认年度管理计划",
    "token.create": "签发设备令牌",
    "token.revoke": "撤销令牌",
    "user.deactivate": "停用用户",
    "user.password_change": "修改密码",
    "user.password_reset": "重置密码",
    "user.totp_enable": "启用动态验证码",
    "user.totp_disable": "停用动态验证码",
    "user.recovery_code_use": "使用恢复码登录",
    "contract.propose": "合同登记",
    "contract.confirm": "合同确认（接受人）",
    "contract.refuse": "合同拒绝（接受人）",
    "contract.terminate": "合同终止",
    "approval.enter": "跨省转移批准登记",
    "approval.withdraw": "跨省转移批准撤回",
    "declaration.submit": "申报提交",
    "enterprise.management_class": "管理类别设定",
}


_PAYLOAD_ZH = {
    "weight_kg": "重量kg",
    "dispatched_kg": "发出kg",
    "rejected_kg": "拒收kg",
    "room": "库房",
    "manifest": "联单",
    "method": "方式",
    "reason": "原因",
    "note": "备注",
    "receiver": "接收单位",
    "transporter": "运输单位",
    "producer": "产生单位",
    "waste_code": "废物代码",
    "name": "名称",
    "package_count": "件数",
    "packaging": "包装",
    "booking": "预约",
    "vehicle_plate": "车牌",
    "loading_check": "装车核验",
    "planned_method": "拟利用处置方式",
    "changes": "更正",
    "corrects": "更正序号",
    "code": "识别码",
    "category": "类别",
    "form": "形态",
    "produced_on": "产生日期",
    "process": "产生工序",
    "remarks": "备注",
    "container_volume_l": "容器容积L",
    "weight_check": "重量核查",
    "kind": "类型",
    "uscc": "统一社会信用代码",
    "id": "编号",
    "main_components": "主要成分",
    "harmful_components": "有害成分",
    "granted": "授权档案",
    "revoked": "撤销授权",
    "user": "用户",
    "loaded": "已装车",
    "not_loaded": "未装车",
    "missing": "未到",
    "outcomes": "接收结果",
    "late": "逾期",
    "window_start": "预约开始",
    "window_end": "预约结束",
    "driver_licence": "驾驶员证号",
    "transport_permit": "运输许可证",
    "operating_permit": "经营许可证",
    "format": "格式",
    "number": "编号",
    "valid_from": "有效期起",
    "valid_to": "有效期至",
    "quantities_t": "年度数量（吨）",
    "document": "合同文件",
    "document_sha256": "文件摘要",
    "period": "申报期",
    "table": "报表",
    "version": "版本",
    "content_sha256": "内容摘要",
    "rows": "行数",
    "deadline": "截止日期",
    "permits": "许可证",
    "opened_seq": "登记序号",
    "receipt_due": "接收确认期限",
    "approval": "跨省转移批准",
    "authority": "批准机关",
    "receiver_province": "接受人所在省份",
    "province_code": "所在省份",
    "previous_permits": "原许可证",
    "previous_province_code": "原所在省份",
    "approved_t": "批准重量（吨）",
    "scan": "批准文件",
}


_SKIP = frozenset({"prev", "from", "to", "scale_frame", "hazards", "lines", "profile_id"})


def payload_summary(payload: Mapping[str, Any], limit: int = 300) -> str:
    """Return a one-line, human summary of an entry's payload (Chinese labels where known)."""
    parts: list[str] = []
    if "from" in payload and "to" in payload:
        parts.append(
            f"状态 {_status(payload['from'])}→{_status(payload['to'])}"
            if isinstance(payload["from"], str) and isinstance(payload["to"], str)
            else f"{payload['from']}→{payload['to']}"
        )
    for key, value in payload.items():
        if key in _SKIP or value in (None, "", [], {}):
            continue
        parts.append(f"{_PAYLOAD_ZH.get(key, key)}：{V.short(value)}")
    if "lines" in payload and isinstance(payload["lines"], list):
        parts.append(f"批次数：{len(payload['lines'])}")
    text = "；".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(value: str) -> str:
    return status_zh(BatchStatus(value)) if value in BatchStatus.__members__ else value


# -- entries in words, in either language (the batch page and the ledger pages) ----------------

ENTRY_TYPE_EN = {
    "batch.register": "Registered (generated)",
    "batch.label": "Label printed",
    "batch.store": "Stored",
    "batch.unstore": "Taken out of storage",
    "batch.load": "Loaded",
    "batch.receive": "Received",
    "batch.reject": "Rejected",
    "batch.decide": "Receipt decision (not as declared)",
    "batch.utilize": "Utilized",
    "batch.dispose": "Disposed of",
    "batch.void": "Voided",
    "batch.reprint": "Label reprinted",
    "batch.correct": "Corrected",
    "booking.request": "Pickup booked",
    "booking.accept": "Booking accepted",
    "booking.decline": "Booking declined",
    "booking.cancel": "Booking cancelled",
    "booking.reschedule": "Booking rescheduled",
    "manifest.create": "Manifest made (producer's confirmation)",
    "manifest.depart": "Departed (transporter's confirmation)",
    "manifest.confirm": "Receipt confirmed (receiver's confirmation)",
    "manifest.complete": "Manifest completed",
    "manifest.cancel": "Manifest voided",
    "discrepancy.open": "Discrepancy recorded",
    "discrepancy.resolve": "Discrepancy resolved",
    "enterprise.register": "Enterprise registered",
    "enterprise.update": "Enterprise record changed (permits, province)",
    "personnel.authorize": "Personnel authorization",
    "profile.create": "Waste profile created",
    "codes.reserve": "Codes reserved",
    "warning.acknowledge": "Warning acknowledged",
    "room.monitoring": "Room monitoring set",
    "room.alarm": "Room alarm raised",
    "room.alarm_clear": "Room alarm cleared",
    "case.open": "Case opened",
    "case.assign": "Case assigned",
    "case.handle": "Case handled",
    "case.verify": "Case verified and closed",
    "case.send_back": "Case sent back",
    "case.escalate": "Case escalated",
    "case.cleared": "Case's warning gone",
    "case.recur": "Case's warning back",
    "notice.publish": "Park notice published",
    "notice.acknowledge": "Park notice acknowledged",
    "plan.confirm": "Yearly management plan confirmed",
    "catalogue.import": "Catalogue edition imported",
    "token.create": "Device token issued",
    "token.revoke": "Token revoked",
    "user.deactivate": "User deactivated",
    "user.password_change": "Password changed",
    "user.password_reset": "Password reset",
    "user.totp_enable": "Second factor enabled",
    "user.totp_disable": "Second factor disabled",
    "user.recovery_code_use": "Recovery code used",
    "contract.propose": "Contract registered",
    "contract.confirm": "Contract confirmed (receiver)",
    "contract.refuse": "Contract refused (receiver)",
    "contract.terminate": "Contract terminated",
    "approval.enter": "Cross-province approval entered",
    "approval.withdraw": "Cross-province approval withdrawn",
    "declaration.submit": "Declaration submitted",
    "enterprise.management_class": "Management class set",
}

_PAYLOAD_EN = {
    "weight_kg": "weight",
    "dispatched_kg": "dispatched",
    "rejected_kg": "rejected",
    "total_kg": "total",
    "room": "room",
    "manifest": "manifest",
    "method": "method",
    "reason": "reason",
    "note": "note",
    "receiver": "receiver",
    "transporter": "transporter",
    "producer": "producer",
    "waste_code": "waste code",
    "name": "name",
    "package_count": "packages",
    "packaging": "packaging",
    "booking": "booking",
    "vehicle_plate": "vehicle",
    "loading_check": "checked at loading",
    "driver": "driver",
    "planned_method": "planned method",
    "changes": "changes",
    "corrects": "corrects entry",
    "code": "code",
    "codes": "batches",
    "category": "category",
    "form": "form",
    "produced_on": "production date",
    "process": "process",
    "remarks": "remarks",
    "container_volume_l": "container (L)",
    "weight_check": "weight check",
    "kind": "kind",
    "uscc": "USCC",
    "id": "id",
    "main_components": "main components",
    "harmful_components": "harmful components",
    "granted": "granted",
    "revoked": "revoked",
    "user": "user",
    "loaded": "loaded",
    "not_loaded": "not loaded",
    "missing": "missing",
    "released": "released",
    "outcomes": "outcomes",
    "late": "late",
    "window": "window",
    "old_window": "previous window",
    "driver_licence": "driver's licence",
    "transport_permit": "transport permit",
    "operating_permit": "operating permit",
    "format": "format",
    "edition": "catalogue edition",
    "discrepancy": "discrepancy no.",
    "facts": "difference",
    "catalogue_edition": "catalogue edition",
    "waste_description": "catalogue wording",
    "contracts": "contracts",
    "number": "number",
    "valid_from": "valid from",
    "valid_to": "valid to",
    "quantities_t": "yearly quantities (t)",
    "document": "document",
    "document_sha256": "document digest",
    "period": "period",
    "table": "table",
    "version": "version",
    "content_sha256": "content digest",
    "rows": "rows",
    "deadline": "deadline",
    "permits": "permits",
    "opened_seq": "recorded as entry",
    "receipt_due": "receipt due",
    "approval": "cross-province approval",
    "authority": "issuing authority",
    "receiver_province": "receiver's province",
    "province_code": "province",
    "previous_permits": "previous permits",
    "previous_province_code": "previous province",
    "approved_t": "approved weight (t)",
    "scan": "approval scan",
    "decision": "decision",
    "received_kg": "received",
    "accepted_kg": "accepted",
    "discrepancies": "discrepancies",
    "article": "under",
    "paper": "paper manifest",
}

_WORDS_ZH = {
    **_PAYLOAD_ZH,
    "weight_kg": "重量",
    "dispatched_kg": "发出重量",
    "rejected_kg": "拒收重量",
    "total_kg": "合计",
    "discrepancy": "差异编号",
    "facts": "差异",
    "catalogue_edition": "名录版本",
    "waste_description": "名录描述",
    "contracts": "合同",
    "codes": "批次",
    "driver": "驾驶员",
    "released": "释放批次",
    "window": "预约时段",
    "old_window": "原预约时段",
    "edition": "名录版本",
    "decision": "接收决定",
    "received_kg": "实收重量",
    "accepted_kg": "接收重量",
    "discrepancies": "差异编号",
    "article": "依据",
    "paper": "纸质联单",
}

_STATUS_EN = {
    "REGISTERED": "registered",
    "LABELLED": "labelled",
    "STORED": "stored",
    "AWAITING_PICKUP": "out of storage, awaiting pickup",
    "IN_TRANSIT": "in transit",
    "RECEIVED": "received",
    "REJECTED": "rejected",
    "UTILIZED": "utilized",
    "DISPOSED": "disposed of",
    "VOIDED": "voided",
}

# HJ 1259-2022 management classes (hwtrace/domain/declarations.py CLASS_ZH / CLASS_EN)
_CLASS_WORDS = {cls.value: (CLASS_ZH[cls], CLASS_EN[cls]) for cls in ManagementClass}

_WORD_SKIP = frozenset(
    {"prev", "from", "to", "to_zh", "scale_frame", "hazards", "lines", "profile_id", "out_of_order"}
)
_KG_KEYS = frozenset(
    {"weight_kg", "dispatched_kg", "rejected_kg", "total_kg", "received_kg", "accepted_kg"}
)
_PARTY_KEYS = frozenset({"producer", "transporter", "receiver"})


def entry_title(entry_type: str, lang: str) -> str:
    """Return the name of an entry type in ``lang`` (zh or en); never the raw key for a known
    type."""
    if lang == "en":
        return ENTRY_TYPE_EN.get(entry_type, entry_type)
    return ENTRY_TYPE_ZH.get(entry_type, entry_type)


def status_word(value: str, lang: str) -> str:
    """Return a batch status (or an enterprise's management class) in words."""
    if value in _CLASS_WORDS:
        return _CLASS_WORDS[value][1 if lang == "en" else 0]
    if lang == "en":
        return _STATUS_EN.get(value, value)
    return _status(value)


def _changes(value: Mapping[str, Any], en: bool) -> str | None:
    labels = _PAYLOAD_EN if en else _WORDS_ZH
    return ", ".join(f"{labels.get(k, k)} {V.short(v)}" for k, v in value.items())


_MAPPING_WORDS: dict[str, Callable[[Mapping[str, Any], bool], str | None]] = {
    **V.MAPPING_WORDS,
    "previous_permits": V.permits,
    "changes": _changes,
}


def _method(value: Any, lang: str) -> str:
    """A method as its code and its name in ``lang`` (the entry keeps the Chinese name)."""
    code = str(value.get("code", "")) if isinstance(value, Mapping) else str(value)
    name = method_name(code, lang)
    if not name and isinstance(value, Mapping):
        name = V.short(value.get("name"))
    return f"{code} {name}".strip()


def _word(
    key: str, value: Any, lang: str, names: Mapping[str, str], when: Callable[[str], str]
) -> str:
    en = lang == "en"
    if key in _KG_KEYS:
        return f"{value} kg"
    if key in _PARTY_KEYS and isinstance(value, str):
        return names.get(value, value)
    if key in ("window", "old_window") and isinstance(value, list) and len(value) == 2:
        return f"{when(str(value[0]))} – {when(str(value[1]))}"
    if isinstance(value, Mapping) and key in _MAPPING_WORDS:
        words = _MAPPING_WORDS[key](value, en)
        if words is not None:
            return words
    named = V.named_value(key, value, en)
    if named is not None:
        return named
    if key in ("method", "planned_method"):
        return _method(value, lang)
    if key in ("document", "scan") and isinstance(value, Mapping) and "sha256" in value:
        size, digest = value.get("bytes", "?"), str(value["sha256"])[:16]
        return f"{value.get('name', '')} ({size} B, SHA-256 {digest}…)"
    if key in ("quantities_t", "approved_t") and isinstance(value, Mapping):
        return ", ".join(f"{k} {v} t" for k, v in value.items())
    if key in ("booking", "approval") and isinstance(value, str) and value.startswith(key + "-"):
        return "#" + value.removeprefix(key + "-")
    return V.short(value)


def entry_words(
    payload: Mapping[str, Any],
    lang: str,
    names: Mapping[str, str] | None = None,
    when: Callable[[str], str] = str,
) -> list[tuple[str, str]]:
    """Return an entry's payload as (label, value) pairs in ``lang``, for people: statuses,
    weights with their unit, parties by name, times in the park's zone (``when``)."""
    en = lang == "en"
    labels = _PAYLOAD_EN if en else _WORDS_ZH
    out: list[tuple[str, str]] = []
    if isinstance(payload.get("from"), str) and isinstance(payload.get("to"), str):
        out.append(
            (
                "state" if en else "状态",
                f"{status_word(payload['from'], lang)} → {status_word(payload['to'], lang)}",
            )
        )
    for key, value in payload.items():
        if key in _WORD_SKIP or value in (None, "", [], {}):
            continue
        out.append((labels.get(key, key), _word(key, value, lang, names or {}, when)))
    if isinstance(payload.get("lines"), list):
        out.append(("batches" if en else "批次数", str(len(payload["lines"]))))
    return out


def outcome_word(value: str, lang: str) -> str:
    """Return a manifest line's outcome in words."""
    zh, en = V.OUTCOME.get(value, (value, value))
    return en if lang == "en" else zh
