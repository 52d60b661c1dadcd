"""Ports both features talk through: the clock and what Slack tells us about people and groups.

The features' cores see only these plain interfaces; Slack and the system clock implement them.
A lookup that could not be answered raises `LookupFailed`, whatever the reason underneath, so a
core can decide what an unanswered lookup means without knowing Slack's or the network's errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.kernel.people import UserProfile


class LookupFailed(Exception):
    """Slack gave no answer to a lookup: an outage, a rate limit, a refusal (a missing scope), the network.

    The Directory and UserGroups adapters turn every failure they foresee into this; anything else
    they raise is a bug and is left to propagate.
    """


class Clock(Protocol):
    """The current instant; injected so tests control time."""

    def now(self) -> datetime: ...


class Directory(Protocol):
    """Who a Slack user is: zone, locale, phone (read from their profile); where the bot may post."""

    async def profile(self, user_id: str) -> UserProfile | None:
        """The user's profile, None when Slack has no such user; LookupFailed when Slack cannot say."""
        ...

    async def can_post(self, channel_id: str) -> bool:
        """Whether the bot can post in the channel (so an invite's thread can live there).

        LookupFailed when Slack cannot be reached.
        """
        ...


class UserGroups(Protocol):
    """Members of a Slack user group (who may change inbound routes besides admins)."""

    async def members(self, group_id: str) -> frozenset[str]:
        """The group's members (none for a group that does not exist); LookupFailed when Slack cannot say."""
        ...
