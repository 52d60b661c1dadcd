"""The /dial form's words, in English and Simplified Chinese; merged into the one catalogue (bot/slack/messages.py).

Field errors are shown by Slack under their field as plain text, so they carry no mrkdwn or
mentions. A problem with no sentence of its own here is worded by its typed-command sentence.
"""

from __future__ import annotations

FORM_MESSAGES: dict[str, dict[str, str]] = {
    "form.title": {"en": "Schedule a dial-out", "zh": "安排外呼"},
    "form.submit": {"en": "Schedule", "zh": "安排"},
    "form.close": {"en": "Cancel", "zh": "取消"},
    "form.provider": {"en": "Provider", "zh": "服务商"},
    "form.provider_kind": {"en": "{title} · {kind}", "zh": "{title} · {kind}"},
    "form.kind.conference": {"en": "conference", "zh": "电话会议"},
    "form.kind.meeting": {"en": "meeting rooms", "zh": "会议室"},
    "form.kind.event": {"en": "live event", "zh": "直播"},
    "form.target.conference": {"en": "Conference id", "zh": "电话会议号"},
    "form.target.meeting": {"en": "Meeting id", "zh": "视频会议号"},
    "form.target.event": {"en": "Live event id", "zh": "直播 ID"},
    "form.people": {"en": "People", "zh": "同事"},
    "form.people_hint": {
        "en": "Each is dialled on the phone number in their Slack profile.",
        "zh": "拨打每位同事 Slack 资料中的电话号码。",
    },
    "form.numbers": {"en": "Phone numbers", "zh": "电话号码"},
    "form.numbers_hint": {
        "en": "One per line or comma-separated. A name may go with a number: Amy <13800138000>.",
        "zh": "每行一个或用逗号分隔。号码可带名字：Amy <13800138000>。",
    },
    "form.rooms": {"en": "Meeting rooms", "zh": "会议室"},
    "form.rooms_hint": {
        "en": "Room ids, or sip:… and h323:… addresses, one per line or comma-separated.",
        "zh": "会议室 ID，或 sip:… / h323:… 地址，每行一个或用逗号分隔。",
    },
    "form.before": {"en": "Minutes before the start", "zh": "提前几分钟外呼"},
    "form.before_hint": {
        "en": "How long before the event starts people are called, e.g. 15.",
        "zh": "直播开始前多少分钟呼叫，例如 15。",
    },
    "form.when": {"en": "When", "zh": "时间"},
    "form.when_placeholder": {"en": "now, in 10 minutes, tomorrow 3pm", "zh": "现在、10分钟后、明天下午3点"},
    "form.when_waiting": {
        "en": "Read in your time zone ({tz}); how it is read shows here as you type.",
        "zh": "按你的时区（{tz}）理解；输入时这里会显示理解的结果。",
    },
    "form.when_now": {"en": "Read as now: dialled as soon as you schedule it.", "zh": "理解为立即：提交后马上拨打。"},
    "form.when_at": {"en": "Read as {at} ({tz}).", "zh": "理解为 {at}（{tz}）。"},
    "form.when_error": {"en": "⚠️ {error}", "zh": "⚠️ {error}"},
    "form.date": {"en": "Or pick a date", "zh": "或选择日期"},
    "form.date_hint": {
        "en": "With a time below, in your time zone ({tz}); leave the box above empty to use them.",
        "zh": "与下方的时刻一起，按你的时区（{tz}）理解；使用它们时请清空上面的文本框。",
    },
    "form.time": {"en": "and a time", "zh": "和时刻"},
    "form.time_hint": {
        "en": "Without a date: today ({tz}).",
        "zh": "不选日期即为今天（{tz}）。",
    },
    "form.error.time.needs_time": {"en": "Pick a time for that date.", "zh": "请为所选日期选择时刻。"},
    "form.error.time.past_time": {
        "en": "That time has already passed in your time zone ({tz}). Pick a later one.",
        "zh": "按你的时区（{tz}），该时刻已经过去了。请选择一个将来的时刻。",
    },
    "form.error.date.past_time": {
        "en": "That date has already passed in your time zone ({tz}). Pick a later one.",
        "zh": "按你的时区（{tz}），该日期已经过去了。请选择一个将来的日期。",
    },
    "form.error.date.too_far": {
        "en": "That is more than a year away; dial-outs can be scheduled up to a year ahead.",
        "zh": "所选日期距今超过一年；外呼最多只能提前一年安排。",
    },
    "form.channel": {"en": "Follow it in", "zh": "在哪里跟进"},
    "form.channel_hint": {
        "en": "The thread with the roster is posted here; confbot must be in it.",
        "zh": "名单和进展会发在这里的消息串中；confbot 需要在该会话中。",
    },
    "form.options": {"en": "Provider options", "zh": "服务商参数"},
    "form.options_hint": {
        "en": "key=value, one per line. {provider} takes: {keys}.",
        "zh": "写成 key=value，每行一个。{provider} 支持：{keys}。",
    },
    "form.option_key": {"en": "{key} ({hint})", "zh": "{key}（{hint}）"},
    "form.retry": {"en": "Retries", "zh": "重试"},
    "form.retry_hint": {
        "en": "Call again after busy, no answer or a provider error: busy=3x2m noanswer=2 error=3x30s "
        "(times x after how long), or off. Empty: this workspace's default.",
        "zh": "占线、无人接听或服务商出错后再拨：忙=3x2分 无人接=2 出错=3x30秒（次数x间隔），或 关。"
        "留空：使用本工作区的默认设置。",
    },
    "form.max": {"en": "Longest a call may last", "zh": "每通电话最长时长"},
    "form.max_hint": {
        "en": "e.g. 30m or 1h; {provider} allows {low} to {high}. Empty: no limit of ours.",
        "zh": "例如 30m 或 1h；{provider} 允许 {low} 到 {high}。留空：不另设上限。",
    },
    "form.no_providers": {
        "en": "No provider is set up to dial out yet, so there is nothing to schedule. Ask an admin to configure one.",
        "zh": "还没有配置可外呼的服务商，无法安排。请联系管理员配置。",
    },
    "form.expired": {
        "en": "Slack gave up waiting for the form to open. Please try again.",
        "zh": "Slack 等待表单打开超时，请重试。",
    },
    # --- errors under a field (plain text) ------------------------------------------------------
    "form.error.people.no_parties": {
        "en": "Pick people, or write at least one phone number below.",
        "zh": "请选择同事，或在下方填写至少一个电话号码。",
    },
    "form.error.rooms.no_parties": {"en": "Write at least one meeting room.", "zh": "请至少填写一个会议室。"},
    "form.error.numbers.unknown_words": {
        "en": "These are not phone numbers: {words}. Write one number per line (Name <number> is fine).",
        "zh": "以下不是电话号码：{words}。请每行写一个号码（可写成 名字 <号码>）。",
    },
    "form.error.rooms.unknown_words": {
        "en": "These are not room ids or sip:/h323: addresses: {words}.",
        "zh": "以下不是会议室 ID 或 sip:/h323: 地址：{words}。",
    },
    "form.error.options.unknown_words": {
        "en": "Write options as key=value; these are not: {words}.",
        "zh": "参数请写成 key=value；以下不符合：{words}。",
    },
    "form.error.target.bad_target_id": {
        "en": "Write the id only, e.g. 42: letters, digits and - _ . * #.",
        "zh": "只写会议号，例如 42：字母、数字和 - _ . * #。",
    },
    "form.error.target.bad_event_id": {
        "en": "A live event id is digits only, e.g. 542818.",
        "zh": "直播 ID 只能是数字，例如 542818。",
    },
    "form.error.people.no_phone": {
        "en": "No usable phone number in the Slack profile of: {names}. Ask them to add one, or write their "
        "number below.",
        "zh": "以下同事的 Slack 资料中没有可用的电话号码：{names}。请他们补上，或在下方直接写号码。",
    },
    "form.error.channel.cannot_post_here": {
        "en": "I'm not in that conversation, so I can't post the thread there. Add me with /invite @confbot, "
        "or pick one I'm in.",
        "zh": "我不在该会话中，无法在那里发消息串。请用 /invite @confbot 邀请我，或选择我所在的会话。",
    },
}
