"""The sentences of the buttons on an invite's thread parent, in English and Simplified Chinese.

A plain dict, merged into the one catalogue by bot/slack/messages.py (so `t` serves it and
tests/slack/test_messages.py checks every entry in both languages with the same placeholders).
"""

from __future__ import annotations

BUTTON_MESSAGES: dict[str, dict[str, str]] = {
    # --- the buttons ------------------------------------------------------------------------
    "button.dial_now": {"en": "Dial now", "zh": "立即拨打"},
    "button.dial_now_confirm_title": {"en": "Dial everyone now?", "zh": "现在就拨打所有人？"},
    "button.dial_now_confirm_text": {
        "en": "Everyone on this invite is called now instead of at the scheduled time.",
        "zh": "将立即拨打此邀请中的所有人，而不是等到安排的时间。",
    },
    "button.dial_now_confirm_yes": {"en": "Dial now", "zh": "立即拨打"},
    "button.dial_now_confirm_no": {"en": "Wait", "zh": "再等等"},
    "button.redial": {"en": "Redial failed", "zh": "重拨失败的电话"},
    "button.hang_up": {"en": "Hang up all", "zh": "全部挂断"},
    "button.hang_up_confirm_title": {"en": "Hang up every call?", "zh": "挂断所有电话？"},
    "button.hang_up_confirm_text": {
        "en": "Every call of this invite still ringing or connected is ended.",
        "zh": "此邀请中仍在呼叫或通话中的电话都将被挂断。",
    },
    "button.hang_up_confirm_yes": {"en": "Hang up", "zh": "挂断"},
    "button.hang_up_confirm_no": {"en": "Keep talking", "zh": "继续通话"},
    "parent.fired_by": {"en": "Dialled early by {user}.", "zh": "已由 {user} 提前拨打。"},
    # --- who may ----------------------------------------------------------------------------
    "action.not_allowed": {
        "en": "Only the person who created invite #{id} (<@{creator}>) or a workspace admin may do that.",
        "zh": "只有第 {id} 号邀请的创建者（<@{creator}>）或工作区管理员可以这样做。",
    },
    "action.not_allowed_group": {
        "en": "Only the person who created invite #{id} (<@{creator}>), a workspace admin or a member of "
        "<!subteam^{group}> may do that.",
        "zh": "只有第 {id} 号邀请的创建者（<@{creator}>）、工作区管理员或 <!subteam^{group}> 的成员可以这样做。",
    },
    # … the same under a form's field, where Slack shows plain text (no mentions): names instead
    "action.not_allowed_plain": {
        "en": "Only the person who created invite #{id} ({creator}) or a workspace admin may do that.",
        "zh": "只有第 {id} 号邀请的创建者（{creator}）或工作区管理员可以这样做。",
    },
    "action.not_allowed_group_plain": {
        "en": "Only the person who created invite #{id} ({creator}), a workspace admin or a member of "
        "the invite admin group may do that.",
        "zh": "只有第 {id} 号邀请的创建者（{creator}）、工作区管理员或邀请管理员用户组的成员可以这样做。",
    },
    # --- Dial now ---------------------------------------------------------------------------
    "dial_now.dialling": {"en": "Dialling invite #{id} now.", "zh": "正在拨打第 {id} 号邀请。"},
    "dial_now.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "dial_now.already_dialled": {
        "en": "Invite #{id} has already been dialled; nobody was called twice.",
        "zh": "第 {id} 号邀请已经拨打过了；没有人会被重复拨打。",
    },
    "dial_now.already_over": {
        "en": "Invite #{id} was cancelled or missed meanwhile; nobody was dialled.",
        "zh": "第 {id} 号邀请已被取消或已错过；未拨打任何人。",
    },
    # --- Redial failed ----------------------------------------------------------------------
    "redial.redialling": {
        "en": "Calling again the people whose calls failed on invite #{id}.",
        "zh": "正在重新拨打第 {id} 号邀请中呼叫失败的人。",
    },
    "redial.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "redial.nothing_to_redial": {
        "en": "No call of invite #{id} failed in a way a redial can help with (calls whose outcome is "
        "unknown are never redialled); nobody was dialled.",
        "zh": "第 {id} 号邀请中没有可以重拨的失败电话（结果未知的电话不会重拨）；未拨打任何人。",
    },
    "redial.not_finished": {
        "en": "Invite #{id} is being dialled right now (perhaps someone redialled it already); nobody was "
        "dialled twice.",
        "zh": "第 {id} 号邀请正在拨打中（可能已有人重拨）；没有人会被重复拨打。",
    },
    "redial.blocked": {
        "en": "The dialing policy no longer allows the numbers that failed on invite #{id}; nobody was dialled.",
        "zh": "拨号策略已不再允许第 {id} 号邀请中失败的号码；未拨打任何人。",
    },
    "redial.modal_title": {"en": "Redial failed calls", "zh": "重拨失败的电话"},
    "redial.modal_submit": {"en": "Redial", "zh": "重拨"},
    "redial.modal_close": {"en": "Not now", "zh": "暂不"},
    "redial.modal_intro": {
        "en": "Call these {n} again on invite #{id}? Each is called once more; the roster shows the new calls.",
        "zh": "在第 {id} 号邀请中重新拨打以下 {n}？每人再拨打一次，名单中会显示新的呼叫。",
    },
    "redial.modal_refused": {
        "en": "The dialing policy no longer allows these, so they are not redialled:\n{lines}",
        "zh": "拨号策略已不再允许以下号码，因此不会重拨：\n{lines}",
    },
    "redial.modal_unknown_note": {
        "en": "Calls whose outcome is unknown, and anyone who joined, are never redialled.",
        "zh": "结果未知的电话和已入会的人不会被重拨。",
    },
    "redial.modal_more": {"en": "…and {n} more.", "zh": "……另有 {n} 方。"},
    # --- Hang up all ------------------------------------------------------------------------
    "hang_up.hanging_up": {
        "en": "Hanging up every call of invite #{id}.",
        "zh": "正在挂断第 {id} 号邀请的所有电话。",
    },
    "hang_up.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "hang_up.not_dialling": {
        "en": "Invite #{id} has no calls under way (not dialled yet, or already over); nothing was hung up.",
        "zh": "第 {id} 号邀请没有进行中的电话（尚未拨打或已结束）；未挂断任何电话。",
    },
    "hang_up.cannot": {
        "en": "The provider of invite #{id} cannot hang up calls; nothing was hung up.",
        "zh": "第 {id} 号邀请的服务商不支持挂断电话；未挂断任何电话。",
    },
    # --- thread replies ---------------------------------------------------------------------
    "notice.hung_up": {"en": "{by} hung up every call.", "zh": "{by} 挂断了所有电话。"},
    "notice.redial": {
        "en": "{by} is calling again the {n} whose calls failed.",
        "zh": "{by} 正在重新拨打呼叫失败的 {n}。",
    },
}
