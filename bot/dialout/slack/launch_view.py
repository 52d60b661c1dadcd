"""Pure builders for a bulk launch waiting for Confirm: its summary (with the buttons) and the answers."""

from __future__ import annotations

import math
from typing import Any

from bot.dialout.core.launches import LaunchHeld, LaunchReply, LaunchSummary
from bot.dialout.slack.replies import region_name
from bot.dialout.slack.thread import describe_target
from bot.slack import ids
from bot.slack.messages import t


def describe_summary(summary: LaunchSummary, locale: str) -> tuple[str, str]:
    """(who is called, how long it takes) for a bulk launch's summary."""
    parts = []
    if summary.slack_users:
        parts.append(t("launch.users", locale, n=summary.slack_users))
    parts += [t("launch.country", locale, n=n, country=region_name(code, locale)) for code, n in summary.countries]
    if summary.others:
        parts.append(t("launch.others", locale, n=summary.others))
    if summary.estimate_s is None:
        duration = t("launch.no_pace", locale)
    else:
        minutes = max(1, math.ceil(summary.estimate_s / 60))
        duration = t("launch.duration", locale, minutes=minutes, pace=round(summary.pace_per_min))
    return " · ".join(parts), duration


def build_launch_summary(held: LaunchHeld) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral summary of a bulk launch, with Confirm and Cancel (their value: the launch id)."""
    locale = held.locale
    who, duration = describe_summary(held.summary, locale)
    text = t(
        "launch.summary",
        locale,
        n=held.summary.parties,
        target=describe_target(held.invite, locale),
        over=held.confirm_over,
        who=who,
        duration=duration,
    )
    value = str(held.launch_id)
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": ids.LAUNCH_CONFIRM_ACTION,
            "text": {"type": "plain_text", "text": t("button.launch_confirm", locale)},
            "style": "primary",
            "value": value,
        },
        {
            "type": "button",
            "action_id": ids.LAUNCH_CANCEL_ACTION,
            "text": {"type": "plain_text", "text": t("button.launch_cancel", locale)},
            "value": value,
        },
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "elements": buttons},
    ]
    return text, blocks


def build_launch_reply(reply: LaunchReply) -> str:
    """What Confirm or Cancel did when it scheduled nothing."""
    return t(f"launch.{reply.outcome.value}", reply.locale)
