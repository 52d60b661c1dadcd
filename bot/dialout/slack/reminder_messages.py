"""The sentences of reminders (the reply before a run, its buttons, Postpone), in English and Chinese.

A plain dict, merged into the one catalogue by bot/slack/messages.py.
"""

from __future__ import annotations

REMINDER_MESSAGES: dict[str, dict[str, str]] = {
    "reminder.text": {
        "en": "<@{user}> Reminder: invite #{id} dials {count} into {target} in {minutes} min, at {at}.",
        "zh": "<@{user}> 提醒：第 {id} 号邀请将在 {minutes} 分钟后（{at}）拨打{count}加入{target}。",
    },
    "reminder.one_off": {
        "en": "This invite runs once: Skip cancels it.",
        "zh": "此邀请只运行一次：跳过即取消它。",
    },
    "button.postpone": {"en": "Postpone 10 min", "zh": "推迟 10 分钟"},
    "button.skip": {"en": "Skip", "zh": "跳过"},
    "button.skip_confirm_title": {"en": "Skip this run?", "zh": "跳过这次？"},
    "button.skip_confirm_text": {
        "en": "This invite runs once, so skipping it cancels it: nobody is called.",
        "zh": "此邀请只运行一次，跳过即取消：不会拨打任何人。",
    },
    "button.skip_confirm_yes": {"en": "Skip", "zh": "跳过"},
    "button.skip_confirm_no": {"en": "Keep it", "zh": "保留"},
    "postpone.postponed": {
        "en": "Invite #{id} is postponed by 10 minutes.",
        "zh": "第 {id} 号邀请已推迟 10 分钟。",
    },
    "postpone.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "postpone.already_dialled": {
        "en": "Invite #{id} has already been dialled; it was not postponed.",
        "zh": "第 {id} 号邀请已经拨打，无法推迟。",
    },
    "postpone.already_over": {
        "en": "Invite #{id} is no longer scheduled (cancelled or missed); nothing was postponed.",
        "zh": "第 {id} 号邀请已不在计划中（已取消或已错过），未做推迟。",
    },
    "postpone.changed": {
        "en": "Invite #{id} was changed meanwhile; nothing was postponed. Look at its thread and try again.",
        "zh": "第 {id} 号邀请刚被修改，未做推迟。请查看其消息串后重试。",
    },
    "notice.postponed": {
        "en": "Postponed {minutes} min by {by}: now at {at}.",
        "zh": "已由 {by} 推迟 {minutes} 分钟：现在为 {at}。",
    },
    # Profile phones read in their owner's zone (dialout/core/profile_region.py): one sentence, kept here.
    "scheduled.assumed_region": {
        "en": "<@{user}>'s profile number has no country code: read as a number in {region} (their Slack time zone).",
        "zh": "<@{user}> 的资料号码没有国家代码：已按其 Slack 时区当作{region}号码。",
    },
    "reminder.dm": {
        "en": "You'll be called at {at} on {number} for {target} (invite #{id}).",
        "zh": "将于 {at} 拨打你的号码 {number}，加入{target}（第 {id} 号邀请）。",
    },
    "button.skip_me": {"en": "Skip me", "zh": "不用呼我"},
    "skip_me.skipped": {
        "en": "You won't be called for invite #{id}; everyone else still is.",
        "zh": "第 {id} 号邀请不会再拨打你；其他人照常拨打。",
    },
    "skip_me.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "skip_me.not_yours": {
        "en": "This call of invite #{id} is someone else's: only the person called may skip it.",
        "zh": "第 {id} 号邀请中的这通电话不是你的：只有被呼叫的人可以跳过。",
    },
    "skip_me.already_dialled": {
        "en": "Invite #{id} has already been dialled; your call could not be withdrawn.",
        "zh": "第 {id} 号邀请已经开始拨打，无法撤回你的电话。",
    },
    "skip_me.already_over": {
        "en": "Your call of invite #{id} is no longer scheduled (cancelled, missed or skipped already).",
        "zh": "第 {id} 号邀请中你的电话已不在计划中（已取消、已错过或已跳过）。",
    },
    "notice.skipped_me": {"en": "{by} asked not to be called this time.", "zh": "{by} 这次不接听，已撤回其电话。"},
    "parse.bad_remind": {
        "en": "I couldn't read the reminder `{text}`: write `remind 15m` (up to a day before), or `remind off`.",
        "zh": "无法识别提醒设置 `{text}`：请写 `提前15分钟提醒`（最多提前一天），或 `不提醒`。",
    },
}
