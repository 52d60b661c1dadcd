"""The sentences of paced bulk dialing (time left, Pause/Resume dialling, the bulk launch summary),
in English and Simplified Chinese; merged into the one catalogue by bot/slack/messages.py."""

from __future__ import annotations

PACING_MESSAGES: dict[str, dict[str, str]] = {
    # --- the parent while a bulk invite is sent -------------------------------------------------
    "parent.eta_minutes": {"en": "about {n} min left", "zh": "预计还需约 {n} 分钟"},
    "parent.eta_soon": {"en": "less than a minute left", "zh": "预计不到 1 分钟"},
    "parent.paused": {
        "en": "Paused by {user}: {n} not dialled yet",
        "zh": "已由 {user} 暂停外呼：还有 {n} 方未拨",
    },
    "button.pause_dialling": {"en": "Pause dialling", "zh": "暂停外呼"},
    "button.resume_dialling": {"en": "Resume dialling", "zh": "继续外呼"},
    # --- answers to Pause dialling / Resume dialling ----------------------------------------------
    "pause.paused": {
        "en": "Dialling of invite #{id} is paused: calls placed go on; nobody else is called until Resume dialling.",
        "zh": "第 {id} 号邀请已暂停外呼：已拨出的电话继续，点“继续外呼”之前不再拨打其他人。",
    },
    "pause.resumed": {
        "en": "Dialling of invite #{id} resumed: the people not called yet are being called.",
        "zh": "第 {id} 号邀请已继续外呼：正在拨打尚未拨打的人。",
    },
    "pause.already_paused": {
        "en": "Dialling of invite #{id} is already paused.",
        "zh": "第 {id} 号邀请的外呼已经暂停。",
    },
    "pause.not_paused": {
        "en": "Dialling of invite #{id} is not paused; nothing changed.",
        "zh": "第 {id} 号邀请的外呼没有暂停；未做任何更改。",
    },
    "pause.not_dialling": {
        "en": "Invite #{id} is not being dialled now, so there is nothing to pause or resume.",
        "zh": "第 {id} 号邀请当前不在外呼中，无需暂停或继续。",
    },
    "pause.not_found": {"en": "There is no invite #{id}.", "zh": "没有第 {id} 号邀请。"},
    # --- a bulk launch waiting for Confirm ------------------------------------------------------
    "launch.summary": {
        "en": "*Call {n} parties into {target}?* That is more than {over}, so please confirm.\n{who}\n{duration}",
        "zh": "*要将 {n} 方呼入{target}吗？* 超过 {over} 方，请确认。\n{who}\n{duration}",
    },
    "launch.users": {"en": "{n} Slack users (their profile numbers)", "zh": "{n} 位 Slack 用户（资料中的号码）"},
    "launch.country": {"en": "{n} in {country}", "zh": "{country} {n} 个"},
    "launch.others": {"en": "{n} rooms or other addresses", "zh": "{n} 个会议室或其他地址"},
    "launch.duration": {
        "en": "Dialling takes about {minutes} min at {pace} calls a minute.",
        "zh": "按每分钟 {pace} 通的速度，拨完约需 {minutes} 分钟。",
    },
    "launch.no_pace": {"en": "Everyone is dialled at once.", "zh": "所有人将同时拨打。"},
    "button.launch_confirm": {"en": "Confirm", "zh": "确认"},
    "button.launch_cancel": {"en": "Cancel", "zh": "取消"},
    "launch.cancelled": {"en": "Cancelled: nobody was called.", "zh": "已取消：未拨打任何人。"},
    "launch.already_confirmed": {
        "en": "This call-out was already confirmed; nobody is called twice.",
        "zh": "此次外呼已确认过；不会重复拨打任何人。",
    },
    "launch.already_cancelled": {
        "en": "This call-out was cancelled; nobody was called.",
        "zh": "此次外呼已取消；未拨打任何人。",
    },
    "launch.not_found": {
        "en": "This call-out no longer exists; run /dial again.",
        "zh": "此次外呼已不存在；请重新运行 /dial。",
    },
    "launch.not_allowed": {
        "en": "Only the person who asked for this call-out can confirm or cancel it.",
        "zh": "只有发起此次外呼的人可以确认或取消。",
    },
}
