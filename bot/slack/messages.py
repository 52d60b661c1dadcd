"""Every sentence confbot shows people, in English and Simplified Chinese.

Whole sentences only, with named placeholders: translators see complete thoughts, and no
message is glued together from translated fragments. Lists are shown as bullet lines,
each a complete sentence from this catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialout.providers import REGISTRY
from bot.dialout.slack.another_number_messages import ANOTHER_NUMBER_MESSAGES
from bot.dialout.slack.button_messages import BUTTON_MESSAGES
from bot.dialout.slack.edit_messages import EDIT_MESSAGES
from bot.dialout.slack.form_messages import FORM_MESSAGES
from bot.dialout.slack.pacing_messages import PACING_MESSAGES
from bot.dialout.slack.policy_messages import POLICY_MESSAGES
from bot.dialout.slack.reminder_messages import REMINDER_MESSAGES
from bot.dialout.slack.retry_messages import RETRY_MESSAGES
from bot.dialout.slack.run_messages import RUN_MESSAGES
from bot.dialout.slack.series_messages import SERIES_MESSAGES
from bot.dialout.slack.settings_messages import SETTINGS_MESSAGES
from bot.inbound.slack.messages import INBOUND_MESSAGES
from bot.slack.install_messages import INSTALL_MESSAGES

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
            "• `/dial` alone opens a form (so does the shortcut “Schedule a dial-out”).\n"
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
            "• Repeating: `every weekday at 9:30`, `every tuesday and thursday at 4pm until dec 31` start a series; "
            "`/dial skip|pause|resume|end 3` controls series #3.\n"
            "• `remind 15m` (or `remind off`, `remind dm`: the people too) sets the reminder before the run.\n"
            "• `retry busy=3x2m noanswer=2` (or `retry off`) calls again after a busy line or no answer.\n"
            "• `/dial cancel 17` cancels invite #17.\n"
            "• `/dial list`: your upcoming dial-outs and this channel's recent ones.\n"
            "• `/dial route help`: inbound routes (who is rung when someone calls our access numbers).\n"
            "Providers here, with their options: {providers}."
        ),
        "zh": (
            "*如何使用 /dial*\n"
            "• 只输入 `/dial` 会打开表单（快捷方式“安排外呼”也可以）。\n"
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
            "• 重复：`每个工作日上午9:30`、`每周二、四下午4点到12月31日` 新建一个系列；"
            "`/dial 跳过|暂停|恢复|结束 3` 控制第 3 号系列。\n"
            "• `提前15分钟提醒`（或 `不提醒`；`私信提醒`：也私信提醒被呼叫的同事）设置开始前的提醒。\n"
            "• `重试 忙=3x2分 无人接=2`（或 `不重试`）：忙线或无人接听时再呼叫。\n"
            "• `/dial 取消 17` 取消第 17 号邀请。\n"
            "• `/dial 我的外呼`（或 `/dial 列表`）：你安排的外呼和本频道最近的外呼。\n"
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
        "en": "One invite can't become a repeating one (“{phrase}”): give a one-off time, e.g. `tomorrow 9:30`, "
        "or start a series with `/dial … every weekday at 9:30`.",
        "zh": "单个邀请不能改成重复的（“{phrase}”）：请给一次性的时间，例如 `明天上午9:30`，"
        "或用 `/dial … 每个工作日上午9:30` 新建一个系列。",
    },
    "parse.no_when": {
        "en": "Say when: type it (e.g. `in 10 minutes`), or pick a date and a time below.",
        "zh": "请给出时间：直接填写（例如 `10分钟后`），或在下方选择日期和时刻。",
    },
    "parse.when_twice": {
        "en": "Type when, or pick a date and a time below, not both: empty this box or clear the pickers.",
        "zh": "请填写时间或在下方选择日期和时刻，二者选其一：清空此框，或清除所选的日期和时刻。",
    },
    "parse.too_far": {
        "en": "“{phrase}” is more than a year away. I schedule dial-outs up to a year ahead.",
        "zh": "“{phrase}”距今超过一年。外呼最多只能提前一年安排。",
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
    "parse.bad_button": {
        "en": "That button names no invite I can find (“{text}”), so nothing was done. `/dial list` shows yours.",
        "zh": "这个按钮没有指向可识别的邀请（“{text}”），未做任何操作。`/dial 列表` 可查看你的邀请。",
    },
    "parse.command_too_long": {
        "en": "That command is {length} characters long; I read at most {max}. Split it into several invites.",
        "zh": "这条命令有 {length} 个字符，最多只能读 {max} 个。请拆成多个邀请。",
    },
    "parse.field_too_long": {
        "en": "“{text}” is too long for an id, address or option value (at most {max} characters). "
        "Check what you pasted.",
        "zh": "“{text}”太长了，会议号、地址或参数值最多 {max} 个字符。请检查粘贴的内容。",
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
    "number.shared_cost": {
        "en": "• `{text}` is a shared-cost number, which this workspace doesn't dial.",
        "zh": "• `{text}` 是分摊付费号码（如 400），本工作区不拨打此类号码。",
    },
    "number.personal_number": {
        "en": "• `{text}` is a personal (forwarding) number, which this workspace doesn't dial.",
        "zh": "• `{text}` 是个人转接号码，本工作区不拨打此类号码。",
    },
    "number.uan": {
        "en": "• `{text}` is a universal access number, which this workspace doesn't dial.",
        "zh": "• `{text}` 是统一接入号码，本工作区不拨打此类号码。",
    },
    "number.voicemail": {
        "en": "• `{text}` is a voicemail access number, which this workspace doesn't dial.",
        "zh": "• `{text}` 是语音信箱号码，本工作区不拨打此类号码。",
    },
    "number.international_network": {
        "en": "• `{text}` is a satellite or international-network number, which this workspace doesn't dial.",
        "zh": "• `{text}` 是卫星或国际网络号码，本工作区不拨打此类号码。",
    },
    "number.vanity_without_country_code": {
        "en": "• `{text}` is written with letters; write it with its country code (e.g. `+1 …`) so I know "
        "which country it is in.",
        "zh": "• `{text}` 含有字母；请加上国家代码（例如 `+1 …`），以便确定号码所属国家。",
    },
    "number.region_mismatch": {
        "en": "• `{text}` is written like a number in {region}, but without `+` I would dial it somewhere else. "
        "Write it with its country code.",
        "zh": "• `{text}` 看起来是{region}的号码，但不带 `+` 会被拨到别的地区。请加上国家代码。",
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
    "busy": {
        "en": "I'm busy with many requests right now and did not take this one: nothing was scheduled. "
        "Please try again in a minute.",
        "zh": "当前请求过多，这条命令未被受理，未安排任何呼叫。请一分钟后重试。",
    },
    "store_unavailable": {
        "en": "I can't reach my database right now, so I did not take this: nothing was scheduled. "
        "Please try again in a minute.",
        "zh": "暂时无法连接数据库，这条命令未被受理，未安排任何呼叫。请一分钟后重试。",
    },
    "internal_error": {
        "en": "Something went wrong on my side and nothing was scheduled. Please try again; if it keeps "
        "happening, tell your admin (reference {ref}).",
        "zh": "系统内部出错，未安排任何呼叫。请重试；如果一直出错，请联系管理员（编号 {ref}）。",
    },
    "internal_error.request": {
        "en": "Something went wrong on my side with that. Please try again; if it keeps happening, tell your "
        "admin (reference {ref}).",
        "zh": "系统内部出错，操作未完成。请重试；如果一直出错，请联系管理员（编号 {ref}）。",
    },
    # --- thread parent ---------------------------------------------------------------------
    "parent.header": {"en": "Invite #{id} · {status}", "zh": "邀请 #{id} · {status}"},
    "parent.text": {
        "en": "{headline}: {count} into {target} via {provider} · {when} · by {user}",
        "zh": "{headline}：{count}呼入{target} · 通过 {provider} · {when} · 发起人 {user}",
    },
    "parent.field": {"en": "*{label}*\n{value}", "zh": "*{label}*\n{value}"},
    "parent.what": {"en": "What", "zh": "呼入"},
    "parent.who": {"en": "Who", "zh": "呼叫对象"},
    "parent.when": {"en": "When", "zh": "时间"},
    "parent.provider": {"en": "Provider", "zh": "服务商"},
    "parent.by": {"en": "By", "zh": "发起人"},
    "parent.progress": {
        "en": "{dialled}/{total} dialled · {joined} of {total} joined",
        "zh": "已拨 {dialled}/{total} · {total} 方中 {joined} 方已加入",
    },
    "headline.scheduled": {"en": "Scheduled", "zh": "已安排"},
    "headline.dialing": {"en": "Dialling", "zh": "正在呼叫"},
    "headline.in_progress": {"en": "In progress", "zh": "通话中"},
    "headline.done": {"en": "Finished", "zh": "已结束"},
    "headline.missed": {"en": "Missed", "zh": "已错过"},
    "headline.cancelled": {"en": "Cancelled", "zh": "已取消"},
    "when.now_dialled": {"en": "now (dialled {at})", "zh": "立即（{at} 拨打）"},
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
    "roster.text": {"en": "Roster · {counts}", "zh": "名单 · {counts}"},
    "roster_view.button": {"en": "View all", "zh": "查看全部"},
    "roster_view.title": {"en": "Invite #{id} roster", "zh": "邀请 #{id} 名单"},
    "roster_view.close": {"en": "Close", "zh": "关闭"},
    "roster_view.page": {"en": "Page {page} of {pages}", "zh": "第 {page}/{pages} 页"},
    "roster.more_joined": {"en": "…and {n} more joined.", "zh": "……另有 {n} 方已加入。"},
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
    "state.joined_for": {"en": "joined ({minutes} min)", "zh": "已加入（{minutes} 分钟）"},
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
    "reason.policy": {"en": "not dialled: outside the dialing policy", "zh": "未拨打：不符合拨号策略"},
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
    "notice.cancelled": {"en": "Cancelled by {by}.", "zh": "已由 {by} 取消。"},
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
    "summary.for_creator": {"en": "<@{user}> {summary}", "zh": "<@{user}> {summary}"},
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
    # --- App Home ----------------------------------------------------------------------------
    "home.title": {"en": "confbot: your dial-outs", "zh": "confbot：你的外呼"},
    "home.hint": {
        "en": "Schedule with `/dial` in any channel; `/dial help` shows how.",
        "zh": "在任意频道用 `/dial` 安排外呼；`/dial 帮助` 说明用法。",
    },
    "home.channels_unlisted": {
        "en": "The dial-outs of your channels could not be listed just now; these are the ones you made.",
        "zh": "暂时无法列出你所在频道的外呼；以下是你自己安排的外呼。",
    },
    "home.upcoming": {"en": "Upcoming: yours and your channels'", "zh": "待执行：你的和你所在频道的"},
    "home.recent": {"en": "Recent", "zh": "最近"},
    "home.newer": {"en": "Newer", "zh": "上一页"},
    "home.older": {"en": "Older", "zh": "下一页"},
    "home.any_provider": {"en": "the configured one", "zh": "已配置的服务商"},
    "home.settings.title": {"en": "Workspace settings (admins)", "zh": "工作区设置（管理员）"},
    "home.audit_export": {
        "en": "Send me the audit trail (last 30 days, CSV)",
        "zh": "把审计记录发给我（最近 30 天，CSV）",
    },
    "audit.csv_title": {"en": "Audit trail, last {days} days", "zh": "审计记录（最近 {days} 天）"},
    "audit.csv_comment": {
        "en": "The audit trail of the last {days} days: {n} events (who did what, and each call's outcome).",
        "zh": "最近 {days} 天的审计记录：共 {n} 条（谁做了什么，以及每通电话的结果）。",
    },
    "home.settings.providers": {"en": "Providers ready: {ready}", "zh": "可用的服务商：{ready}"},
    "home.settings.not_ready": {
        "en": "Providers not configured (missing settings): {providers}",
        "zh": "未配置的服务商（缺少的设置）：{providers}",
    },
    "home.settings.defaults": {"en": "Default providers: {defaults}", "zh": "默认服务商：{defaults}"},
    "home.settings.region": {
        "en": "Numbers without a country code are read as {region} numbers",
        "zh": "不带国家代码的号码按 {region} 号码理解",
    },
    "home.settings.countries": {
        "en": "Countries that may be dialled: {countries}",
        "zh": "允许呼叫的国家：{countries}",
    },
    "home.settings.every_country": {"en": "every country", "zh": "所有国家"},
    "home.settings.blocked_types": {
        "en": "Number types refused (toll-fraud destinations, each switchable by a BLOCK_* setting): {types}",
        "zh": "拒绝呼叫的号码类型（常见盗打目标，可用 BLOCK_* 设置逐项开关）：{types}",
    },
    "numtype.premium_rate": {"en": "premium rate", "zh": "收费增值号码"},
    "numtype.shared_cost": {"en": "shared cost", "zh": "分摊付费号码"},
    "numtype.personal_number": {"en": "personal (forwarding) numbers", "zh": "个人转接号码"},
    "numtype.uan": {"en": "universal access numbers", "zh": "统一接入号码"},
    "numtype.voicemail": {"en": "voicemail access", "zh": "语音信箱号码"},
    "numtype.international_network": {"en": "satellite and international networks", "zh": "卫星和国际网络号码"},
    "home.settings.invite_admins": {
        "en": "Who may use any invite's buttons besides its creator and admins: {group}",
        "zh": "除创建者和管理员外可操作任何邀请按钮的用户组：{group}",
    },
    "home.settings.grace": {
        "en": "A run missed while the bot was down is still dialled up to {minutes} min late",
        "zh": "机器人停机错过的外呼，迟到 {minutes} 分钟内仍会拨出",
    },
    "home.settings.route_admins": {
        "en": "Who may change inbound routes besides admins: {group}",
        "zh": "除管理员外可修改呼入路由的用户组：{group}",
    },
    "home.settings.where": {
        "en": "Read-only: these come from the bot's environment (see .env.example); credentials are never shown.",
        "zh": "只读：以上来自机器人的环境变量（见 .env.example）；凭据从不显示。",
    },
    # --- /dial list (我的外呼) ----------------------------------------------------------------
    "list.upcoming": {"en": "Your upcoming dial-outs", "zh": "我安排的外呼"},
    "list.recent": {"en": "Recent in this channel", "zh": "本频道最近的外呼"},
    "list.no_upcoming": {
        "en": "Nothing scheduled by you. `/dial help` shows how to schedule one.",
        "zh": "你没有待执行的外呼。`/dial 帮助` 说明如何安排。",
    },
    "list.no_recent": {"en": "No dial-outs in this channel yet.", "zh": "本频道还没有外呼。"},
    "list.line": {
        "en": "*#{id}* · {count} into {target} via {provider} · {when}",
        "zh": "*#{id}* · {count}，{target}，经 {provider} · {when}",
    },
    "list.summary": {
        "en": "{upcoming} upcoming dial-outs of yours, {recent} recent in this channel",
        "zh": "你有 {upcoming} 个待执行的外呼，本频道最近 {recent} 个",
    },
}

# Provider error codes explained in words: key "error.<provider>.<code>", looked up when a call fails
# with that code (dialout/slack/thread.py: explain_failure). Each provider brings its own texts
# (providers/<name>/messages.py), merged here from the registry.
for _name, _plugin in REGISTRY.items():
    for _code, _words in _plugin.messages.items():
        CATALOGUE[f"error.{_name}.{_code}"] = dict(_words)
# Inbound routing's sentences live with it; merged here so `t` and CATALOGUE serve every feature.
CATALOGUE.update(INBOUND_MESSAGES)
# The invite buttons' sentences live with them (dialout/slack/button_messages.py).
CATALOGUE.update(BUTTON_MESSAGES)
CATALOGUE.update(INSTALL_MESSAGES)  # OAuth install pages (slack/install_messages.py)
CATALOGUE.update(EDIT_MESSAGES)  # Edit and Add people (dialout/slack/edit_messages.py)
CATALOGUE.update(REMINDER_MESSAGES)  # reminders and Postpone (dialout/slack/reminder_messages.py)
CATALOGUE.update(ANOTHER_NUMBER_MESSAGES)  # Use another number (dialout/slack/another_number_messages.py)
CATALOGUE.update(RUN_MESSAGES)  # a run's summary details and CSV (dialout/slack/run_messages.py)
# The /dial form's words live with it (dialout/slack/form_messages.py).
CATALOGUE.update(FORM_MESSAGES)
CATALOGUE.update(SERIES_MESSAGES)  # recurring invites (dialout/slack/series_messages.py)
CATALOGUE.update(RETRY_MESSAGES)  # retries per outcome (dialout/slack/retry_messages.py)
CATALOGUE.update(PACING_MESSAGES)  # paced bulk dialing (dialout/slack/pacing_messages.py)
CATALOGUE.update(POLICY_MESSAGES)  # the dialing policy's limits (dialout/slack/policy_messages.py)
CATALOGUE.update(SETTINGS_MESSAGES)  # App Home's workspace settings (dialout/slack/settings_messages.py)


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
