"""Every sentence confbot shows people, in English and Simplified Chinese.

Whole sentences only, with named placeholders: translators see complete thoughts, and no
message is glued together from translated fragments. Lists are shown as bullet lines,
each a complete sentence from this catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.inbound.slack.messages import INBOUND_MESSAGES

SUPPORTED = ("en", "zh")


def locale_of(slack_locale: str | None, default: str = "en") -> str:
    """Our catalogue language for a Slack locale ("zh-CN" → "zh", "en-US" → "en")."""
    if not slack_locale:
        return default
    language = slack_locale.replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED else default


_EXAMPLES = {
    "en": "`/dial +8613692206627, <@U024BE7LH> into conf 42 tomorrow 3pm`",
    "zh": "`/dial 13692206627 <@U024BE7LH> 呼入会议 42 明天下午3点`",
}

CATALOGUE: dict[str, dict[str, str]] = {
    # --- help ------------------------------------------------------------------------------
    "help": {
        "en": (
            "*How to use /dial*\n"
            "• `/dial 13692206627, <@U024BE7LH> into conf 42 tomorrow 3pm` dials numbers and people "
            "(their Slack profile phone) into a conference.\n"
            "• `/dial 13692206627 to conference 42 via sandbox in 10 minutes` picks the provider.\n"
            "• `/dial 13692206627 into conf 42 now max 30m` limits each call to 30 minutes.\n"
            "• `/dial room 10086 into meeting 9876543 tomorrow 9:30` calls a meeting room "
            "(or `room sip:room1@10.1.2.3`, `room h323:10.1.2.4`) into a meeting.\n"
            "• `/dial event 542818 13800138000 before 15m` adds people to a live event's call list.\n"
            "• Provider options as `key=value`, e.g. `voice=listen`, `pin=2233`.\n"
            "• Times: `now`, `in 10 minutes`, `3pm`, `friday 10am`, `dec 1 2pm`, `2026-12-01 14:00`, "
            "read in your Slack time zone ({tz}).\n"
            "• `/dial cancel 17` cancels invite #17.\n"
            "• `/dial route help`: inbound routes (who is rung when someone calls our access numbers).\n"
            "Providers here, with their options: {providers}."
        ),
        "zh": (
            "*如何使用 /dial*\n"
            "• `/dial 13692206627 <@U024BE7LH> 呼入会议 42 明天下午3点`：把号码和同事（取其 Slack 资料里的电话）"
            "呼入电话会议。\n"
            "• `/dial 13692206627 呼入会议 42 通过 sandbox 10分钟后`：指定服务商。\n"
            "• `/dial 13692206627 呼入会议 42 现在 最长30分钟`：每通电话最长 30 分钟。\n"
            "• `/dial 会议室 10086 呼入会议 9876543 明天上午9:30`：把会议室（或 `会议室 sip:room1@10.1.2.3`、"
            "`会议室 h323:10.1.2.4`）呼入视频会议。\n"
            "• `/dial 直播 542818 13800138000 提前15分钟`：把人加入直播的自动外呼名单。\n"
            "• 服务商参数写成 `key=value`，例如 `voice=listen`、`pin=2233`。\n"
            "• 时间：`现在`、`10分钟后`、`下午3点`、`周五上午10点`、`12月1日下午2点`、`2026-12-01 14:00`，"
            "按你的 Slack 时区（{tz}）理解。\n"
            "• `/dial 取消 17` 取消第 17 号邀请。\n"
            "• `/dial 路由 帮助`：呼入路由（有人拨打接入号时呼叫谁）。\n"
            "可用服务商及其参数：{providers}。"
        ),
    },
    # --- parse problems --------------------------------------------------------------------
    "parse.no_parties": {
        "en": "Who should I call? Put phone numbers or @mentions before the conference. For example: {example}",
        "zh": "要呼叫谁？请在会议前写上电话号码或 @同事。例如：{example}",
    },
    "parse.no_target": {
        "en": "Into which conference? Add `into conf <id>` (or `room … into meeting <id>`). For example: {example}",
        "zh": "呼入哪个会议？请加上 `呼入会议 <会议号>`（或 `会议室 … 呼入会议 <会议号>`）。例如：{example}",
    },
    "parse.bad_target_id": {
        "en": "I found `{keyword}` but no id after it. Write the id right after it, e.g. `into conf 42`.",
        "zh": "找到了“{keyword}”，但后面没有会议号。请紧跟着写会议号，例如 `呼入会议 42`。",
    },
    "parse.unreadable_time": {
        "en": "I can't read “{phrase}” as a time. Try `now`, `in 10 minutes`, `3pm`, `tomorrow 9:30` or "
        "`2026-12-01 14:00`.",
        "zh": "无法把“{phrase}”理解为时间。可以写 `现在`、`10分钟后`、`下午3点`、`明天上午9:30` 或 `2026-12-01 14:00`。",
    },
    "parse.past_time": {
        "en": "“{phrase}” is {at} in your time zone ({tz}), which has already passed. Give a time in the future.",
        "zh": "“{phrase}”是你所在时区（{tz}）的 {at}，已经过去了。请给一个将来的时间。",
    },
    "parse.needs_time": {
        "en": "“{phrase}” names a day but not a time of day. Add one, e.g. `tomorrow 3pm`.",
        "zh": "“{phrase}”只有日期没有具体时间，请补上，例如 `明天下午3点`。",
    },
    "parse.recurring": {
        "en": "Repeating invites (“{phrase}”) are not supported yet. Schedule one time, e.g. `tomorrow 9:30`.",
        "zh": "暂不支持重复邀请（“{phrase}”）。请给一个具体时间，例如 `明天上午9:30`。",
    },
    "parse.bad_zone": {
        "en": "Your Slack time zone “{tz}” is not one I know. Set a time zone in your Slack profile.",
        "zh": "无法识别你的 Slack 时区“{tz}”。请在 Slack 个人资料中设置时区。",
    },
    "parse.invalid_numbers": {
        "en": "Nothing was scheduled, because these can't be dialled:\n{lines}",
        "zh": "未安排任何呼叫，因为以下号码无法拨打：\n{lines}",
    },
    "parse.unknown_words": {
        "en": "I can't read {words} as phone numbers or @mentions. Put only numbers and @mentions before "
        "`into conf`. For example: {example}",
        "zh": "无法把 {words} 识别为电话号码或 @同事。`呼入会议` 前只能写号码和 @同事。例如：{example}",
    },
    "parse.plain_at_name": {
        "en": "I can't tell who {names} is. Pick people from Slack's @mention list so they arrive as real mentions.",
        "zh": "无法确定 {names} 是谁。请从 Slack 的 @ 列表中选择同事。",
    },
    "parse.unknown_provider": {
        "en": "There is no provider called `{provider}`. Known providers: {known}.",
        "zh": "没有名为 `{provider}` 的服务商。可用的有：{known}。",
    },
    "parse.provider_not_configured": {
        "en": "Provider `{provider}` is not set up yet: an admin must set {missing}.",
        "zh": "服务商 `{provider}` 尚未配置：需要管理员设置 {missing}。",
    },
    "parse.provider_cannot": {
        "en": "`{provider}` can't do {kind_name}. Providers that can: {able}.",
        "zh": "`{provider}` 不支持{kind_name}。支持的服务商：{able}。",
    },
    "parse.no_provider_for_kind": {
        "en": "No configured provider can do {kind_name}. Ask an admin to set one up.",
        "zh": "没有已配置的服务商支持{kind_name}。请联系管理员配置。",
    },
    "parse.bad_option_key": {
        "en": "`{key}` is not an option of `{provider}`. Valid options: {valid}.",
        "zh": "`{key}` 不是 `{provider}` 的参数。可用参数：{valid}。",
    },
    "parse.bad_option_value": {
        "en": "`{key}={value}` is not valid for `{provider}` ({why}). Expected: {hint}.",
        "zh": "`{key}={value}` 对 `{provider}` 无效（{why}）。应为：{hint}。",
    },
    "parse.duplicate_option": {
        "en": "`{key}` is given twice. Give it once.",
        "zh": "`{key}` 写了两次，请只写一次。",
    },
    "parse.bad_duration": {
        "en": "I can't read “{text}” as a duration for `{option}`. Use e.g. `30m`, `1h` or `1h30m`.",
        "zh": "无法把“{text}”理解为 `{option}` 的时长。请写如 `30分钟`、`1小时` 或 `1h30m`。",
    },
    "parse.duration_out_of_range": {
        "en": "A maximum of {seconds} s is outside what `{provider}` allows ({low}–{high} s).",
        "zh": "最长 {seconds} 秒超出了 `{provider}` 允许的范围（{low}–{high} 秒）。",
    },
    "parse.duration_not_supported": {
        "en": "`{provider}` can't limit how long a call lasts, so `max` can't be used with it.",
        "zh": "`{provider}` 无法限制通话时长，不能使用 `max`（最长）。",
    },
    "parse.cannot_post_here": {
        "en": "Nothing was scheduled: I'm not in this conversation, so nobody could follow the calls here. "
        "Add me with `/invite @confbot` (or use a channel I'm in) and try again.",
        "zh": "未安排任何呼叫：我不在这个会话中，无法在这里报告呼叫进展。请用 `/invite @confbot` 邀请我"
        "（或在我所在的频道使用），然后重试。",
    },
    "parse.provider_refused": {
        "en": "Nothing was scheduled: `{provider}` would refuse it ({explanation}).",
        "zh": "未安排任何呼叫：`{provider}` 会拒绝该请求（{explanation}）。",
    },
    "parse.rooms_need_meeting": {
        "en": "Meeting rooms are called into a meeting, not a phone conference. Write `into meeting {id}`.",
        "zh": "会议室只能呼入视频会议，不能呼入电话会议。请写 `呼入会议 {id}`，并以 `会议室` 开头。",
    },
    "parse.meeting_needs_rooms": {
        "en": "Only meeting rooms can be called into meeting {id}. Write `room <room id> into meeting {id}`, "
        "or `into conf {id}` for a phone conference.",
        "zh": "只有会议室可以呼入视频会议 {id}。请写 `会议室 <会议室ID> 呼入会议 {id}`。",
    },
    "parse.too_many_parties": {
        "en": "That's {count} people; one invite can dial at most {max}. Split it into several invites.",
        "zh": "共 {count} 人，单个邀请最多呼叫 {max} 人。请拆成多个邀请。",
    },
    "parse.no_phone": {
        "en": "Nothing was scheduled, because I have no usable number for:\n{lines}\nAsk them to add a phone "
        "number to their Slack profile, or type their number instead.",
        "zh": "未安排任何呼叫，因为以下同事没有可用的电话号码：\n{lines}\n请他们在 Slack 资料中填写电话，或直接写号码。",
    },
    "parse.bad_cancel": {
        "en": "Which invite? Write its number, e.g. `/dial cancel 17`.",
        "zh": "要取消哪个邀请？请写编号，例如 `/dial 取消 17`。",
    },
    "kind.conference": {"en": "conference calls", "zh": "电话会议呼叫"},
    "kind.meeting": {"en": "meeting-room calls", "zh": "会议室呼叫"},
    "kind.event": {"en": "live-event call lists", "zh": "直播外呼名单"},
    # --- number problems (one bullet line each) --------------------------------------------
    "number.not_a_number": {"en": "• `{text}` is not a phone number.", "zh": "• `{text}` 不是电话号码。"},
    "number.too_short": {
        "en": "• `{text}` is too short to be a phone number.",
        "zh": "• `{text}` 太短，不是完整号码。",
    },
    "number.too_long": {
        "en": "• `{text}` is too long to be a phone number.",
        "zh": "• `{text}` 太长，不是有效号码。",
    },
    "number.bad_country_code": {
        "en": "• `{text}` starts with a country code that doesn't exist.",
        "zh": "• `{text}` 的国家代码不存在。",
    },
    "number.invalid": {
        "en": "• `{text}` is not a valid number in {region}.",
        "zh": "• `{text}` 不是{region}的有效号码。",
    },
    "number.premium_rate": {
        "en": "• `{text}` is a premium-rate number, which this workspace doesn't dial.",
        "zh": "• `{text}` 是收费增值号码，本工作区不拨打此类号码。",
    },
    "number.country_not_allowed": {
        "en": "• `{text}` is in {region}, which this workspace doesn't dial.",
        "zh": "• `{text}` 属于{region}，本工作区不拨打该地区。",
    },
    "no_phone.no_phone": {
        "en": "• <@{user_id}> has no phone number in their Slack profile.",
        "zh": "• <@{user_id}> 的 Slack 资料里没有电话号码。",
    },
    "no_phone.unknown_user": {
        "en": "• <@{user_id}> is not a user I can find.",
        "zh": "• 找不到用户 <@{user_id}>。",
    },
    "no_phone.other": {
        "en": "• <@{user_id}> has “{text}” in their profile, which can't be dialled.",
        "zh": "• <@{user_id}> 资料中的号码“{text}”无法拨打。",
    },
    # --- replies to the asker --------------------------------------------------------------
    "scheduled": {
        "en": "Scheduled invite #{id}: {count} into {target} via {provider}, {when}. "
        "Follow it in the thread; `/dial cancel {id}` cancels it.",
        "zh": "已安排第 {id} 号邀请：{when}通过 {provider} 把 {count}呼入{target}。进展见消息串；"
        "`/dial 取消 {id}` 可取消。",
    },
    "cancel.cancelled": {"en": "Invite #{id} is cancelled.", "zh": "第 {id} 号邀请已取消。"},
    "cancel.hanging_up": {
        "en": "Invite #{id} is being cancelled; calls still ringing are being hung up.",
        "zh": "正在取消第 {id} 号邀请，正在挂断仍在呼叫中的电话。",
    },
    "cancel.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "cancel.already_over": {
        "en": "Invite #{id} is already over; there is nothing to cancel.",
        "zh": "第 {id} 号邀请已经结束，无需取消。",
    },
    "cancel.not_allowed": {
        "en": "Only the person who created invite #{id} or a workspace admin can cancel it.",
        "zh": "只有第 {id} 号邀请的创建者或工作区管理员可以取消它。",
    },
    "internal_error": {
        "en": "Something went wrong on my side and nothing was scheduled. Please try again; if it keeps "
        "happening, tell your admin (reference {ref}).",
        "zh": "系统内部出错，未安排任何呼叫。请重试；如果一直出错，请联系管理员（编号 {ref}）。",
    },
    # --- thread parent ---------------------------------------------------------------------
    "parent.title": {
        "en": "Invite #{id} · {count} into {target} via {provider} · {when} · by <@{user}>",
        "zh": "邀请 #{id} · {count}呼入{target} · 通过 {provider} · {when} · 发起人 <@{user}>",
    },
    "target.conference": {"en": "conference {id}", "zh": "电话会议 {id}"},
    "target.meeting": {"en": "meeting {id}", "zh": "视频会议 {id}"},
    "target.event": {"en": "live event {id}", "zh": "直播 {id}"},
    "count.people": {"en": "{n} people", "zh": "{n} 人"},
    "count.person": {"en": "1 person", "zh": "1 人"},
    "count.rooms": {"en": "{n} rooms", "zh": "{n} 个会议室"},
    "count.room": {"en": "1 room", "zh": "1 个会议室"},
    "when.now": {"en": "now", "zh": "立即"},
    "when.at": {"en": "{at} (in {relative})", "zh": "{at}（{relative}后）"},
    "when.at_past": {"en": "{at}", "zh": "{at}"},
    "relative.minutes": {"en": "{n} min", "zh": "{n} 分钟"},
    "relative.hours": {"en": "{n} h", "zh": "{n} 小时"},
    "relative.days": {"en": "{n} d", "zh": "{n} 天"},
    "status.scheduled": {"en": "Scheduled.", "zh": "已安排。"},
    "status.dialing": {"en": "Dialling…", "zh": "正在呼叫……"},
    "status.in_progress": {"en": "In progress: everyone reached has joined.", "zh": "通话中：已接通的人都已入会。"},
    "status.done": {"en": "Finished.", "zh": "已结束。"},
    "status.missed": {"en": "Missed: the bot was down at the due time.", "zh": "已错过：到时机器人不在线。"},
    "status.cancelled": {"en": "Cancelled.", "zh": "已取消。"},
    "button.cancel": {"en": "Cancel invite", "zh": "取消邀请"},
    "button.cancel_confirm_title": {"en": "Cancel this invite?", "zh": "取消这个邀请？"},
    "button.cancel_confirm_text": {
        "en": "Nobody will be dialled, and calls still ringing are hung up.",
        "zh": "将不再拨打任何人，正在呼叫中的电话会被挂断。",
    },
    "button.cancel_confirm_yes": {"en": "Cancel it", "zh": "确定取消"},
    "button.cancel_confirm_no": {"en": "Keep it", "zh": "保留"},
    # --- roster ----------------------------------------------------------------------------
    "roster.title": {"en": "*Roster* · {counts}", "zh": "*名单* · {counts}"},
    "roster.more": {
        "en": "…and {n} more not listed here (counts above include everyone).",
        "zh": "……另有 {n} 方未列出（上方计数包含所有人）。",
    },
    "roster.handed_over": {
        "en": "Queued with {provider}; they dial {minutes} minutes before the event and report no per-call "
        "status back.",
        "zh": "已提交给 {provider}；他们会在直播开始前 {minutes} 分钟外呼，且不回传单个呼叫的状态。",
    },
    "state.queued": {"en": "queued", "zh": "排队中"},
    "state.dialing": {"en": "dialling", "zh": "拨号中"},
    "state.ringing": {"en": "ringing", "zh": "振铃中"},
    "state.answered": {"en": "joined", "zh": "已加入"},
    "state.completed": {"en": "left", "zh": "已离开"},
    "state.failed": {"en": "failed", "zh": "失败"},
    "state.cancelled": {"en": "cancelled", "zh": "已取消"},
    "state.unknown": {"en": "unknown (checking)", "zh": "状态未知（核实中）"},
    "state.handed_over": {"en": "queued with provider", "zh": "已提交服务商"},
    "reason.busy": {"en": "busy", "zh": "忙线"},
    "reason.no_answer": {"en": "no answer", "zh": "无人接听"},
    "reason.unreachable": {"en": "unreachable", "zh": "无法接通"},
    "reason.rejected": {"en": "declined", "zh": "被拒接"},
    "reason.invalid_number": {"en": "number does not exist", "zh": "空号"},
    "reason.barred": {"en": "calls to this number are barred", "zh": "号码被限制呼叫"},
    "reason.network": {"en": "network failure", "zh": "线路故障"},
    "reason.max_duration": {"en": "reached the maximum duration", "zh": "达到最长通话时间"},
    "reason.provider_rejected": {"en": "refused by the provider", "zh": "被服务商拒绝"},
    "reason.provider_error": {"en": "provider error", "zh": "服务商出错"},
    "reason.auth": {"en": "provider rejected our credentials", "zh": "服务商认证失败"},
    "reason.rate_limited": {"en": "provider rate limit", "zh": "服务商限流"},
    "reason.timeout": {"en": "timed out", "zh": "超时"},
    "reason.missed": {"en": "not dialled (missed)", "zh": "未拨打（已错过）"},
    "reason.unknown": {"en": "outcome unknown", "zh": "结果未知"},
    "count.state": {"en": "{n} {state}", "zh": "{state} {n}"},
    "who.room": {"en": "room {address}", "zh": "会议室 {address}"},
    "who.sip": {"en": "SIP {address}", "zh": "SIP {address}"},
    "who.h323": {"en": "H.323 {address}", "zh": "H.323 {address}"},
    "who.person": {"en": "{mention} ({number})", "zh": "{mention}（{number}）"},
    "line.plain": {"en": "{icon} {who} — {state}", "zh": "{icon} {who} — {state}"},
    "line.with_reason": {"en": "{icon} {who} — {state}: {reason}", "zh": "{icon} {who} — {state}：{reason}"},
    "line.with_detail": {
        "en": "{icon} {who} — {state}: {reason} ({detail})",
        "zh": "{icon} {who} — {state}：{reason}（{detail}）",
    },
    # --- thread replies --------------------------------------------------------------------
    "notice.late": {
        "en": "The bot was down at the due time; dialling now, {minutes} min late.",
        "zh": "到时机器人不在线；现在开始拨打，晚了 {minutes} 分钟。",
    },
    "notice.missed": {
        "en": "This invite was missed: the bot was down at the due time and it is now {minutes} min late, "
        "past the {grace} min grace period. Nobody was dialled; schedule it again if it is still needed.",
        "zh": "此邀请已错过：到时机器人不在线，现在已晚 {minutes} 分钟，超过 {grace} 分钟的宽限期。"
        "未拨打任何人；如仍需要请重新安排。",
    },
    "notice.cancelled": {"en": "Cancelled by <@{by}>.", "zh": "已由 <@{by}> 取消。"},
    "notice.unknown_outcome": {
        "en": "I can't tell whether {who} was called: the provider never confirmed the request and has "
        "no status for it. It was not re-sent.",
        "zh": "无法确认是否已呼叫 {who}：服务商没有确认请求，也查不到状态。未重复发送。",
    },
    "notice.failures_one": {"en": "{who} didn't join: {reason}.", "zh": "{who} 未能加入：{reason}。"},
    "notice.failures_one_detail": {
        "en": "{who} didn't join: {reason} ({detail}).",
        "zh": "{who} 未能加入：{reason}（{detail}）。",
    },
    "notice.failures_many": {"en": "{n} calls didn't connect:\n{lines}", "zh": "{n} 通电话未接通：\n{lines}"},
    "notice.failure_line": {"en": "• {who}: {reason}", "zh": "• {who}：{reason}"},
    "notice.failure_line_detail": {
        "en": "• {who}: {reason} ({detail})",
        "zh": "• {who}：{reason}（{detail}）",
    },
    "summary.joined": {"en": "{joined} of {total} joined", "zh": "{total} 方中 {joined} 方已加入"},
    "summary.handed_over": {
        "en": "{queued} of {total} queued with {provider}",
        "zh": "{total} 方中 {queued} 方已提交 {provider}",
    },
    "summary.provider_counts": {
        "en": "{provider} reported {total} received, {success} added, {fail} refused",
        "zh": "{provider} 回报：收到 {total} 条，成功 {success} 条，失败 {fail} 条",
    },
    "summary.failure_item": {"en": "{who} {reason}", "zh": "{who}{reason}"},
    "summary.more": {"en": "and {n} more", "zh": "另有 {n} 方"},
    "summary.cancelled": {"en": "{n} cancelled", "zh": "{n} 方已取消"},
}

# Provider error codes explained in words: key "error.<provider>.<code>", looked up when a call
# fails with that code (see slack/blocks/thread.py: explain_failure). One block per provider.
PROVIDER_ERRORS: dict[str, dict[str, dict[str, str]]] = {
    # --- yunhuni ---
    "yunhuni": {
        "000001": {
            "en": "Yunhuni refused the request's parameters (number, duration, ring time, voice mode or file name).",
            "zh": "云呼你认为请求参数有误（号码、时长、振铃时间、声音模式或放音文件名）。",
        },
        "000002": {
            "en": "Yunhuni failed with an unknown error; the call was not placed.",
            "zh": "云呼你发生未知错误，未发起呼叫。",
        },
        "000003": {
            "en": "Yunhuni had an internal error; the call was not placed.",
            "zh": "云呼你内部错误，未发起呼叫。",
        },
        "000004": {
            "en": "Yunhuni is too busy right now; try again in a few minutes.",
            "zh": "云呼你系统繁忙，请几分钟后再试。",
        },
        "010000": {
            "en": "Yunhuni does not know our app: check YUNHUNI_APP_ID.",
            "zh": "云呼你找不到我们的应用：请检查 YUNHUNI_APP_ID。",
        },
        "010001": {
            "en": "Our Yunhuni app is not online yet: an admin must put it online in the Yunhuni console.",
            "zh": "我们在云呼你的应用尚未上线：需要管理员在云呼你控制台将其上线。",
        },
        "010002": {
            "en": "Our Yunhuni app does not have the conference service enabled.",
            "zh": "我们在云呼你的应用没有开通会议服务。",
        },
        "010003": {
            "en": "The Yunhuni account balance is too low: an admin must top it up.",
            "zh": "云呼你账户余额不足：需要管理员充值。",
        },
        "010004": {
            "en": "Yunhuni refused our server's IP address: an admin must add it to the app's IP whitelist.",
            "zh": "云呼你拒绝了我们服务器的 IP：需要管理员将其加入应用的 IP 白名单。",
        },
        "010005": {
            "en": "The file to play (play=) does not exist at Yunhuni or has not been approved yet.",
            "zh": "要播放的文件（play=）在云呼你不存在或尚未审核通过。",
        },
        "010006": {
            "en": "The Yunhuni account's quota is used up.",
            "zh": "云呼你账户配额不足。",
        },
        "020000": {
            "en": "Yunhuni has no such call (it may already have ended).",
            "zh": "云呼你找不到该呼叫（可能已经结束）。",
        },
        "020001": {
            "en": "Yunhuni does not allow calls to this number (or from this caller number).",
            "zh": "云呼你不允许呼叫此号码（或不允许使用该主叫号码）。",
        },
        "020002": {
            "en": "Yunhuni had no line available for this number.",
            "zh": "云呼你没有可用线路呼叫此号码。",
        },
        "030100": {
            "en": "Yunhuni has no such conference: check the conference id, and that the conference is running.",
            "zh": "云呼你不存在该会议：请检查会议号，并确认会议正在进行。",
        },
        "030101": {
            "en": "The conference is full: Yunhuni refused more parties than its maximum.",
            "zh": "会议已满：超过了云呼你的最大与会人数。",
        },
        "bad_credentials": {
            "en": "Yunhuni refused our signature: check YUNHUNI_APP_ID, YUNHUNI_CERT_ID, YUNHUNI_SECRET_KEY and the "
            "server clock.",
            "zh": "云呼你拒绝了我们的签名：请检查 YUNHUNI_APP_ID、YUNHUNI_CERT_ID、YUNHUNI_SECRET_KEY 以及服务器时间。",
        },
        "http_404": {
            "en": "Yunhuni does not know this address: check YUNHUNI_BASE_URL and YUNHUNI_PATH_STYLE.",
            "zh": "云呼你不认识这个地址：请检查 YUNHUNI_BASE_URL 和 YUNHUNI_PATH_STYLE。",
        },
        "conf.join.fail": {
            "en": "Yunhuni could not bring the call into the conference and gives no reason (no answer, busy or "
            "refused).",
            "zh": "云呼你未能把呼叫加入会议，且未说明原因（可能无人接听、忙线或拒接）。",
        },
        "conf.end": {
            "en": "The conference ended before this call joined.",
            "zh": "会议在该呼叫加入之前已结束。",
        },
        "no_news": {
            "en": "Yunhuni sent no news of this call within its ring time; it reports no ringing and has no status "
            "query, so the call is not known to have joined.",
            "zh": "在振铃时间内没有收到云呼你关于该呼叫的任何消息；云呼你不报告振铃，也无法查询状态，因此无法确认该呼叫已加入。",
        },
    },
    # --- voipnow ---
    "voipnow": {
        "extension_invalid": {
            "en": "VoipNow refused the extension: it must be a Conference extension owned by the configured user "
            "(VOIPNOW_EXTENSION or ext=).",
            "zh": "VoipNow 拒绝了分机号：必须是所配置用户名下的会议（Conference）分机（VOIPNOW_EXTENSION 或 ext=）。",
        },
        "pc_duration_invalid": {
            "en": "VoipNow refused the call duration (callDuration must be a number of seconds).",
            "zh": "VoipNow 拒绝了通话时长（callDuration 必须是秒数）。",
        },
        "pc_source_invalid": {
            "en": "VoipNow refused the source: it must be an existing Conference extension.",
            "zh": "VoipNow 拒绝了呼叫来源：必须是已存在的会议（Conference）分机。",
        },
        "pc_destination_invalid": {
            "en": "VoipNow refused the number to call: it must be an extension or a public phone number "
            "(check VOIPNOW_INTERNATIONAL_PREFIX).",
            "zh": "VoipNow 拒绝了被叫号码：必须是分机号或公网电话号码（请检查 VOIPNOW_INTERNATIONAL_PREFIX）。",
        },
        "pc_timeout_invalid": {
            "en": "VoipNow refused the ring time (wait=): it must be a number of seconds above 0.",
            "zh": "VoipNow 拒绝了振铃时长（wait=）：必须是大于 0 的秒数。",
        },
        "pc_callerid_invalid": {
            "en": "VoipNow refused the caller id: it must look like `John Doe <+3334444>` (callerid= or "
            "VOIPNOW_CALLER_ID).",
            "zh": "VoipNow 拒绝了主叫显示：格式须为 `John Doe <+3334444>`（callerid= 或 VOIPNOW_CALLER_ID）。",
        },
        "pc_pin_invalid": {
            "en": "VoipNow refused the conference PIN (pin=).",
            "zh": "VoipNow 拒绝了会议密码（pin=）。",
        },
        "pc_number_invalid": {
            "en": "VoipNow has no scheduled conference with this number on the extension.",
            "zh": "VoipNow 在该分机上找不到这个编号的预约会议。",
        },
        "user_invalid": {
            "en": "VoipNow does not know the user that owns the conference extension (VOIPNOW_USER_ID).",
            "zh": "VoipNow 找不到会议分机的所属用户（VOIPNOW_USER_ID）。",
        },
        "access_denied": {
            "en": "VoipNow denied access: the app's token was refused even after getting a new one.",
            "zh": "VoipNow 拒绝访问：重新获取令牌后仍被拒绝。",
        },
        "request_not_implemented": {
            "en": "This VoipNow server does not support conference invites (request not implemented).",
            "zh": "该 VoipNow 服务器不支持会议邀请呼叫（请求未实现）。",
        },
        "internal_server_error": {
            "en": "VoipNow failed with an internal error; the call may or may not have been placed.",
            "zh": "VoipNow 内部出错；呼叫可能已发出，也可能没有。",
        },
        "token_refused": {
            "en": "VoipNow refused our app credentials (VOIPNOW_CLIENT_ID / VOIPNOW_CLIENT_SECRET), or the app is "
            "not marked as trusted. No call was placed.",
            "zh": "VoipNow 拒绝了应用凭据（VOIPNOW_CLIENT_ID / VOIPNOW_CLIENT_SECRET），或该应用未设为受信任。"
            "未发出呼叫。",
        },
        "token_unavailable": {
            "en": "Could not get an access token from the VoipNow server. No call was placed.",
            "zh": "无法从 VoipNow 服务器获取访问令牌。未发出呼叫。",
        },
        "accepted_without_id": {
            "en": "VoipNow accepted the call but returned no call id, so its outcome cannot be followed.",
            "zh": "VoipNow 接受了呼叫但没有返回呼叫 ID，因此无法跟踪结果。",
        },
        "no_pickup": {
            "en": "Nobody picked up before the ring time (wait=, 25 s by default) ran out.",
            "zh": "振铃时间（wait=，默认 25 秒）内无人接听。",
        },
        "ended_unanswered": {
            "en": "The call ended before it was answered; VoipNow does not say why.",
            "zh": "呼叫在接听前就结束了；VoipNow 没有说明原因。",
        },
        "status_unavailable": {
            "en": "VoipNow's call status could not be read for too long, so the call is no longer followed.",
            "zh": "长时间无法读取 VoipNow 的呼叫状态，已停止跟踪该呼叫。",
        },
        "disposition_busy": {"en": "VoipNow reported the line as BUSY.", "zh": "VoipNow 报告对方忙线（BUSY）。"},
        "disposition_failed": {"en": "VoipNow reported the call as FAILED.", "zh": "VoipNow 报告呼叫失败（FAILED）。"},
        "disposition_no_answer": {
            "en": "VoipNow reported NO ANSWER.",
            "zh": "VoipNow 报告无人接听（NO ANSWER）。",
        },
        "disposition_not_allowed": {
            "en": "VoipNow's call rules do not allow calling this number (NOT ALLOWED).",
            "zh": "VoipNow 的呼叫规则不允许拨打该号码（NOT ALLOWED）。",
        },
    },
    # --- tencent_meeting ---
    "tencent_meeting": {
        "no_operator": {
            "en": "no Tencent Meeting account is mapped to the Slack user who asked; an admin must add "
            "`SlackUserId=TencentUserid` to TENCENT_MEETING_OPERATORS",
            "zh": "发起人的 Slack 账号未关联腾讯会议账号；需要管理员在 TENCENT_MEETING_OPERATORS 中添加 "
            "`Slack用户ID=腾讯会议userid`",
        },
        "not_configured": {
            "en": "Tencent Meeting's settings are incomplete or invalid; an admin can see which with `confbot providers`",
            "zh": "腾讯会议的配置不完整或有误；管理员可用 `confbot providers` 查看",
        },
        "not_a_room": {
            "en": "Tencent Meeting calls meeting rooms (a room id, `sip:…` or `h323:…`), not phone numbers",
            "zh": "腾讯会议只能呼叫会议室（会议室 ID、`sip:…` 或 `h323:…`），不能呼叫电话号码",
        },
        "not_a_meeting": {
            "en": "Tencent Meeting calls rooms into a meeting; use `into meeting <meeting id>`",
            "zh": "腾讯会议只能呼叫会议室加入会议；请使用 `视频会议 <会议 ID>`",
        },
        "not_called": {
            "en": "Tencent Meeting accepted the request but never called the room",
            "zh": "腾讯会议接受了请求，但没有呼叫该会议室",
        },
        "no_news": {
            "en": "Tencent Meeting reported nothing more about this call, so it is counted as not answered",
            "zh": "腾讯会议没有再报告此呼叫的状态，按未应答处理",
        },
        "200003": {
            "en": "Tencent Meeting refused our request signature; check TENCENT_MEETING_SECRET_ID and _SECRET_KEY",
            "zh": "腾讯会议签名校验失败；请检查 TENCENT_MEETING_SECRET_ID 和 _SECRET_KEY",
        },
        "190300": {
            "en": "our clock is more than 5 minutes off Tencent Meeting's; the server's time needs fixing",
            "zh": "本机时间与腾讯会议相差超过 5 分钟；需要校准服务器时间",
        },
        "190301": {
            "en": "Tencent Meeting took the request for a replay (timestamp and nonce reused)",
            "zh": "腾讯会议认为请求被重放（时间戳和随机数重复使用）",
        },
        "190303": {
            "en": "Tencent Meeting does not recognise our AppId, SecretId or SdkId; check TENCENT_MEETING_APP_ID, "
            "_SECRET_ID and _SDK_ID",
            "zh": "腾讯会议不认可我们的 AppId、SecretId 或 SdkId；请检查 TENCENT_MEETING_APP_ID、_SECRET_ID 和 _SDK_ID",
        },
        "190004": {
            "en": "Tencent Meeting says the request's parameters are invalid (room id, SIP/H.323 address or meeting id)",
            "zh": "腾讯会议认为请求参数非法（会议室 ID、SIP/H.323 地址或会议 ID）",
        },
        "9003": {
            "en": "no such meeting in Tencent Meeting; check the meeting id",
            "zh": "腾讯会议中没有这个会议；请检查会议 ID",
        },
        "9042": {
            "en": "the mapped Tencent Meeting user may not call this room into this meeting (an admin or participant "
            "of the same company is needed, and host or co-host for a SIP/H.323 address)",
            "zh": "关联的腾讯会议用户无权呼叫该会议室入会（需同企业的管理员或参会者；使用 SIP/H.323 地址需主持人或联席主持人）",
        },
        "10004": {
            "en": "Tencent Meeting could not call the meeting room",
            "zh": "腾讯会议呼叫会议室失败",
        },
        "10002": {
            "en": "Tencent Meeting could not look up the room's answer",
            "zh": "腾讯会议查询会议室应答状态失败",
        },
        "20000": {
            "en": "Tencent Meeting says a parameter has the wrong type (see TENCENT_MEETING_MEETING_ID_AS_NUMBER)",
            "zh": "腾讯会议认为参数类型错误（参见 TENCENT_MEETING_MEETING_ID_AS_NUMBER）",
        },
        "190310": {
            "en": "Tencent Meeting's limit of 300 requests a minute for our app was reached; try again shortly",
            "zh": "已达到腾讯会议每个应用每分钟 300 次的调用上限；请稍后再试",
        },
        "190311": {
            "en": "Tencent Meeting's daily limit of 200,000 requests for our app was reached",
            "zh": "已达到腾讯会议每个应用每天 200,000 次的调用上限",
        },
        "190313": {
            "en": "Tencent Meeting's account-level limit of 100 requests a minute was reached; try again shortly",
            "zh": "已达到腾讯会议账户级每分钟 100 次的调用上限；请稍后再试",
        },
    },
    # --- quanshi ---
    "quanshi": {
        "entry_rejected": {
            "en": "Quanshi put this entry on its failure list without saying why; check the number and that the "
            "live event exists and has not ended",
            "zh": "全时将此条目列入失败列表，未说明原因；请核对号码，并确认该直播存在且尚未结束",
        },
        "token_failed": {
            "en": "could not get an API token from Quanshi, so nothing was sent; check QUANSHI_APP_KEY, "
            "QUANSHI_APP_SECRET and QUANSHI_ADMIN_USER_ID",
            "zh": "未能从全时获取 API token，因此未提交任何号码；请检查 QUANSHI_APP_KEY、QUANSHI_APP_SECRET 和 "
            "QUANSHI_ADMIN_USER_ID",
        },
        "token_rejected": {
            "en": "Quanshi refused our API token even after it was renewed; nothing was added",
            "zh": "全时拒绝了 API token，重新获取后仍被拒绝；未添加任何号码",
        },
        "auth_failed": {
            "en": "Quanshi refused our AppKey or CheckSum; check QUANSHI_APP_KEY and QUANSHI_APP_SECRET",
            "zh": "全时拒绝了我们的 AppKey 或 CheckSum；请检查 QUANSHI_APP_KEY 和 QUANSHI_APP_SECRET",
        },
        "rate_limited": {
            "en": "Quanshi is limiting requests right now; nothing was added, try again later",
            "zh": "全时当前限制请求频率；未添加任何号码，请稍后再试",
        },
        "bad_response": {
            "en": "Quanshi answered with something other than its documented JSON",
            "zh": "全时返回的内容不是文档所述的 JSON",
        },
        "not_a_phone": {
            "en": "only phone numbers can be added to a Quanshi call list",
            "zh": "全时外呼名单只能添加电话号码",
        },
        "bad_event_id": {
            "en": "a Quanshi live event id is a number",
            "zh": "全时直播 ID 必须是数字",
        },
        "bad_option": {
            "en": "Quanshi dials 0 to 60 minutes before the event",
            "zh": "全时只能在直播开始前 0 到 60 分钟外呼",
        },
    },
}
for _provider, _codes in PROVIDER_ERRORS.items():
    for _code, _texts in _codes.items():
        CATALOGUE[f"error.{_provider}.{_code}"] = _texts
# Inbound routing's sentences live with it; merged here so `t` and CATALOGUE serve every feature.
CATALOGUE.update(INBOUND_MESSAGES)


def t(key: str, locale: str, /, **params: Any) -> str:
    """The sentence `key` in `locale` (English when missing), with its placeholders filled.

    Positional-only, so a message may itself have a placeholder called `key` (option errors do).
    """
    entry = CATALOGUE[key]
    template = entry.get(locale) or entry["en"]
    values: dict[str, Any] = {"example": _EXAMPLES.get(locale, _EXAMPLES["en"])}
    values.update(params)
    return template.format_map(_Strict(values, key))


class _Strict(dict[str, Any]):
    """Fails loudly on a missing placeholder instead of printing "{name}" to users."""

    def __init__(self, values: Mapping[str, Any], key: str) -> None:
        super().__init__(values)
        self._key = key

    def __missing__(self, name: str) -> Any:
        raise KeyError(f"message {self._key!r} needs {name!r}")
