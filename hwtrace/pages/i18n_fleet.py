"""English forms of the page strings of the transporters' vehicles and personnel and of the
checks at loading (《危险废物转移管理办法》第十三条第三款), of the park administrator's change
of an enterprise's permits or province, and of a webhook enabled again."""

from __future__ import annotations

FLEET: dict[str, str] = {
    "车辆与人员": "Vehicles and personnel",
    (
        "装车前核验承运人的车辆和人员：车辆须登记在用、道路运输证在有效期内且经营范围含危险货物"
        "运输，驾驶员须持有效的危险货物运输从业资格证，否则不得装车（《危险废物转移管理办法》"
        "第十三条第三款）。"
    ): (
        "Before loading, the carrier's vehicle and personnel are checked: the vehicle must be "
        "registered and in use, its road-transport certificate valid and covering dangerous "
        "goods, and the driver must hold a valid dangerous-goods qualification certificate; "
        "otherwise loading is refused (Hazardous Waste Transfer Measures, art. 13 para. 3)."
    ),
    "车辆": "Vehicles",
    "道路运输证号": "Road-transport certificate no.",
    "危险货物运输": "Dangerous goods",
    "经营范围含危险货物运输": "Certificate covers dangerous goods",
    "已过期": "Expired",
    "是": "Yes",
    "否": "No",
    "登记车辆": "Register a vehicle",
    "驾驶员与押运员": "Drivers and escorts",
    "岗位": "Role",
    "押运员": "Escort",
    "从业资格证号": "Qualification certificate no.",
    "登录账号": "Login",
    "登录账号（驾驶员装车用）": "Login (a driver loads with it)",
    "登记人员": "Register a driver or escort",
    "在用": "In use",
    # the park administrator's change of an enterprise's permits or province
    "变更单位信息": "Change an enterprise's record",
    "换发或延续的许可证、所在省份；变更记入台账，原值与原因一并保存。": (
        "A renewed or extended permit, or the province; the change goes into the ledger with "
        "the previous values and the reason."
    ),
    "变更原因": "Reason for the change",
    "保存变更": "Save the change",
    "变更许可证或所在省份": "Change the permits or the province",
    "重新启用": "Enable again",
}
