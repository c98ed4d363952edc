"""English forms of the page strings of the later features: the working-day calendar, trips,
room monitoring, cases and the to-do inbox, park notices, the handbook and the yearly
management plan (the core pages' are in ``i18n.py``)."""

from __future__ import annotations

FEATURES: dict[str, str] = {
    # The working-day calendar (部令第23号 第十八条, 第二十条).
    "工作日历": "Working-day calendar",
    (
        "转移联单的期限按工作日计算：接收确认 5 个工作日（第十八条），"
        "紧急纸质联单补录 10 个工作日（第二十条）。"
        "未列出的日期按星期计：周一至周五上班，周六、周日休息。"
    ): (
        "Manifest deadlines are counted in working days: receipt confirmed within 5 (art. 18),"
        " an emergency paper manifest entered within 10 (art. 20). Days not listed follow the"
        " week: Monday to Friday work, Saturday and Sunday off."
    ),
    "园区导入或修改": "imported or edited by the park",
    "未载入本年安排，只按周末计算": "no arrangement loaded for this year: weekends only",
    "日期": "Date",
    "星期": "Weekday",
    "来源": "Source",
    "放假": "Holiday",
    "调休上班": "Make-up working day",
    "移除": "Remove",
    "设置一天": "Set a day",
    "导入日历文件": "Import a calendar file",
    (
        "CSV 文件，表头 date,kind,name,source；kind 为 holiday（放假）或 workday（调休上班）。"
        "文件中每个年份的安排整体替换。"
    ): (
        "A CSV file with the header date,kind,name,source; kind is holiday or workday. Each"
        " year in the file replaces that year's arrangement."
    ),
    "文件": "File",
    "如：国务院办公厅通知": "e.g. the State Council's notice",
    "导入": "Import",
    # Trips (部令第23号 第十六条).
    "车次": "Trips",
    "今日车次": "Today's trips",
    "张联单": "manifest(s)",
    "个移出人": "shipper(s)",
    "今日没有车次": "No trips today",
    "每种废物一张联单": "One manifest per kind of waste",
    "不勾选：所选各种废物同一张联单（第十六条，由移出人选择）": (
        "Unticked: all the kinds ticked go on one manifest (art. 16: the shipper chooses)"
    ),
    (
        "一辆车一天为一个车次。每个移出人各自填写联单；"
        "多种废物可一张联单，也可每种一张（第十六条）。"
    ): (
        "A trip is one vehicle on one day. Each shipper fills in its own manifests; several kinds"
        " of waste may share one manifest or have one each (art. 16)."
    ),
    # room monitoring
    "库房监测": "Room monitoring",
    "当前报警": "Current alarms",
    "无报警": "No alarm",
    "案件": "Case",
    "最近 24 小时（5 分钟均值、最低、最高）": "Last 24 hours (5-minute mean, min, max)",
    "最近 7 天（小时均值、最低、最高）": "Last 7 days (hourly mean, min, max)",
    "传感器": "Sensors",
    "监测编码": "Monitoring code",
    "未设置": "not set",
    "最新值": "Latest value",
    "时间": "Time",
    "报警记录": "Alarm history",
    "报警": "Alarm",
    "发生": "Raised",
    "解除": "Cleared",
    "门禁与电源记录": "Door, card and power log",
    "温度": "Temperature",
    "湿度": "Humidity",
    "电源": "Power",
    "门": "Door",
    "门禁": "Card reader",
    # cases and the to-do inbox
    "待办": "To do",
    "期限": "Due",
    "暂无待办": "Nothing to do",
    "预约": "Booking",
    "通知": "Notice",
    "已督办": "escalated",
    "预警状态": "Warning",
    "已消除": "gone",
    "仍须处置并经园区核查办结": "still to be handled and verified by the park",
    "每个预警自动立案；巡检每分钟运行一次，也可立即运行。": (
        "Every warning opens a case; the sweep runs every minute, or now."
    ),
    "立即巡检": "Sweep now",
    "办结用时（小时）": "Took (hours)",
    # what reaches me: e-mail choices, webhooks and their delivery log
    "通知设置": "Notifications",
    "电子邮件": "E-mail",
    "待办列表显示所有事项；这里选择哪些事件另发电子邮件给您。": (
        "The to-do list shows everything; choose here which events are also e-mailed to you."
    ),
    "邮箱地址": "E-mail address",
    "发送这些事件": "Send these events",
    "网络钩子": "Webhook",
    "事件": "Events",
    "已停用（连续投递失败）": "disabled (failed again and again)",
    "尝试次数": "Tries",
    "错误": "Error",
    "重新投递": "Send again",
    "事由": "About",
    "处置单位": "Assigned to",
    "立案时间": "Opened",
    "处置期限": "Due by",
    "处置说明": "What was done",
    "证据": "Evidence",
    "提交处置": "Record the handling",
    "证据（照片或文件）": "Evidence (a photo or a file)",
    "核查": "Verification",
    "核查意见": "Verifier's note",
    "核查通过并办结": "Verified: close the case",
    "退回": "Send back",
    "返回待办": "Back to the to-do list",
    "各单位案件": "Cases per enterprise",
    "未办结": "Open",
    "超期": "Overdue",
    "平均办结用时（小时）": "Mean time to close (hours)",
    "待核查": "To verify",
    "待派发": "To assign",
    "待处置": "To handle",
    # park notices
    "园区通知": "Park notices",
    "发布": "Publish",
    "发布时间": "Published",
    "发布通知": "Publish a notice",
    "台账序号": "Ledger entry",
    "家单位已确认": "enterprises acknowledged",
    "最多": "at most",
    "未确认": "Not acknowledged",
    "未确认的园区通知": "park notices not yet acknowledged",
    "标题": "Title",
    "正文": "Text",
    "确认人": "Acknowledged by",
    "确认已阅": "Acknowledge (read)",
    "确认情况": "Acknowledgements",
    "确认时间": "Acknowledged at",
    "通知对象": "Addressed to",
    "附件": "Attachments",
    # the handbook
    "环保手册": "Handbook",
    "企业危废环保手册": "Enterprise hazardous-waste handbook",
    "hwtrace 执行的管理规则": "The rules hwtrace enforces",
    "代码、名称、行业、类别或日常用语": "Code, name, industry, category or everyday word",
    "依据": "Rule",
    "出处": "Source",
    "危险废物豁免管理清单": "Hazardous-waste exemption list",
    "名录检索": "Catalogue search",
    "如 废矿物油、实验室废液、废活性炭、900-041": (
        "e.g. 废矿物油 (waste mineral oil), 实验室废液 (lab waste liquid), 废活性炭, 900-041"
    ),
    "废物、代码或条件，如 900-041-49": "Waste, code or condition, e.g. 900-041-49",
    "待核": "to confirm",
    "所列废物仅在所列环节、满足所列条件时豁免相应管理要求；不满足条件时仍按危险废物管理。": (
        "A listed waste is exempt only in the stage listed and only while the condition listed"
        " is met; otherwise it is managed as hazardous waste."
    ),
    "日常用语按 hwtrace 同义词表对应到名录代码，仅供查找，以名录原文为准。": (
        "Everyday words are mapped to catalogue codes by hwtrace's synonym table, to help"
        " finding; the catalogue's own text decides."
    ),
    "有豁免条件": "Exemptions apply",
    "每条规则注明出处；“待核”表示条款尚未与原文核对。预警均链接到其依据的规则。": (
        'Each rule names its source (standard or regulation and clause); "to confirm" marks'
        " a clause not yet checked against the text. Every warning links to the rule it enforces."
    ),
    "管理规则": "Rules",
    "豁免": "Exemptions",
    "豁免内容": "What is exempt",
    "豁免条件": "Condition",
    "豁免清单": "Exemption list",
    "豁免环节": "Exempt stage",
    # the yearly management plan
    "保存草稿": "Save draft",
    "审核并确认": "Review and confirm",
    "已确认版本": "Confirmed versions",
    "年度危险废物管理计划": "hazardous-waste management plan",
    "年度管理计划": "Yearly management plan",
    "查看": "Show",
    "根据上一年度台账预填的草稿（尚未保存）": (
        "Draft prefilled from the ledger of the year (not saved yet)"
    ),
    "确认更正（新版本）": "Confirm the correction (new version)",
    "确认管理计划": "Confirm the plan",
    "空行不保存；每表下方的空行用于添加。": (
        "Empty rows are not saved; use the empty rows under each table to add to it."
    ),
    "管理计划": "Management plan",
    "草稿已保存": "Draft saved",
    "表": "Table",
    "计划年度": "Plan year",
    "附录 A": "appendix A",
    # a mismatch at receipt (部令第23号 第十八条第二款)
    "与联单不符": "Not as declared",
    "实测量（千克）": "Measured (kg)",
    "实际情况": "What was found",
    "已说明": "explained",
    "待决定": "to decide",
    "报告 PDF": "Report PDF",
    "接受人已告知移出人；依据《危险废物转移管理办法》第十八条第二款": (
        "The producer has been told by the receiver (Measures for the Administration of"
        " Hazardous Waste Transfer, art. 18 para. 2)"
    ),
    "接收决定": "Receipt decision",
    "接收决定与报告": "Decisions and report",
    "接收时间": "Received at",
    "接收核对不符": "Not as declared at receipt",
    "本联单接收时未发现与联单不符的情况": "Nothing on this manifest was found not as declared",
    "核对不符": "Found",
    "核对不符的批次": "Batches not as declared",
    "理由": "Reason",
    "联单申报量（千克）": "Declared (kg)",
    "记录决定": "Record the decision",
    "按联单接收": "accepted as declared",
    "按实测量接收": "accepted with the measured quantity",
    "拒收退回": "refused and returned",
    "未到货": "did not arrive",
    "接收差异": "Receipt mismatch",
    "《危险废物转移管理办法》第十八条第二款": (
        "Measures for the Administration of Hazardous Waste Transfer, art. 18 para. 2"
    ),
    # emergency paper manifests (部令第23号 第二十条)
    "《危险废物转移管理办法》第二十条": (
        "Measures for the Administration of Hazardous Waste Transfer, art. 20"
    ),
    "使用纸质联单的原因": "Why it ran on paper",
    (
        "因特殊原因使用纸质转移联单的，应在转移后 10 个工作日内补录电子联单"
        "（《危险废物转移管理办法》第二十条）；逾期补录照常接受，并产生预警。"
    ): (
        "A transfer that ran on a paper manifest for special reasons is entered within 10"
        " working days after the transfer (art. 20); a later entry is accepted with a warning."
    ),
    "扫描件": "Scan",
    "没有在库批次": "No batch in storage",
    "电子联单": "Electronic manifest",
    "纸质联单": "Paper manifest",
    "纸质联单扫描件": "Scan of the paper manifest",
    "纸质联单编号": "Paper manifest number",
    "纸质联单补录": "Paper manifests",
    "补录": "Enter",
    "补录时间": "Entered at",
    "补录期限": "Due by",
    "补录纸质联单": "Enter a paper manifest",
    "车牌号": "Vehicle plate",
    "转移日期": "Transfer day",
    "运输单位与驾驶员": "Transporter and driver",
    "逾期补录": "entered late",
    "随车转移的批次": "Batches carried",
    "驾驶员从业资格证号": "Driver's qualification number",
    "（紧急情况下使用纸质联单的，转移后 10 个工作日内补录；第二十条）": (
        "(a transfer made on paper in an emergency: enter it within 10 working days; art. 20)"
    ),
    # Cross-province transfer approvals (部令第23号 第二十一–二十八条).
    "跨省转移审批": "Cross-province approvals",
    "跨省转移批准": "Cross-province approval",
    (
        "接受人在外省的转移，须有移出地省级生态环境主管部门的批准：在有效期内，接受人、"
        "利用处置方式一致，废物种类已批准且累计重量不超过批准重量，接受人仍具备相应经营许可资质；"
        "否则须重新申请（《危险废物转移管理办法》第二十一至二十八条）。"
    ): (
        "A transfer to a receiver in another province needs the approval of the dispatching"
        " province's environment authority: valid on the day, for this receiver and method, the"
        " kinds approved and the cumulative weight within the approved weight, the receiver still"
        " qualifying; otherwise a new application is needed (Measures for the Administration of"
        " Hazardous Waste Transfer, arts. 21-28)."
    ),
    "有效期最长": "Valid for at most",
    "个月，且不超过接受人经营许可证的有效期。": (
        "months, and never beyond the receiver's operating permit."
    ),
    "批准文号": "Approval no.",
    "批准机关": "Issuing authority",
    "批准 / 已用 / 剩余（吨）": "approved / used / left (t)",
    "批准文件": "Approval scan",
    "已撤回": "withdrawn",
    "有效": "valid",
    "不在有效期内": "not valid today",
    "未上传": "not uploaded",
    "撤回登记": "Withdraw",
    "登记跨省转移批准": "Enter a cross-province approval",
    "移出地省级生态环境主管部门": "the dispatching province's environment authority",
    "接受人（外省）": "Receiver (other province)",
    "批准重量（吨）": "Approved weight (t)",
    "可选": "optional",
    "外省，须跨省转移批准": "other province: needs a cross-province approval",
    "所在省份": "Province",
    "园区所在省份": "the park's province",
}
