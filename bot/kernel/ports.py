"""Ports both features talk through: the clock and what Slack tells us about people and groups.

The features' cores see only these plain interfaces; Slack and the system clock implement them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.kernel.people import UserProfile


class Clock(Protocol):
    """The current instant; injected so tests control time."""

    def now(self) -> datetime: ...


class Directory(Protocol):
    """Who a Slack user is: zone, locale, phone (read from their profile); where the bot may post."""

    async def profile(self, user_id: str) -> UserProfile | None: ...

    async def can_post(self, channel_id: str) -> bool:
        """Whether the bot can post in the channel (so an invite's thread can live there)."""
        ...


class UserGroups(Protocol):
    """Members of a Slack user group (who may change inbound routes besides admins)."""

    async def members(self, group_id: str) -> frozenset[str]: ...
