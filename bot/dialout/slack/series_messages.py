"""The sentences of recurring invites (series), in English and Simplified Chinese.

A plain dict, merged into the one catalogue by bot/slack/messages.py (so `t` serves it and
tests/slack/test_messages.py checks every entry in both languages with the same placeholders).
"""

from __future__ import annotations

SERIES_MESSAGES: dict[str, dict[str, str]] = {
    "parent.series": {"en": "one run of repeating series #{id}", "zh": "重复外呼系列 #{id} 的一次"},
    # --- the rule in words ------------------------------------------------------------------
    "rule.weekdays": {"en": "every weekday at {time}", "zh": "每个工作日 {time}"},
    "rule.daily": {"en": "every day at {time}", "zh": "每天 {time}"},
    "rule.weekly": {"en": "every {days} at {time}", "zh": "每{days} {time}"},
    "rule.monthly": {"en": "on day {day} of every month at {time}", "zh": "每月{day}日 {time}"},
    "rule.until": {"en": "{rule}, until {day}", "zh": "{rule}，至{day}"},
    "rule.and": {"en": " and ", "zh": "、"},
    "rule.zone": {"en": "{rule} ({tz})", "zh": "{rule}（{tz}）"},
    # --- confirmation -----------------------------------------------------------------------
    "series.started": {
        "en": "Series #{id}: {count} into {target} via {provider}, {rule}. Next: {upcoming}. "
        "Each time is its own invite, posted in this channel {lead} min before. "
        "`/dial skip {id}` · `/dial pause {id}` · `/dial end {id}`",
        "zh": "第 {id} 号系列：{rule}通过 {provider} 把 {count}拨入 {target}。接下来：{upcoming}。"
        "每次都是单独的邀请，提前 {lead} 分钟发在本频道。"
        "`/dial 跳过 {id}` · `/dial 暂停 {id}` · `/dial 结束 {id}`",
    },
    "series.started_none": {
        "en": "Series #{id} ({rule}) has no occurrence left, so nothing will be dialled.",
        "zh": "第 {id} 号系列（{rule}）已没有剩余的时间，不会拨打。",
    },
    # --- the series' own message ------------------------------------------------------------
    "series.message": {
        "en": "*Series #{id}* by <@{creator}>: {count} into {target} via {provider}, {rule}.",
        "zh": "*第 {id} 号系列*（<@{creator}> 创建）：{rule}通过 {provider} 把 {count}拨入 {target}。",
    },
    "series.next": {"en": "Next: {upcoming}", "zh": "接下来：{upcoming}"},
    "series.skipping": {"en": "Skipping {at}.", "zh": "将跳过 {at}。"},
    "series.status.paused": {"en": "⏸ Paused: nothing is dialled until resumed.", "zh": "⏸ 已暂停：恢复前不会拨打。"},
    "series.status.ended": {"en": "⏹ Ended.", "zh": "⏹ 已结束。"},
    "button.series_skip": {"en": "Skip next", "zh": "跳过下一次"},
    "button.series_pause": {"en": "Pause", "zh": "暂停"},
    "button.series_resume": {"en": "Resume", "zh": "恢复"},
    "button.series_end": {"en": "End series", "zh": "结束系列"},
    "button.series_end_confirm_title": {"en": "End this series?", "zh": "结束这个系列？"},
    "button.series_end_confirm_text": {
        "en": "No more invites are made from it; one already posted and not yet dialled is cancelled.",
        "zh": "之后不再按此系列创建邀请；已发出但尚未拨打的那一次也会取消。",
    },
    "button.series_end_confirm_yes": {"en": "End series", "zh": "结束系列"},
    "button.series_end_confirm_no": {"en": "Keep it", "zh": "保留"},
    # --- controls ---------------------------------------------------------------------------
    "series.skipped": {"en": "Series #{id}: {at} is skipped.", "zh": "第 {id} 号系列：已跳过 {at}。"},
    "series.paused": {"en": "Series #{id} is paused.", "zh": "第 {id} 号系列已暂停。"},
    "series.resumed": {
        "en": "Series #{id} is running again. Next: {upcoming}.",
        "zh": "第 {id} 号系列已恢复。接下来：{upcoming}。",
    },
    "series.ended": {"en": "Series #{id} has ended.", "zh": "第 {id} 号系列已结束。"},
    "series.not_found": {"en": "There is no series #{id}.", "zh": "没有第 {id} 号系列。"},
    "series.not_active": {"en": "Series #{id} is paused or has ended.", "zh": "第 {id} 号系列已暂停或已结束。"},
    "series.not_paused": {"en": "Series #{id} is not paused.", "zh": "第 {id} 号系列没有暂停。"},
    "series.already_ended": {"en": "Series #{id} has already ended.", "zh": "第 {id} 号系列已经结束了。"},
    "series.already_skipped": {
        "en": "Series #{id}: {at} is already skipped.",
        "zh": "第 {id} 号系列：{at} 已经跳过了。",
    },
    "series.no_more": {"en": "Series #{id} has no occurrence left.", "zh": "第 {id} 号系列已没有剩余的时间。"},
    "series.not_allowed": {
        "en": "Only the person who created series #{id} (<@{creator}>) or a workspace admin may do that.",
        "zh": "只有第 {id} 号系列的创建者（<@{creator}>）或工作区管理员可以这样做。",
    },
    "series.not_allowed_group": {
        "en": "Only the person who created series #{id} (<@{creator}>), a workspace admin or a member of "
        "<!subteam^{group}> may do that.",
        "zh": "只有第 {id} 号系列的创建者（<@{creator}>）、工作区管理员或 <!subteam^{group}> 的成员可以这样做。",
    },
    "series.bad_id": {
        "en": "“{text}” is not a series number. Write it as in `/dial skip 3` (`/dial list` shows them).",
        "zh": "“{text}”不是系列编号。请这样写：`/dial 跳过 3`（`/dial list` 可以查看编号）。",
    },
    # --- /dial list -------------------------------------------------------------------------
    "series.list_title": {"en": "*Repeating invites*", "zh": "*重复邀请*"},
    "series.list_line": {"en": "#{id} · {rule} · {state}", "zh": "#{id} · {rule} · {state}"},
    "series.list_next": {"en": "next {at}", "zh": "下次 {at}"},
    "series.list_paused": {"en": "paused", "zh": "已暂停"},
}
