"""The sentences of Use another number (a person's reminder DM, its modal and answers), in English
and Chinese. A plain dict, merged into the one catalogue by bot/slack/messages.py.
"""

from __future__ import annotations

ANOTHER_NUMBER_MESSAGES: dict[str, dict[str, str]] = {
    "button.another_number": {"en": "Use another number", "zh": "换个号码"},
    "another_number.title": {"en": "Another number", "zh": "换个号码"},
    "another_number.submit": {"en": "Call me there", "zh": "改拨此号"},
    "another_number.close": {"en": "Cancel", "zh": "取消"},
    "another_number.label": {"en": "Number to call you on", "zh": "拨打你的号码"},
    "another_number.hint": {
        "en": "Now: {number}. Only your call of invite #{id} changes. A number without + is read as a number in "
        "{region}.",
        "zh": "当前：{number}。只更改第 {id} 号邀请中你的这通电话。不带 + 的号码按{region}号码读取。",
    },
    "another_number.changed": {
        "en": "You'll be called on {number} for invite #{id}.",
        "zh": "第 {id} 号邀请将改拨你的号码 {number}。",
    },
    "another_number.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "another_number.not_yours": {
        "en": "This call of invite #{id} is someone else's: only the person called may change its number.",
        "zh": "第 {id} 号邀请中的这通电话不是你的：只有被呼叫的人可以更改号码。",
    },
    "another_number.already_dialled": {
        "en": "Invite #{id} has already been dialled; your number could not be changed.",
        "zh": "第 {id} 号邀请已经开始拨打，无法更改你的号码。",
    },
    "another_number.already_over": {
        "en": "Invite #{id} is no longer scheduled (cancelled or missed); nothing was changed.",
        "zh": "第 {id} 号邀请已不在计划中（已取消或已错过），未做更改。",
    },
    "another_number.skipped": {
        "en": "You already chose Skip me for invite #{id}: you won't be called, so there is no number to change.",
        "zh": "你已选择不参加第 {id} 号邀请：不会拨打你，因此没有可更改的号码。",
    },
    "another_number.changed_meanwhile": {
        "en": "Your call of invite #{id} was changed meanwhile; nothing was changed. Try again.",
        "zh": "第 {id} 号邀请中你的电话刚被修改，未做更改。请重试。",
    },
    "another_number.expired": {
        "en": "That took too long for Slack to open the form; press Use another number again.",
        "zh": "耗时过长，Slack 无法打开表单；请再按一次“换个号码”。",
    },
}
