"""The sentences of Edit and Add people on an invite's thread parent, in English and Simplified Chinese.

Merged into the one catalogue by bot/slack/messages.py, like the other buttons' sentences (a test
checks every entry in both languages with the same placeholders). People are named in plain text
in the thread replies, never `<@mentioned>`, so an edit pings nobody.
"""

from __future__ import annotations

EDIT_MESSAGES: dict[str, dict[str, str]] = {
    # --- the buttons ------------------------------------------------------------------------
    "button.edit": {"en": "Edit", "zh": "编辑"},
    "button.add_people": {"en": "Add people", "zh": "添加人员"},
    # --- Edit -------------------------------------------------------------------------------
    "edit.title": {"en": "Edit invite #{id}", "zh": "编辑邀请 #{id}"},
    "edit.submit": {"en": "Save", "zh": "保存"},
    "edit.edited": {"en": "Invite #{id} is updated.", "zh": "第 {id} 号邀请已更新。"},
    "edit.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "edit.already_dialled": {
        "en": "Invite #{id} has already been dialled, so it can no longer be edited; nothing was changed.",
        "zh": "第 {id} 号邀请已经拨打，不能再编辑；未做任何更改。",
    },
    "edit.already_over": {
        "en": "Invite #{id} was cancelled or missed meanwhile; nothing was changed.",
        "zh": "第 {id} 号邀请已被取消或已错过；未做任何更改。",
    },
    "edit.changed": {
        "en": "Invite #{id} was changed by someone else after this form was opened; nothing was changed. "
        "Close the form and press Edit again to see it as it is now.",
        "zh": "打开此表单后，第 {id} 号邀请已被他人修改；未做任何更改。请关闭表单并重新点击“编辑”查看最新内容。",
    },
    "notice.edited": {"en": "{by} {what}.", "zh": "{by} {what}。"},
    "edit.part.moved": {"en": "moved it to {at}", "zh": "将时间改到 {at}"},
    "edit.part.added": {"en": "added {n}", "zh": "添加了 {n}"},
    "edit.part.removed": {"en": "removed {n}", "zh": "移除了 {n}"},
    "edit.part.settings": {"en": "changed its settings", "zh": "修改了设置"},
    "edit.part.joiner": {"en": "; ", "zh": "；"},
    # --- Add people -------------------------------------------------------------------------
    "add_people.title": {"en": "Add people", "zh": "添加人员"},
    "add_people.submit": {"en": "Add", "zh": "添加"},
    "add_people.close": {"en": "Cancel", "zh": "取消"},
    "add_people.intro": {
        "en": "Who should invite #{id} call as well? Anyone it already calls is not added twice.",
        "zh": "第 {id} 号邀请还要拨打谁？已在邀请中的人不会重复添加。",
    },
    "add_people.added": {"en": "Added {n} to invite #{id}.", "zh": "已向第 {id} 号邀请添加 {n}。"},
    "add_people.added_some_in": {
        "en": "Added {n} to invite #{id}; already on it, so not added again: {names}.",
        "zh": "已向第 {id} 号邀请添加 {n}；以下已在邀请中，未重复添加：{names}。",
    },
    "add_people.already_in": {
        "en": "Everyone given is already on invite #{id}, so nobody was added: {names}.",
        "zh": "所填人员都已在第 {id} 号邀请中，未添加任何人：{names}。",
    },
    "add_people.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "add_people.already_over": {
        "en": "Invite #{id} is over (finished, cancelled or missed); nobody was added.",
        "zh": "第 {id} 号邀请已结束（已完成、已取消或已错过）；未添加任何人。",
    },
    "add_people.too_many": {
        "en": "Invite #{id} would then call more than {max} people, more than one invite may; nobody was added.",
        "zh": "添加后第 {id} 号邀请将超过 {max} 人，超出单个邀请的上限；未添加任何人。",
    },
    "notice.people_added": {"en": "{by} added {n}.", "zh": "{by} 添加了 {n}。"},
}
