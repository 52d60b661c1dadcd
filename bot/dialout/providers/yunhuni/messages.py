"""Yunhuni's error codes in words, English and Chinese: shown as `error.yunhuni.<code>`.

Every code the provider can leave on a failed call (its own, or ours such as `no_news`) has an entry;
the contract test checks both languages are there.
"""

from __future__ import annotations

from bot.dialout.providers.plugin import Messages

MESSAGES: Messages = {
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
        "en": "Yunhuni could not bring the call into the conference and gives no reason (no answer, busy or refused).",
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
}
