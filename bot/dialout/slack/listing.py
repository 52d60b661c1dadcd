"""`/dial list` (我的外呼) as Block Kit: my upcoming invites with their Cancel buttons, then the channel's recent ones.

Built from the listing alone, like every message here; the times are Slack date tokens, so each
reader sees them in their own zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialout.core.listing import InviteListing, ListedInvite
from bot.dialout.slack.thread import (
    View,
    cancel_button,
    describe_count,
    describe_counts,
    describe_target,
    describe_when,
)
from bot.slack.messages import t


def build_invite_list(
    listing: InviteListing, view: View, titles: Mapping[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and blocks of the list; `titles` maps provider names to what people call them."""
    blocks = build_invite_lines(listing, view, titles, ("list.upcoming", "list.recent"))
    text = t("list.summary", view.locale, upcoming=len(listing.upcoming), recent=len(listing.recent))
    return text, blocks


def build_invite_lines(
    listing: InviteListing, view: View, titles: Mapping[str, str], headers: tuple[str, str]
) -> list[dict[str, Any]]:
    """Both sections under the headers `headers` (catalogue keys): upcoming with Cancel, recent with outcomes."""
    blocks: list[dict[str, Any]] = [_header(t(headers[0], view.locale))]
    if listing.upcoming:
        for listed in listing.upcoming:
            section = _section(_line(listed, view, titles))
            section["accessory"] = cancel_button(listed.invite, view.locale)
            blocks.append(section)
    else:
        blocks.append(_context(t("list.no_upcoming", view.locale)))
    blocks.append(_header(t(headers[1], view.locale)))
    if listing.recent:
        blocks.extend(_section(_line(listed, view, titles, with_status=True)) for listed in listing.recent)
    else:
        blocks.append(_context(t("list.no_recent", view.locale)))
    return blocks


def _line(listed: ListedInvite, view: View, titles: Mapping[str, str], *, with_status: bool = False) -> str:
    invite = listed.invite
    line = t(
        "list.line",
        view.locale,
        id=invite.id,
        count=describe_count(invite, len(listed.attempts), view.locale),
        target=describe_target(invite, view.locale),
        provider=titles.get(invite.provider, invite.provider),
        when=describe_when(invite, view),
    )
    if not with_status:
        return line
    status = t(f"status.{invite.status.value}", view.locale)
    counts = describe_counts(listed.attempts, view) if listed.attempts else ""
    return f"{line}\n{status} {counts}".rstrip()


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
