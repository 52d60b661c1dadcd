"""Pure builders for confirmations that need more than Slack's confirm dialog: Redial failed's modal.

Slack's `confirm` object holds one short plain-text sentence; a redial must show *who* failed and
why before anyone is called again, so it opens a modal (`views.open` with the click's trigger_id)
whose Submit places the calls.
"""

from __future__ import annotations

import json
from typing import Any

from bot.dialout.core.answers import RedialConfirmation
from bot.dialout.slack.thread import View, describe_count, describe_failure
from bot.slack import ids
from bot.slack.lines import SECTION_LIMIT
from bot.slack.messages import t

MAX_LINES = 200  # parties listed by name; the rest are counted (a modal holds 100 blocks)


def _sections(lines: list[str], locale: str) -> list[dict[str, Any]]:
    """Lines packed into mrkdwn sections within Slack's 3000 characters, the rest counted."""
    shown, rest = lines[:MAX_LINES], len(lines) - MAX_LINES
    if rest > 0:
        shown.append(t("redial.modal_more", locale, n=rest))
    chunks: list[str] = []
    for line in shown:
        if chunks and len(chunks[-1]) + len(line) + 1 <= SECTION_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:SECTION_LIMIT])
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def redial_metadata(invite_id: int, channel_id: str) -> str:
    """The modal's private_metadata: which invite, and where to answer the presser."""
    return json.dumps({"invite": invite_id, "channel": channel_id})


def read_redial_metadata(metadata: str) -> tuple[int, str] | None:
    """(invite id, channel id) from a submitted Redial failed modal; None for metadata we did not write."""
    try:
        values = json.loads(metadata)
        invite, channel = values["invite"], values["channel"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if not isinstance(invite, int) or isinstance(invite, bool) or not isinstance(channel, str):
        return None
    return invite, channel


def build_redial_modal(confirmation: RedialConfirmation, channel_id: str, view: View) -> dict[str, Any]:
    """The modal listing who failed and why; Submit redials them (REDIAL_VIEW)."""
    locale = view.locale
    plan = confirmation.plan
    invite = plan.invite
    assert invite.id is not None
    intro = t("redial.modal_intro", locale, id=invite.id, n=describe_count(invite, len(plan.calls), locale))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}]
    blocks += _sections([describe_failure(a, view) for a in plan.calls], locale)
    if plan.refused:
        refused = "\n".join(describe_failure(a, view) for a in plan.refused[:40])
        text = t("redial.modal_refused", locale, lines=refused)[:SECTION_LIMIT]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    note = t("redial.modal_unknown_note", locale)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return {
        "type": "modal",
        "callback_id": ids.REDIAL_VIEW,
        "private_metadata": redial_metadata(invite.id, channel_id),
        "title": {"type": "plain_text", "text": t("redial.modal_title", locale)},
        "submit": {"type": "plain_text", "text": t("redial.modal_submit", locale)},
        "close": {"type": "plain_text", "text": t("redial.modal_close", locale)},
        "blocks": blocks,
    }
