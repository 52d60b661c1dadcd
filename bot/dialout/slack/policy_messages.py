"""The dialing policy's limits in words (core/limits.py), in English and Simplified Chinese.

Every refusal names its rule's id (`policy.max_parties`, …) so an admin can find the setting.
A plain dict, merged into the one catalogue by bot/slack/messages.py (tests/slack/test_messages.py
checks every entry in both languages with the same placeholders).
"""

from __future__ import annotations

POLICY_MESSAGES: dict[str, dict[str, str]] = {
    # --- refused when the command or form is read -------------------------------------------
    "parse.policy_max_parties": {
        "en": "Nothing was scheduled: that's {count} people, and this workspace's dialing policy allows at most "
        "{max} in one invite (policy.max_parties).",
        "zh": "未安排任何邀请：共 {count} 人，本工作区的拨号策略规定单个邀请最多 {max} 人（policy.max_parties）。",
    },
    "parse.policy_daily_user": {
        "en": "Nothing was scheduled: this invite places {count} calls today, and only {left} of your {limit} a day "
        "remain (policy.daily_user).",
        "zh": "未安排任何邀请：每人每天最多拨打 {limit} 通电话（policy.daily_user），今天还剩 {left} 通；"
        "此邀请需要 {count} 通。",
    },
    "parse.policy_daily_workspace": {
        "en": "Nothing was scheduled: this invite places {count} calls today, and only {left} of this workspace's "
        "{limit} a day remain (policy.daily_workspace).",
        "zh": "未安排任何邀请：本工作区每天最多拨打 {limit} 通电话（policy.daily_workspace），今天还剩 {left} 通；"
        "此邀请需要 {count} 通。",
    },
    "parse.policy_quiet_hours": {
        "en": "Nothing was scheduled: nobody is dialled between {hours} local time (policy.quiet_hours), and "
        "that time falls in them for {n} of the people (e.g. in {zone}). Pick another time.",
        "zh": "未安排任何邀请：当地时间 {hours} 为免打扰时段，不拨打任何人（policy.quiet_hours），"
        "所选时间对其中 {n} 人处于该时段（例如 {zone}）。请另选时间。",
    },
    "parse.policy_approval": {
        "en": "Nothing was changed: that would make {count} people, and an invite of more than {max} needs a "
        "workspace admin's approval (policy.approval). Schedule the others as a new invite, which waits for it.",
        "zh": "未做任何更改：这样将共有 {count} 人，而超过 {max} 人的邀请需要工作区管理员审批（policy.approval）。"
        "请把其他人安排为新的邀请，它会等待审批。",
    },
    # --- a call not placed at dial time, beside who was not dialled ---------------------------
    "reason.policy_rule": {"en": "not dialled: {rule}", "zh": "未拨打：{rule}"},
    "policy_rule.policy.max_parties": {
        "en": "more people than one invite may call: policy.max_parties",
        "zh": "超过单个邀请的人数上限：policy.max_parties",
    },
    "policy_rule.policy.daily_user": {
        "en": "the creator's daily dial limit was reached: policy.daily_user",
        "zh": "已达到创建者的每日拨号上限：policy.daily_user",
    },
    "policy_rule.policy.daily_workspace": {
        "en": "the workspace's daily dial limit was reached: policy.daily_workspace",
        "zh": "已达到本工作区的每日拨号上限：policy.daily_workspace",
    },
    "policy_rule.policy.quiet_hours": {
        "en": "quiet hours where they are: policy.quiet_hours",
        "zh": "对方所在地处于免打扰时段：policy.quiet_hours",
    },
    "policy_rule.policy.approval": {
        "en": "waiting for an admin's approval: policy.approval",
        "zh": "正在等待管理员审批：policy.approval",
    },
    # --- approval -----------------------------------------------------------------------------
    "button.approve": {"en": "Approve", "zh": "批准"},
    "button.decline": {"en": "Decline", "zh": "拒绝"},
    "parent.awaiting_approval": {
        "en": "Waiting for approval: it calls more people than this workspace dials without an admin's approval "
        "(policy.approval). Nobody is dialled until a workspace admin approves it.",
        "zh": "等待审批：此邀请呼叫的人数超过本工作区无需管理员审批即可拨打的人数（policy.approval）。"
        "在工作区管理员批准之前不会拨打任何人。",
    },
    "headline.awaiting_approval": {"en": "Waiting for approval", "zh": "等待审批"},
    "approval.approved": {
        "en": "Invite #{id} is approved; it is dialled at its time (now, if that has passed).",
        "zh": "第 {id} 号邀请已批准，将按时拨打（若时间已过则立即拨打）。",
    },
    "approval.declined": {
        "en": "Invite #{id} is declined; nobody is dialled.",
        "zh": "第 {id} 号邀请已被拒绝，不会拨打任何人。",
    },
    "approval.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    "approval.admins_only": {
        "en": "Only a workspace admin may approve or decline invite #{id} (policy.approval).",
        "zh": "只有工作区管理员可以批准或拒绝第 {id} 号邀请（policy.approval）。",
    },
    "approval.admins_only_group": {
        "en": "Only a workspace admin or a member of <!subteam^{group}> may approve or decline invite #{id} "
        "(policy.approval).",
        "zh": "只有工作区管理员或 <!subteam^{group}> 的成员可以批准或拒绝第 {id} 号邀请（policy.approval）。",
    },
    "approval.already_decided": {
        "en": "Invite #{id} was already approved, declined or cancelled; nothing changed.",
        "zh": "第 {id} 号邀请已被批准、拒绝或取消；未做任何更改。",
    },
    "notice.approved": {"en": "Approved by {by}.", "zh": "已由 {by} 批准。"},
    "notice.declined": {"en": "Declined by {by}; nobody is dialled.", "zh": "已被 {by} 拒绝，不会拨打任何人。"},
    "status.awaiting_approval": {"en": "Waiting for approval.", "zh": "等待审批。"},
}
