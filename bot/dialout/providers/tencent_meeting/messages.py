"""Tencent Meeting's error codes in words, English and Chinese: shown as `error.tencent_meeting.<code>`.

Every code the provider can leave on a failed call (its own, or ours such as `no_news`) has an entry;
the contract test checks both languages are there.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import Messages

MESSAGES: Messages = {
    "no_operator": {
        "en": "no Tencent Meeting account is mapped to the Slack user who asked; an admin must add "
        "`SlackUserId=TencentUserid` to the Tencent Meeting operators in App Home's Workspace settings "
        "(or to TENCENT_MEETING_OPERATORS)",
        "zh": "发起人的 Slack 账号未关联腾讯会议账号；需要管理员在 App 主页“工作区设置”的腾讯会议操作人中"
        "（或在 TENCENT_MEETING_OPERATORS 中）添加 `Slack用户ID=腾讯会议userid`",
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
}
