"""Operator messages in Simplified Chinese (default) and English (``--lang en``)."""

from __future__ import annotations

from typing import Any

ACTIONS_ZH = {
    "register": "登记",
    "label": "贴标",
    "store": "入库",
    "unstore": "出库",
    "load": "装车",
    "receive": "接收",
    "reject": "拒收",
    "utilize": "利用",
    "dispose": "处置",
    "void": "作废",
    "reprint": "补打标签",
}

MESSAGES: dict[str, tuple[str, str]] = {
    "queued": ("已保存待同步：{action} {code}", "queued: {action} {code}"),
    "synced": ("✓ {action} {code} → {status}", "✓ {action} {code} → {status}"),
    "refused": ("✗ {action} {code} 被拒绝：{message}", "✗ {action} {code} refused: {message}"),
    "misread": (
        "✗ 识别码无效，未保存：{message}（{scanned}）",
        "✗ invalid code, not queued: {message} ({scanned})",
    ),
    "duplicate_queued": (
        "重复扫描，已在队列中：{action} {code}",
        "duplicate scan, already queued: {action} {code}",
    ),
    "duplicate_done": (
        "重复扫描，刚刚已同步：{action} {code}",
        "duplicate scan, just synced: {action} {code}",
    ),
    "offline_kept": (
        "离线：已保存 {n} 条，联网后同步（{error}）",
        "offline: {n} item(s) kept for the next sync ({error})",
    ),
    "server_busy": (
        "服务器暂时不可用：已保存 {n} 条，稍后同步（{error}）",
        "server unavailable: {n} item(s) kept ({error})",
    ),
    "auth_blocked": (
        "用户 {users} 的令牌已失效，请重新登录；其操作保留在队列中",
        "the token of {users} is no longer valid: log in again; their items stay queued",
    ),
    "sync_summary": (
        "同步完成：成功 {done}（重放 {replayed}），拒绝 {refused}，剩余 {left}，{rate:.0f} 条/秒",
        "sync: {done} done ({replayed} replayed), {refused} refused, {left} left, {rate:.0f}/s",
    ),
    "sync_nothing": ("没有待同步的操作", "nothing to sync"),
    "sync_label": ("同步", "sync"),
    "not_logged_in": (
        "尚未登录：请先执行 hwtrace-pda login",
        "not logged in: run hwtrace-pda login first",
    ),
    "no_server": ("未配置服务器地址：请用 --server 指定", "no server configured: give --server"),
    "logged_in": (
        "已登录：{username}（{role}，{enterprise}），设备令牌已保存",
        "logged in: {username} ({role}, {enterprise}); device token stored",
    ),
    "login_failed": ("登录失败：{message}", "login failed: {message}"),
    "other_server": (
        "本机还有 {n} 条操作待同步到 {server}：请先同步再登录其他服务器",
        "{n} action(s) still wait to sync to {server}: sync before logging in elsewhere",
    ),
    "logout_queued": (
        "{username} 还有 {n} 条操作待同步：请先同步（或用 --force）",
        "{n} action(s) of {username} wait to sync: sync first (or --force)",
    ),
    "logged_out": ("已退出登录：{username}", "logged out: {username}"),
    "refreshed": (
        "已更新本地资料：废物档案 {profiles}，库房 {rooms}，单位 {enterprises}",
        "reference data cached: {profiles} profiles, {rooms} rooms, {enterprises} enterprises",
    ),
    "reserved": (
        "已预留识别码 {n} 个（档案 {profile}，日期 {day}）",
        "reserved {n} codes (profile {profile}, date {day})",
    ),
    "no_reserved": (
        "档案 {profile} 在 {day} 没有可用的预留识别码：请联网后执行 hwtrace-pda reserve",
        "no reserved code left for profile {profile} on {day}: "
        "reserve codes while online (hwtrace-pda reserve)",
    ),
    "unknown_profile": (
        "本地没有废物档案 {profile}：请联网执行 hwtrace-pda refresh",
        "waste profile {profile} is not cached: run hwtrace-pda refresh while online",
    ),
    "registered": (
        "已登记 {code}（{name}，{weight} kg）",
        "registered {code} ({name}, {weight} kg)",
    ),
    "printed": ("标签已打印：{code}（{fmt}，{source}）", "label printed: {code} ({fmt}, {source})"),
    "print_failed": (
        "标签打印失败：{message}；批次保持“已登记”，可用 hwtrace-pda print {code} 重打",
        "printing failed: {message}; the batch stays registered, "
        "print again with hwtrace-pda print {code}",
    ),
    "no_printer": (
        "未配置打印机：用 --printer 或 hwtrace-pda config --printer 指定",
        "no printer: give --printer or set it with hwtrace-pda config --printer",
    ),
    "cannot_render": (
        "无法生成 {code} 的标签：本机没有该批次的登记资料且无法连接服务器",
        "cannot make the label of {code}: "
        "not registered on this handheld and the server is unreachable",
    ),
    "reprint_reason": (
        "该标签已打印过，补打须用 --reason 说明原因",
        "this label was printed before: a reprint needs --reason",
    ),
    "scanner_unavailable": ("扫码枪不可用（{error}）", "the scanner is unavailable ({error})"),
    "scanner_ready": ("扫码枪就绪：{device}（请扫码）", "scanner ready on {device} (scan now)"),
    "new_batch": ("新批次", "the new batch"),
    "scale_wait": (
        "请将 {code} 放上电子秤，等待稳定读数…",
        "put {code} on the scale, waiting for a stable weight...",
    ),
    "scale_read": ("称重：{weight} kg（{fmt}，稳定）", "weighed: {weight} kg ({fmt}, stable)"),
    "scale_error": (
        "✗ 称重失败，未保存 {code}：{message}",
        "✗ weighing failed, {code} not queued: {message}",
    ),
    "missing_param": ("{action} 需要参数 {params}", "{action} needs {params}"),
    "volume_required": (
        "{code}：需要容器容积才能确定标签尺寸（HJ 1276-2022），请加 --volume 升数",
        "{code}: the label size depends on the container volume (HJ 1276-2022): give "
        "--volume in litres",
    ),
    "unknown_room": (
        "库房 {room} 不在本单位的库房列表中",
        "room {room} is not one of your enterprise's rooms",
    ),
    "unknown_enterprise": ("单位 {id} 不是{kind}", "enterprise {id} is not a {kind}"),
    "status_title": (
        "待同步 {queued} 条，已拒绝 {refused} 条，已完成 {done} 条",
        "{queued} waiting to sync, {refused} refused, {done} done",
    ),
    "status_user": (
        "当前用户：{username}（{enterprise}）  服务器：{server}",
        "user: {username} ({enterprise})  server: {server}",
    ),
    "status_codes": (
        "预留识别码：档案 {profile} / {day}：剩余 {n} 个",
        "reserved codes: profile {profile} / {day}: {n} left",
    ),
    "status_refused_title": (
        "被服务器拒绝的操作（请处理后用 refused --retry 或 --dismiss）：",
        "refused by the server (fix, then refused --retry or --dismiss):",
    ),
    "status_refused_item": (
        "  #{id} {action} {code}：{message}",
        "  #{id} {action} {code}: {message}",
    ),
    "status_queued_title": ("等待同步：", "waiting to sync:"),
    "status_queued_item": (
        "  #{id} {created} {action} {code}（{user}）{error}",
        "  #{id} {created} {action} {code} ({user}) {error}",
    ),
    "requeued": ("#{id} 已重新排队", "#{id} queued again"),
    "dismissed": ("已确认 {n} 条被拒绝的操作", "{n} refused item(s) acknowledged"),
    "nothing_found": ("没有这一条：#{id}", "no such item: #{id}"),
    "weight_invalid": ("✗ 重量无效：{message}", "✗ invalid weight: {message}"),
    "offline_mode": ("离线模式：只保存到本机", "offline mode: saving on this handheld only"),
    "menu_title": ("== hwtrace 危废扫码终端 ==", "== hwtrace hazardous-waste PDA =="),
    "menu": (
        "1 登录  2 登记并打印  3 扫码入库  4 扫码出库  5 装车  6 接收\n"
        "7 作废  8 同步  9 待同步状态  10 更新资料  11 预留识别码  0 退出",
        "1 log in  2 register+print  3 scan in  4 scan out  5 load  6 receive\n"
        "7 void  8 sync  9 sync status  10 refresh data  11 reserve codes  0 quit",
    ),
    "choose": ("请选择：", "choose: "),
    "scan_prompt": ("请扫码（空行结束）：", "scan (empty line to finish): "),
    "ask_server": ("服务器地址：", "server URL: "),
    "ask_username": ("用户名：", "username: "),
    "ask_password": ("密码：", "password: "),
    "ask_profile": (
        "废物档案（编号、名称或废物代码）：",
        "waste profile (number, name or waste code): ",
    ),
    "ask_weight": ("重量 kg（回车读取电子秤）：", "weight kg (Enter = read the scale): "),
    "ask_weight_plain": ("重量 kg：", "weight kg: "),
    "ask_packages": ("包装数量 [1]：", "number of packages [1]: "),
    "ask_volume": (
        "容器容积 L（决定标签尺寸：≤50 L 100 mm，≤450 L 150 mm，更大 200 mm）：",
        "container volume in litres (sets the label size: up to 50 L 100 mm, up to 450 L "
        "150 mm, more 200 mm): ",
    ),
    "ask_room": ("库房（编号或名称）：", "room (number or name): "),
    "ask_transporter": ("运输单位（编号或名称）：", "transporter (number or name): "),
    "ask_receiver": ("接受单位（编号或名称）：", "receiver (number or name): "),
    "ask_reason": ("原因：", "reason: "),
    "ask_count": ("预留数量 [20]：", "how many codes [20]: "),
    "bad_choice": ("无效的选择", "invalid choice"),
    "ref_profiles": ("废物档案", "waste profile"),
    "ref_rooms": ("库房", "room"),
    "ref_enterprises": ("单位", "enterprise"),
    "ref_manifests": ("联单", "manifest"),
    "unknown_ref": (
        "没有名为「{text}」的{what}（hwtrace-pda refresh 更新列表）",
        "no {what} named '{text}' (hwtrace-pda refresh updates the lists)",
    ),
    "ambiguous_ref": (
        "「{text}」对应多个{what}：{names}；请写全名或编号",
        "'{text}' names several: {names}; give the full name or the number of the {what}",
    ),
    "nothing_cached": (
        "没有{what}（先登录或执行 hwtrace-pda refresh）",
        "no {what} known here (log in or run hwtrace-pda refresh)",
    ),
    "no_label_key": (
        "不知道园区的验证公钥：请联网登录或 refresh，或用 --key / config --label-key 给出",
        "the park's verifier key is not known: log in or refresh online, or give --key "
        "or config --label-key",
    ),
    "label_genuine": ("✓ {code} 真实标签：{message}", "✓ {code} genuine label: {message}"),
    "label_unproven": ("? {code} {message}", "? {code} {message}"),
    "label_bare": (
        "? {code} 只读到识别码（条形码），无签名可验证：请扫描二维码",
        "? {code} only the code was read (barcode), no signature to check: scan the QR code",
    ),
    "label_refused": (
        "✗ 标签不可信：{message}（{code}）",
        "✗ label not genuine: {message} ({code})",
    ),
    "bye": ("再见", "bye"),
}


class Messages:
    """Look up an operator message in the chosen language."""

    def __init__(self, lang: str = "zh") -> None:
        self.lang = "en" if lang.lower().startswith("en") else "zh"

    def __call__(self, key: str, **kw: Any) -> str:
        zh, en = MESSAGES[key]
        return (en if self.lang == "en" else zh).format(**kw)

    def action(self, action: str) -> str:
        """An action's name."""
        return action if self.lang == "en" else ACTIONS_ZH.get(action, action)

    def server(self, zh: str | None, en: str | None) -> str:
        """A server message: Chinese, with the English after it in ``--lang en``."""
        if self.lang == "en":
            return f"{en} / {zh}" if en and zh and en != zh else (en or zh or "")
        return zh or en or ""
