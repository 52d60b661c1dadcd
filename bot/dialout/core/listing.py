"""What `/dial list` (我的外呼) shows: my upcoming invites and this channel's recent ones, with their calls.

Pure reading of the store: the Slack layer renders it; counts are derived from the attempts, so
the list says the same as the roster.
"""

from __future__ import annotations

from collections.abc import Sequence
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


HOME_PAGE = 10  # invites per section and page of App Home (Slack allows 100 blocks a view)


@dataclass(frozen=True)
class HomePage:
    """One page of a user's App Home: their upcoming invites and their recent ones."""

    listing: InviteListing
    page: int  # from 0
    more_upcoming: bool
    more_recent: bool


async def home_page(
    store: InviteStore, user_id: str, page: int, channel_ids: Sequence[str] = (), team_id: str | None = None
) -> HomePage:
    """Page `page` of the upcoming invites (soonest first) that are `user_id`'s or in one of `channel_ids`
    (the channels they are in), and of their own recent invites (newest first); only workspace `team_id`'s
    when given (a channel shared with another workspace holds its invites too).

    Paged by reading one page further and slicing: a person's own invites are tens, not thousands.
    """
    page = max(0, page)
    end = (page + 1) * HOME_PAGE
    upcoming = await store.upcoming_invites(user_id, end + 1, channel_ids, team_id=team_id)
    past = await store.past_invites(user_id, end + 1 + len(upcoming), team_id=team_id)
    recent = [i for i in past if i.id not in {u.id for u in upcoming}]

    async def with_calls(invites: list[Invite]) -> tuple[ListedInvite, ...]:
        return tuple([ListedInvite(i, tuple(await store.attempts(i.id or 0))) for i in invites])

    start = page * HOME_PAGE
    listing = InviteListing(await with_calls(upcoming[start:end]), await with_calls(recent[start:end]))
    return HomePage(listing, page, len(upcoming) > end, len(recent) > end)


async def list_invites(
    store: InviteStore, user_id: str, channel_id: str, limit: int = LIST_LIMIT, team_id: str | None = None
) -> InviteListing:
    """My upcoming invites, anywhere; the recent ones of this channel that are not already listed above;
    only workspace `team_id`'s when given."""
    upcoming = await store.upcoming_invites(user_id, limit, team_id=team_id)
    listed = {i.id for i in upcoming}
    channel = await store.recent_invites(channel_id, limit + len(listed), team_id=team_id)
    recent = [i for i in channel if i.id not in listed][:limit]

    async def with_calls(invites: list[Invite]) -> tuple[ListedInvite, ...]:
        return tuple([ListedInvite(i, tuple(await store.attempts(i.id or 0))) for i in invites])

    return InviteListing(await with_calls(upcoming), await with_calls(recent))
