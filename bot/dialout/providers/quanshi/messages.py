"""Quanshi's error codes in words, English and Chinese: shown as `error.quanshi.<code>`.

Every code the provider can leave on a failed call (its own, or ours such as `no_news`) has an entry;
the contract test checks both languages are there.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import Messages

MESSAGES: Messages = {
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
}
