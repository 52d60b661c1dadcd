"""The whole roster in a modal, for an invite whose thread roster had to collapse what did not fit.

A message holds 50 blocks; a modal 100, and it can be paged. Each page is a pure function of the
invite's calls as they are when the button is pressed, in the thread roster's order (failed and
ringing first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.views import View as SlackView

from bot.dialout.core.models import CallAttempt, Invite, party_outcomes
from bot.dialout.slack.thread import View, build_line, describe_counts, roster_order
from bot.slack import ids
from bot.slack.lines import SECTION_LIMIT
from bot.slack.messages import t

PAGE_LINES = 60  # ~60 lines of at most a few hundred characters: a handful of sections, far below 100 blocks


def _pager_button(key: str, invite: Invite, page: int, locale: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"{ids.ROSTER_PAGE_ACTION}:{page}",
        "text": {"type": "plain_text", "text": t(key, locale)},
        "value": f"{invite.id}:{page}",
    }


def page_count(attempts: Sequence[CallAttempt]) -> int:
    return max(1, -(-len(attempts) // PAGE_LINES))


def build_roster_view(invite: Invite, attempts: Sequence[CallAttempt], view: View, page: int) -> dict[str, Any]:
    """Page `page` (from 0, clamped) of the roster modal: counts, the page's lines, Newer/Older."""
    locale = view.locale
    pages = page_count(attempts)
    page = min(max(page, 0), pages - 1)
    counts = describe_counts(party_outcomes(attempts), view)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": t("roster.title", locale, counts=counts)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": t("roster_view.page", locale, page=page + 1, pages=pages)}],
        },
    ]
    chunk: list[str] = []
    size = 0
    for attempt in roster_order(attempts)[page * PAGE_LINES : (page + 1) * PAGE_LINES]:
        line = build_line(attempt, view)
        if chunk and size + len(line) + 1 > SECTION_LIMIT:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    pager = []
    if page > 0:
        pager.append(_pager_button("home.newer", invite, page - 1, locale))
    if page < pages - 1:
        pager.append(_pager_button("home.older", invite, page + 1, locale))
    if pager:
        blocks.append({"type": "actions", "block_id": "roster_pager", "elements": pager})
    modal: dict[str, Any] = {
        "type": "modal",
        "callback_id": ids.ROSTER_VIEW,
        "title": {"type": "plain_text", "text": t("roster_view.title", locale, id=invite.id)[:24]},
        "close": {"type": "plain_text", "text": t("roster_view.close", locale)},
        "blocks": blocks,
    }
    SlackView(**modal).validate_json()  # raises on what Slack would refuse (100 blocks, title, sections)
    return modal


def read_page_value(value: str) -> tuple[int, int] | None:
    """`<invite id>:<page>` from a Newer/Older button; it comes back from the client, so anything else is None."""
    match = re.fullmatch(r"([0-9]{1,9}):([0-9]{1,4})", value)
    return (int(match[1]), int(match[2])) if match else None
