"""What `/dial list` (我的外呼) shows: my upcoming invites and this channel's recent ones, with their calls.

Pure reading of the store: the Slack layer renders it; counts are derived from the attempts, so
the list says the same as the roster.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialout.core.models import CallAttempt, Invite
from bot.dialout.core.ports import InviteStore

LIST_LIMIT = 10  # per section: a list is read at a glance; /dial list is not a report


@dataclass(frozen=True)
class ListedInvite:
    """One invite and its calls as they stand."""

    invite: Invite
    attempts: tuple[CallAttempt, ...]


@dataclass(frozen=True)
class InviteListing:
    """The asker's scheduled invites (soonest first) and the channel's latest (newest first)."""

    upcoming: tuple[ListedInvite, ...]
    recent: tuple[ListedInvite, ...]


async def list_invites(store: InviteStore, user_id: str, channel_id: str, limit: int = LIST_LIMIT) -> InviteListing:
    """My upcoming invites, anywhere; the recent ones of this channel that are not already listed above."""
    upcoming = await store.upcoming_invites(user_id, limit)
    listed = {i.id for i in upcoming}
    recent = [i for i in await store.recent_invites(channel_id, limit + len(listed)) if i.id not in listed][:limit]

    async def with_calls(invites: list[Invite]) -> tuple[ListedInvite, ...]:
        return tuple([ListedInvite(i, tuple(await store.attempts(i.id or 0))) for i in invites])

    return InviteListing(await with_calls(upcoming), await with_calls(recent))
