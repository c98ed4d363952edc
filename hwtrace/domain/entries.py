"""The ledger's entry types in Chinese, and a one-line summary of an entry's payload for people
(the ledger table of the exports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwtrace.domain.lifecycle import BatchStatus, status_zh

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
    "personnel.authorize": "人员授权",
    "profile.create": "废物档案建立",
    "catalogue.import": "导入名录版本",
    "codes.reserve": "识别码预留",
    "warning.acknowledge": "预警确认",
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
}


_SKIP = frozenset({"prev", "from", "to", "scale_frame", "hazards", "lines", "profile_id"})


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        if "old" in value and "new" in value:
            return f"{value['old']}→{value['new']}"
        if "code" in value and "name" in value:
            return f"{value['code']} {value['name']}"
        if "name" in value:
            return str(value["name"])
        return ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_short(v) for v in value[:10]) + ("…" if len(value) > 10 else "")
    return "" if value is None else str(value)


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
        parts.append(f"{_PAYLOAD_ZH.get(key, key)}：{_short(value)}")
    if "lines" in payload and isinstance(payload["lines"], list):
        parts.append(f"批次数：{len(payload['lines'])}")
    text = "；".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(value: str) -> str:
    return status_zh(BatchStatus(value)) if value in BatchStatus.__members__ else value
