"""Every sentence inbound routing shows people, in English and Simplified Chinese.

A plain dict, merged into the one catalogue by bot/slack/messages.py (so `t` serves it and
tests/slack/test_messages.py checks every entry in both languages with the same placeholders).
"""

from __future__ import annotations

# The platform's callResult codes in words (provider-notes.md §4), shown beside a callee's failure.
CALL_RESULT_WORDS: dict[str, dict[str, str]] = {
    "00": {"en": "callResult 00: no cause given", "zh": "callResult 00：无原因"},
    "01": {"en": "callResult 01: routing failed", "zh": "callResult 01：路由失败"},
    "02": {"en": "callResult 02: the line was busy", "zh": "callResult 02：呼叫遇忙"},
    "03": {"en": "callResult 03: out of the service area", "zh": "callResult 03：用户不在服务区"},
    "04": {"en": "callResult 04: nobody answered", "zh": "callResult 04：用户无应答"},
    "05": {"en": "callResult 05: the phone is switched off", "zh": "callResult 05：用户已关机"},
    "06": {"en": "callResult 06: the number does not exist", "zh": "callResult 06：号码是空号"},
    "11": {"en": "callResult 11: the line is suspended", "zh": "callResult 11：用户停机"},
    "12": {"en": "callResult 12: the number has expired", "zh": "callResult 12：号码过期"},
    "13": {"en": "callResult 13: the call was forwarded", "zh": "callResult 13：呼叫转移"},
    "18": {
        "en": "callResult 18: a mobile from another area needs a leading 0",
        "zh": "callResult 18：外地手机号前未加0",
    },
    "20": {"en": "callResult 20: the caller is barred", "zh": "callResult 20：主叫限制"},
    "21": {"en": "callResult 21: the callee is barred", "zh": "callResult 21：被叫限制"},
    "22": {"en": "callResult 22: call forwarding is barred", "zh": "callResult 22：呼转限制"},
    "23": {"en": "callResult 23: the callee is on another call", "zh": "callResult 23：被叫通话中"},
    "24": {"en": "callResult 24: the callee declined", "zh": "callResult 24：用户拒接"},
    "101": {"en": "callResult 101: routing failed (signalling)", "zh": "callResult 101：根据信令判别路由失败"},
    "102": {"en": "callResult 102: busy (signalling)", "zh": "callResult 102：根据信令判别呼叫遇忙"},
    "103": {
        "en": "callResult 103: out of the service area (signalling)",
        "zh": "callResult 103：根据信令判别出用户不在服务区",
    },
    "104": {"en": "callResult 104: nobody answered (signalling)", "zh": "callResult 104：根据信令判别出用户无应答"},
    "108": {"en": "callResult 108: the trunk was congested", "zh": "callResult 108：线路忙，线路上收到拥塞信令"},
    "109": {"en": "callResult 109: the line failed", "zh": "callResult 109：线路异常"},
    "110": {
        "en": "callResult 110: the number does not exist (signalling)",
        "zh": "callResult 110：根据信令判别为空号",
    },
    "113": {
        "en": "callResult 113: the call was forwarded (signalling)",
        "zh": "callResult 113：根据信令判断呼叫转移",
    },
}

INBOUND_MESSAGES: dict[str, dict[str, str]] = {
    # --- inbound calls (呼入转呼): the call's thread -----------------------------------------
    "inbound.duration.s": {"en": "{s} s", "zh": "{s} 秒"},
    "inbound.duration.m": {"en": "{m} min", "zh": "{m} 分钟"},
    "inbound.duration.ms": {"en": "{m} min {s} s", "zh": "{m} 分 {s} 秒"},
    "inbound.duration.hm": {"en": "{h} h {m} min", "zh": "{h} 小时 {m} 分"},
    "inbound.withheld": {"en": "a withheld number", "zh": "隐藏号码"},
    "inbound.no_number": {"en": "no number", "zh": "无号码"},
    "inbound.title.queued": {
        "en": "Inbound call from {caller} to {access} → dialling {callees}",
        "zh": "{caller} 呼入 {access} → 正在呼叫 {callees}",
    },
    "inbound.title.dialing": {
        "en": "Inbound call from {caller} to {access} → dialling {callees}",
        "zh": "{caller} 呼入 {access} → 正在呼叫 {callees}",
    },
    "inbound.title.ringing": {
        "en": "Inbound call from {caller} to {access} → ringing {callees}",
        "zh": "{caller} 呼入 {access} → {callees} 振铃中",
    },
    "inbound.title.answered": {
        "en": "Inbound call from {caller} to {access} → talking with {callees}",
        "zh": "{caller} 呼入 {access} → 正在与 {callees} 通话",
    },
    "inbound.title.completed": {
        "en": "Inbound call from {caller} to {access} → talked with {callees} for {duration}",
        "zh": "{caller} 呼入 {access} → 与 {callees} 通话 {duration}",
    },
    "inbound.title.failed": {
        "en": "Inbound call from {caller} to {access} → not connected: {reasons}",
        "zh": "{caller} 呼入 {access} → 未接通：{reasons}",
    },
    "inbound.title.cancelled": {
        "en": "Inbound call from {caller} to {access} → the caller hung up before {callees} answered",
        "zh": "{caller} 呼入 {access} → {callees} 接听前主叫已挂机",
    },
    "inbound.title.no_route": {
        "en": "Inbound call from {caller} to {access} refused: no route is set up for this number",
        "zh": "{caller} 呼入 {access} 被拒绝：该号码没有设置路由",
    },
    "inbound.title.refused": {
        "en": "Inbound call from {caller} to {access} refused by its route",
        "zh": "{caller} 呼入 {access} 被路由规则拒接",
    },
    "inbound.title.refused_from": {
        "en": "Inbound call from {caller} to {access} refused: the route refuses callers starting {prefix}",
        "zh": "{caller} 呼入 {access} 被拒绝：路由拒接 {prefix} 开头的主叫",
    },
    "inbound.title.no_rule": {
        "en": "Inbound call from {caller} to {access} refused: no rule matches this caller and the route has "
        "no fallback",
        "zh": "{caller} 呼入 {access} 被拒绝：没有匹配该主叫的规则，路由也没有默认规则",
    },
    "inbound.title.no_number": {
        "en": "Inbound call from {caller} to {access} refused: nobody on the route has a usable number",
        "zh": "{caller} 呼入 {access} 被拒绝：路由中的同事都没有可用号码",
    },
    "inbound.state.queued": {"en": "waiting", "zh": "等待中"},
    "inbound.state.dialing": {"en": "calling", "zh": "呼叫中"},
    "inbound.state.ringing": {"en": "ringing", "zh": "振铃中"},
    "inbound.state.answered": {"en": "talking", "zh": "通话中"},
    "inbound.state.completed": {"en": "hung up", "zh": "已挂机"},
    "inbound.state.failed": {"en": "not reached", "zh": "未接通"},
    "inbound.state.cancelled": {"en": "not answered (the caller hung up)", "zh": "未接听（主叫已挂机）"},
    "inbound.state.unknown": {"en": "unknown", "zh": "状态未知"},
    "inbound.context.none": {"en": "Call {call_id}", "zh": "通话 {call_id}"},
    "inbound.context.rule": {
        "en": "Rule: callers starting {prefix} · call {call_id}",
        "zh": "规则：{prefix} 开头的主叫 · 通话 {call_id}",
    },
    "inbound.context.fallback": {"en": "Rule: any caller · call {call_id}", "zh": "规则：所有主叫 · 通话 {call_id}"},
    "inbound.reply.answered": {"en": "{who} answered the call from {caller}.", "zh": "{who} 接听了 {caller} 的来电。"},
    "inbound.reply.failed": {"en": "Couldn't reach {who}: {reason}.", "zh": "未能接通 {who}：{reason}。"},
    "inbound.reply.failed_detail": {
        "en": "Couldn't reach {who}: {reason} ({detail}).",
        "zh": "未能接通 {who}：{reason}（{detail}）。",
    },
    "inbound.reply.warning": {
        "en": "One minute left: the call will be cut off at its {max} limit.",
        "zh": "还剩最后一分钟：通话将在达到 {max} 上限时结束。",
    },
    "inbound.reply.warning_plain": {
        "en": "One minute left before the call reaches its maximum duration.",
        "zh": "还剩最后一分钟，通话即将达到最长时长。",
    },
    "inbound.reply.ended": {"en": "The call ended after {duration}.", "zh": "通话已结束，时长 {duration}。"},
    "inbound.reply.ended_max": {
        "en": "The call ended after {duration}: it reached its maximum duration.",
        "zh": "通话已结束，时长 {duration}：达到了最长通话时长。",
    },
    "inbound.reply.abandoned": {
        "en": "The caller hung up before anyone answered.",
        "zh": "主叫在有人接听前挂机了。",
    },
    "inbound.reply.ended_plain": {"en": "The call ended.", "zh": "通话已结束。"},
    # --- inbound routes: /dial route, /dial routes ---------------------------------------------
    "route.help": {
        "en": (
            "*Inbound routes* (calls to our access numbers)\n"
            "• `/dial route 4001234567 to <@U024BE7LH> 13800138000` rings them when someone calls 4001234567; "
            "calls are reported in this channel (or add `in #channel`).\n"
            "• `/dial route 4001234567 from 139 to <@U024BE7LH>`: callers starting 139 go elsewhere (the most "
            "specific rule wins; a rule without `from` is the fallback).\n"
            "• `/dial route 4001234567 from 170 refuse`: callers starting 170 are refused.\n"
            "• Options: `record=answer|now|off` `max=30m` `warn=1m` `mode=bridge|conference` `ringback=pass|tone` "
            "`prompt=welcome.wav+您好` (a file, TTS text, or `vartype_value` parts joined by `+`), "
            "`answer_prompt=` `hangup_prompt=` `fail_prompt=` `warn_prompt=` `display=caller|access|<number>`.\n"
            "• `/dial route 4001234567 off` removes the route; `/dial route 4001234567 from 139 off` one rule.\n"
            "• `/dial routes` lists routes and recent changes. Only workspace admins (or the route admin group) "
            "may change routes."
        ),
        "zh": (
            "*呼入路由*（拨打接入号的来电）\n"
            "• `/dial 路由 4001234567 转 <@U024BE7LH> 13800138000`：有人拨打 4001234567 时呼叫他们；"
            "来电在本频道报告（或加上 `频道 #频道名`）。\n"
            "• `/dial 路由 4001234567 来自 139 转 <@U024BE7LH>`：139 开头的主叫转给其他人（最具体的规则优先；"
            "不带 `来自` 的规则是默认规则）。\n"
            "• `/dial 路由 4001234567 来自 170 拒接`：拒接 170 开头的主叫。\n"
            "• 参数：`录音=接通|立即|关闭` `最长30分钟` `提醒1分钟` `模式=桥接|会议` `回铃=透传|铃声` "
            "`提示音=welcome.wav+您好`（语音文件、TTS 文字，或用 `+` 连接的 `vartype_value`），"
            "`answer_prompt=` `hangup_prompt=` `fail_prompt=` `warn_prompt=` `显示号码=主叫|接入号|<号码>`。\n"
            "• `/dial 路由 4001234567 关闭` 删除路由；`/dial 路由 4001234567 来自 139 关闭` 删除一条规则。\n"
            "• `/dial 路由列表` 查看所有路由和最近的变更。只有工作区管理员（或路由管理组成员）可以修改路由。"
        ),
    },
    "route.saved": {
        "en": "Saved: calls to {access} from {callers} now {action}.",
        "zh": "已保存：{callers}拨打 {access} 的来电现在将{action}。",
    },
    "route.replaced": {"en": "Before: {before}.", "zh": "之前：{before}。"},
    "route.reported_in": {"en": "Its calls are reported in <#{channel}>.", "zh": "来电在 <#{channel}> 报告。"},
    "route.removed_rule": {
        "en": "Removed the rule for {callers} on {access}.",
        "zh": "已删除 {access} 上针对{callers}的规则。",
    },
    "route.removed_route": {
        "en": "Removed the route for {access} ({n} rules); its calls are now refused.",
        "zh": "已删除 {access} 的路由（{n} 条规则）；之后的来电将被拒绝。",
    },
    "route.nothing_route": {"en": "There is no route for {access}.", "zh": "{access} 没有路由。"},
    "route.nothing_rule": {
        "en": "The route for {access} has no rule for {callers}.",
        "zh": "{access} 的路由没有针对{callers}的规则。",
    },
    "route.not_allowed": {
        "en": "Only workspace admins can change inbound routes. `/dial routes` shows them to everyone.",
        "zh": "只有工作区管理员可以修改呼入路由。任何人都可以用 `/dial 路由列表` 查看。",
    },
    "route.not_allowed_group": {
        "en": "Only workspace admins and members of <!subteam^{group}> can change inbound routes. "
        "`/dial routes` shows them to everyone.",
        "zh": "只有工作区管理员和 <!subteam^{group}> 的成员可以修改呼入路由。任何人都可以用 `/dial 路由列表` 查看。",
    },
    "routes.none": {
        "en": "No inbound routes yet. Add one with `/dial route 4001234567 to @someone`.",
        "zh": "还没有呼入路由。用 `/dial 路由 4001234567 转 @同事` 添加。",
    },
    "routes.title": {"en": "*Inbound routes* ({n})", "zh": "*呼入路由*（{n} 个）"},
    "routes.route": {"en": "*{access}* · reported in <#{channel}>", "zh": "*{access}* · 在 <#{channel}> 报告"},
    "routes.rule": {"en": "• {callers} → {action}", "zh": "• {callers} → {action}"},
    "routes.rule_short": {"en": "{callers}: {action}", "zh": "{callers}：{action}"},
    "routes.ring": {"en": "ring {targets}", "zh": "呼叫 {targets}"},
    "routes.refuse": {"en": "refuse the call", "zh": "拒接"},
    "routes.any_caller": {"en": "any caller", "zh": "所有主叫"},
    "routes.callers_from": {"en": "callers starting {prefix}", "zh": "{prefix} 开头的主叫"},
    "routes.whole_route": {"en": "the whole route", "zh": "整个路由"},
    "routes.nothing": {"en": "nothing", "zh": "无"},
    "routes.history_title": {"en": "*Recent changes*", "zh": "*最近的变更*"},
    "routes.change": {
        "en": "• {when} · <@{by}> · {access}, {callers}: {before} → {after}",
        "zh": "• {when} · <@{by}> · {access}，{callers}：{before} → {after}",
    },
    "route.problem.no_access_number": {
        "en": "Which access number? For example: `/dial route 4001234567 to <@U024BE7LH>`.",
        "zh": "哪个接入号？例如：`/dial 路由 4001234567 转 <@U024BE7LH>`。",
    },
    "route.problem.bad_access_number": {
        "en": "“{text}” is not an access number (3 to 20 digits).",
        "zh": "“{text}”不是接入号（应为 3 到 20 位数字）。",
    },
    "route.problem.bad_prefix": {
        "en": "“{text}” is not a caller number or prefix; write digits, e.g. `from 139`.",
        "zh": "“{text}”不是主叫号码或号段；请写数字，例如 `来自 139`。",
    },
    "route.problem.no_action": {
        "en": "What should calls to {access} do? Add `to <numbers or @people>`, `refuse` or `off`.",
        "zh": "拨打 {access} 的来电要怎么处理？请加上 `转 <号码或 @同事>`、`拒接` 或 `关闭`。",
    },
    "route.problem.no_targets": {
        "en": "Whom should calls to {access} ring? Put numbers or @mentions after `to`.",
        "zh": "拨打 {access} 的来电要呼叫谁？请在 `转` 后写号码或 @同事。",
    },
    "route.problem.unknown_words": {
        "en": "I can't read {words} in a route command. Only numbers and @mentions go after `to`; options are "
        "`key=value`.",
        "zh": "路由命令中无法识别 {words}。`转` 后只能写号码和 @同事；参数写成 `key=value`。",
    },
    "route.problem.plain_at_name": {
        "en": "I can't tell who {names} is. Pick people from Slack's @mention list.",
        "zh": "无法确定 {names} 是谁。请从 Slack 的 @ 列表中选择同事。",
    },
    "route.problem.invalid_numbers": {
        "en": "Nothing was changed, because these can't be dialled:\n{lines}",
        "zh": "未做任何修改，因为以下号码无法拨打：\n{lines}",
    },
    "route.problem.too_long": {
        "en": "That route command is {length} characters long; I read at most {max}. Nothing was changed.",
        "zh": "这条路由命令有 {length} 个字符，最多只能读 {max} 个。未做任何更改。",
    },
    "route.problem.too_many_targets": {
        "en": "That's {count} callees; a route rings at most {max}.",
        "zh": "共 {count} 个被叫，一条路由最多呼叫 {max} 个。",
    },
    "route.problem.bad_option_key": {
        "en": "`{option}` is not a route option. Valid options: {valid}.",
        "zh": "`{option}` 不是路由参数。可用参数：{valid}。",
    },
    "route.problem.bad_option_value": {
        "en": "`{option}={value}` is not valid. Expected: {hint}.",
        "zh": "`{option}={value}` 无效。应为：{hint}。",
    },
    "route.problem.duplicate_option": {
        "en": "`{option}` is given twice. Give it once.",
        "zh": "`{option}` 写了两次，请只写一次。",
    },
    "route.problem.warn_needs_max": {
        "en": "`warn` needs `max`: the warning comes that long before the maximum duration, e.g. `max=30m warn=1m`.",
        "zh": "`提醒` 需要配合 `最长`：在达到最长时长前提醒，例如 `最长30分钟 提醒1分钟`。",
    },
    "route.problem.warn_not_below_max": {
        "en": "`warn={warn}` must be shorter than `max={max}`.",
        "zh": "`提醒={warn}` 必须短于 `最长={max}`。",
    },
    "route.problem.record_now_in_bridge": {
        "en": "In bridge mode the platform records only from the answer (`record=answer`) or not at all; use "
        "`mode=conference` to record from the start.",
        "zh": "桥接模式下只能接通后录音（`录音=接通`）或不录音；要从一开始录音请用 `模式=会议`。",
    },
    "route.problem.bad_prompt": {
        "en": "`{option}` can't be played: “{part}”: {why}. Write a file (`welcome.wav`), TTS text, or parts joined by "
        "`+` such as `queue.wav+2_5+minutes.wav`.",
        "zh": "`{option}` 无法播放：“{part}”：{why}。请写语音文件（`welcome.wav`）、TTS 文字，或用 `+` 连接的片段，"
        "例如 `queue.wav+2_5+minutes.wav`。",
    },
    "route.problem.not_configured": {
        "en": "Inbound call routing is not set up yet: an admin must set {missing}. `/dial routes` still shows the "
        "routes.",
        "zh": "呼入转接尚未配置：需要管理员设置 {missing}。`/dial routes` 仍可查看路由。",
    },
    "route.problem.no_phone": {
        "en": "Nothing was changed, because I have no usable number for:\n{lines}\nAsk them to add a phone number "
        "to their Slack profile, or type their number instead.",
        "zh": "未做任何修改，因为以下同事没有可用的电话号码：\n{lines}\n请他们在 Slack 资料中填写电话，或直接写号码。",
    },
    **{f"error.cti.{code}": words for code, words in CALL_RESULT_WORDS.items()},
}
