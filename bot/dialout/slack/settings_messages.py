"""The sentences of App Home's workspace settings (the button, the modal, each box's error), in English and
Simplified Chinese; merged into the one catalogue by bot/slack/messages.py."""

from __future__ import annotations

SETTINGS_MESSAGES: dict[str, dict[str, str]] = {
    "home.settings.manage": {"en": "Workspace settings", "zh": "工作区设置"},
    "settings.title": {"en": "Workspace settings", "zh": "工作区设置"},
    "settings.submit": {"en": "Save", "zh": "保存"},
    "settings.close": {"en": "Cancel", "zh": "取消"},
    "settings.intro": {
        "en": (
            "These apply to everyone in this workspace. "
            "Provider credentials stay with the operator and are never shown here."
        ),
        "zh": "这些设置适用于本工作区的所有人。服务商的凭据由运维保管，不会在此显示。",
    },
    "settings.any_provider": {"en": "Any configured provider", "zh": "任一已配置的服务商"},
    "settings.label.provider_conference": {"en": "Default provider for conferences", "zh": "电话会议的默认服务商"},
    "settings.label.provider_meeting": {"en": "Default provider for meetings", "zh": "视频会议的默认服务商"},
    "settings.label.provider_event": {"en": "Default provider for events", "zh": "直播活动的默认服务商"},
    "settings.label.region": {"en": "Default region", "zh": "默认地区"},
    "settings.hint.region": {
        "en": "Numbers written without +country code are read in this region (ISO code, e.g. CN).",
        "zh": "不带 + 国家码的号码按此地区解读（ISO 代码，如 CN）。",
    },
    "settings.label.allowed_countries": {"en": "Allowed countries", "zh": "允许拨打的国家/地区"},
    "settings.hint.allowed_countries": {
        "en": "ISO codes separated by commas, e.g. CN, HK; empty allows every country.",
        "zh": "用逗号分隔的 ISO 代码，如 CN, HK；留空则允许所有国家/地区。",
    },
    "settings.label.blocked_types": {"en": "Blocked number types", "zh": "禁止拨打的号码类型"},
    "settings.type.block_premium_rate": {"en": "Premium-rate numbers", "zh": "高额付费号码"},
    "settings.type.block_shared_cost": {"en": "Shared-cost numbers", "zh": "分摊费用号码"},
    "settings.type.block_personal_numbers": {"en": "Personal numbers", "zh": "个人号码（转接号码）"},
    "settings.type.block_uan": {"en": "Universal access numbers", "zh": "统一接入号码"},
    "settings.type.block_voicemail": {"en": "Voicemail numbers", "zh": "语音信箱号码"},
    "settings.type.block_international_networks": {
        "en": "Satellite and international networks",
        "zh": "卫星及国际网络号码",
    },
    "settings.label.max_parties": {"en": "Most parties in one invite", "zh": "每个邀请的最多参与方"},
    "settings.label.daily_per_user": {"en": "Daily calls per user", "zh": "每位用户每日呼叫上限"},
    "settings.label.daily_per_workspace": {"en": "Daily calls for the workspace", "zh": "工作区每日呼叫上限"},
    "settings.label.approval_over": {
        "en": "Ask an admin to approve invites with more parties than",
        "zh": "参与方多于此数的邀请需管理员批准",
    },
    "settings.hint.count": {"en": "A whole number; 0 or empty means no limit.", "zh": "整数；0 或留空表示不限制。"},
    "settings.label.quiet_hours": {"en": "Quiet hours", "zh": "免打扰时段"},
    "settings.hint.quiet_hours": {
        "en": "HH:MM-HH:MM, e.g. 21:00-08:00; empty: never quiet.",
        "zh": "格式 HH:MM-HH:MM，如 21:00-08:00；留空表示不设免打扰。",
    },
    "settings.label.default_tz": {"en": "Default time zone", "zh": "默认时区"},
    "settings.hint.default_tz": {
        "en": "For people whose Slack profile has none, e.g. Asia/Shanghai.",
        "zh": "用于 Slack 资料中没有时区的人，如 Asia/Shanghai。",
    },
    "settings.label.retry_policy": {"en": "Default retries", "zh": "默认重试"},
    "settings.hint.retry_policy": {
        "en": "As in /dial: busy=3x2m noanswer=2 error=3x30s, or off.",
        "zh": "与 /dial 相同：busy=3x2m noanswer=2 error=3x30s，或 off。",
    },
    "settings.label.reminder_minutes": {"en": "Reminder, minutes before a run", "zh": "提前提醒（分钟）"},
    "settings.hint.reminder_minutes": {"en": "0 turns reminders off.", "zh": "0 表示不提醒。"},
    "settings.label.pace_per_min": {"en": "Workspace pace (calls per minute)", "zh": "工作区外呼速率（每分钟）"},
    "settings.hint.pace_per_min": {"en": "0 or empty: no workspace limit.", "zh": "0 或留空：不限制。"},
    "settings.label.tencent_operators": {"en": "Tencent Meeting operators", "zh": "腾讯会议操作人"},
    "settings.hint.tencent_operators": {
        "en": "Slack user = Tencent userid, e.g. U123=user1, U456=user2.",
        "zh": "Slack 用户 = 腾讯会议 userid，如 U123=user1, U456=user2。",
    },
    "settings.label.invite_admin_group": {"en": "Invite admins (user group)", "zh": "邀请管理员（用户组）"},
    "settings.label.route_admin_group": {"en": "Inbound route managers (user group)", "zh": "呼入路由管理员（用户组）"},
    "settings.hint.group": {
        "en": "A Slack user group id (S…); empty: workspace admins only.",
        "zh": "Slack 用户组 ID（S 开头）；留空则仅工作区管理员。",
    },
    # --- errors, shown under the box at fault ---------------------------------------------------
    "settings.error.not_admin": {
        "en": (
            "Only workspace admins and members of the invite admin group may change these settings; nothing was saved."
        ),
        "zh": "只有工作区管理员和邀请管理员用户组的成员可以更改这些设置；未保存任何内容。",
    },
    "settings.error.provider": {
        "en": "{provider} is not a configured provider for this kind of call.",
        "zh": "{provider} 不是可用于此类呼叫的已配置服务商。",
    },
    "settings.error.region": {
        "en": "“{code}” is not a region code; write a two-letter ISO code such as CN or US.",
        "zh": "“{code}”不是地区代码；请填写两个字母的 ISO 代码，如 CN 或 US。",
    },
    "settings.error.country": {
        "en": "Not country codes: {codes}. Write two-letter ISO codes separated by commas, such as CN, HK.",
        "zh": "以下不是国家/地区代码：{codes}。请填写用逗号分隔的两个字母 ISO 代码，如 CN, HK。",
    },
    "settings.error.count": {
        "en": "“{text}” is not a whole number from 0 to {max}.",
        "zh": "“{text}”不是 0 到 {max} 之间的整数。",
    },
    "settings.error.reminder": {
        "en": "“{text}” is not a number of minutes from 0 to {max}.",
        "zh": "“{text}”不是 0 到 {max} 之间的分钟数。",
    },
    "settings.error.quiet_hours": {
        "en": "“{text}” is not quiet hours; write HH:MM-HH:MM, such as 21:00-08:00.",
        "zh": "“{text}”不是有效的免打扰时段；请写成 HH:MM-HH:MM，如 21:00-08:00。",
    },
    "settings.error.time_zone": {
        "en": "“{text}” is not a time zone; write one such as Asia/Shanghai or UTC.",
        "zh": "“{text}”不是时区；请填写如 Asia/Shanghai 或 UTC。",
    },
    "settings.error.retry": {
        "en": "The retries cannot be read at “{text}”; write them like busy=3x2m noanswer=2, or off.",
        "zh": "无法读取重试设置中的“{text}”；请写成 busy=3x2m noanswer=2，或 off。",
    },
    "settings.error.pace": {
        "en": "“{text}” is not a number of calls per minute from 0 to {max}.",
        "zh": "“{text}”不是 0 到 {max} 之间的每分钟呼叫数。",
    },
    "settings.error.operators": {
        "en": "“{part}” is not written as Slack user = Tencent userid, such as U123=user1.",
        "zh": "“{part}”的格式不对，应为 Slack 用户 = 腾讯会议 userid，如 U123=user1。",
    },
    "settings.error.group": {
        "en": "“{text}” is not a Slack user group id (it starts with S, such as S0123ABC).",
        "zh": "“{text}”不是 Slack 用户组 ID（以 S 开头，如 S0123ABC）。",
    },
    "settings.error.blocked_type": {
        "en": "{type} is not a number type that can be blocked.",
        "zh": "{type} 不是可以禁止的号码类型。",
    },
    "settings.expired": {
        "en": "The settings could not be opened in time; press Workspace settings again.",
        "zh": "未能及时打开设置；请再次点击“工作区设置”。",
    },
}
