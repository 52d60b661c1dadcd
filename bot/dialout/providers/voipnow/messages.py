"""VoipNow's error codes in words, English and Chinese: shown as `error.voipnow.<code>`.

Every code the provider can leave on a failed call (its own, or ours such as `no_news`) has an entry;
the contract test checks both languages are there.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import Messages

MESSAGES: Messages = {
    "conference_not_a_number": {
        "en": "a VoipNow conference is the number of a scheduled conference, digits only, e.g. `into conf 3`",
        "zh": "VoipNow 的会议是预约会议的编号，只能是数字，例如 `呼入会议 3`",
    },
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
        "zh": "VoipNow 拒绝了应用凭据（VOIPNOW_CLIENT_ID / VOIPNOW_CLIENT_SECRET），或该应用未设为受信任。未发出呼叫。",
    },
    "token_unavailable": {
        "en": "Could not get an access token from the VoipNow server. No call was placed.",
        "zh": "无法从 VoipNow 服务器获取访问令牌。未发出呼叫。",
    },
    "no_pickup": {
        "en": "Nobody picked up before the ring time (wait=, 25 s by default) ran out.",
        "zh": "振铃时间（wait=，默认 25 秒）内无人接听。",
    },
    "ended_unanswered": {
        "en": "The call ended before it was answered; VoipNow does not say why.",
        "zh": "呼叫在接听前就结束了；VoipNow 没有说明原因。",
    },
    "no_news": {
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
}
