"""The sandbox's error codes in words, English and Chinese: shown as `error.sandbox.<code>`.

Every code the simulator (bot/sandbox/server.py) can answer, and the core's `no_news`, has an entry; the
contract test checks both languages are there.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import Messages

MESSAGES: Messages = {
    "invalid_number": {
        "en": "The sandbox only dials numbers in international form (+8613800138000).",
        "zh": "沙盒只拨打国际格式的号码（+8613800138000）。",
    },
    "not_a_phone": {
        "en": "The sandbox only dials phone numbers.",
        "zh": "沙盒只能拨打电话号码。",
    },
    "invalid_conference": {
        "en": "The sandbox needs a conference id.",
        "zh": "沙盒需要会议号。",
    },
    "invalid_callback": {
        "en": "The sandbox refused our webhook address: it only calls back this deployment (check PUBLIC_URL).",
        "zh": "沙盒拒绝了我们的回调地址：它只回调本部署（请检查 PUBLIC_URL）。",
    },
    "bad_json": {
        "en": "The sandbox could not read our request.",
        "zh": "沙盒无法读取我们的请求。",
    },
    "unauthorized": {
        "en": "The sandbox refused our API key: check SANDBOX_API_KEY.",
        "zh": "沙盒拒绝了我们的 API 密钥：请检查 SANDBOX_API_KEY。",
    },
    "no_call_id": {
        "en": "The sandbox accepted the call without a call id, so its outcome cannot be followed.",
        "zh": "沙盒接受了呼叫但没有返回呼叫 ID，因此无法跟踪结果。",
    },
    "no_news": {
        "en": "The sandbox sent no news of this call for longer than it ever rings: its webhooks did not "
        "reach confbot (check PUBLIC_URL).",
        "zh": "沙盒在超过最长振铃时间后仍未发来这通呼叫的消息：它的回调没有送达 confbot（请检查 PUBLIC_URL）。",
    },
}
