"""Slack users and user groups as the kernel's Directory and UserGroups, cached briefly.

A /dial that mentions twenty people must not cost twenty Slack calls every time, and
Tier 4 `users.info` is still rate-limited; a few minutes of staleness in a phone number
is the price. Every failure Slack or the network can give becomes the ports' `LookupFailed`
here, so the cores never see slack_sdk's or aiohttp's errors.
"""

from __future__ import annotations

import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.acting import acting_team
from bot.kernel.people import UserProfile
from bot.kernel.ports import LookupFailed

log = logging.getLogger(__name__)

# What the way to Slack fails with (slack_sdk's client runs on aiohttp; TimeoutError is an OSError).
_UNREACHABLE = (aiohttp.ClientError, OSError)


def _error_of(exc: SlackApiError) -> str | None:
    """Slack's error code (`user_not_found`, `ratelimited`, …) from a refused call."""
    return exc.response.get("error") if exc.response is not None else None


def _failed(method: str, about: str, exc: Exception) -> LookupFailed:
    """A refused or unreachable Slack call, as the ports' error, naming what was asked."""
    why = _error_of(exc) if isinstance(exc, SlackApiError) else None
    return LookupFailed(f"{method} {about}: {why or exc.__class__.__name__}")


class SlackDirectory:
    """Looks up Slack users with `users.info` (include_locale) and caches the answers."""

    def __init__(self, client: AsyncWebClient, ttl_s: float = 300.0) -> None:
        self._client = client
        self._ttl = ttl_s
        # Keyed by the workspace asking too (bot/kernel/acting.py): what one workspace's token may
        # see is never served to another's request.
        self._cache: dict[tuple[str | None, str], tuple[float, UserProfile | None]] = {}
        self._channels: dict[tuple[str | None, str], float] = {}  # channels the bot was found in, and when

    async def profile(self, user_id: str) -> UserProfile | None:
        key = (acting_team(), user_id)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            if _error_of(exc) == "user_not_found":
                self._cache[key] = (time.monotonic(), None)
                return None
            raise _failed("users.info", user_id, exc) from exc
        except _UNREACHABLE as exc:
            raise _failed("users.info", user_id, exc) from exc
        user = response["user"]
        profile = user.get("profile") or {}
        found = UserProfile(
            user_id=user_id,
            tz=user.get("tz") or "UTC",
            locale=user.get("locale") or "en-US",
            phone=(profile.get("phone") or "").strip() or None,
            real_name=profile.get("real_name") or user.get("real_name") or user.get("name"),
            title=(profile.get("title") or "").strip() or None,
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            deleted=bool(user.get("deleted")),
            is_bot=bool(user.get("is_bot")),
            team_id=user.get("team_id") or None,
        )
        self._cache[key] = (time.monotonic(), found)
        return found

    async def can_post(self, channel_id: str) -> bool:
        """Whether the bot can post there (conversations.info); a Slack hiccup does not block.

        With `chat:write.public` the bot posts in any public channel, invited or not; a private
        channel, DM or group DM needs it as a member (Slack hides a private channel it is not in:
        channel_not_found). Only a definite "not there" refuses: an outage or rate limit lets the request through, and
        the outbox retries the thread later. Slack not reached at all is LookupFailed.
        """
        key = (acting_team(), channel_id)
        cached = self._channels.get(key)
        if cached and time.monotonic() - cached < self._ttl:
            return True
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            error = _error_of(exc)
            if error in {"channel_not_found", "not_in_channel", "method_not_supported_for_channel_type"}:
                return False
            log.warning("conversations.info for %s failed (%s); assuming the bot can post", channel_id, error)
            return True
        except _UNREACHABLE as exc:
            raise _failed("conversations.info", channel_id, exc) from exc
        channel = response["channel"]
        public = bool(channel.get("is_channel")) and not channel.get("is_private")
        allowed = bool(channel.get("is_member") or channel.get("is_im") or public)
        if allowed:
            self._channels[key] = time.monotonic()
        return allowed


class SlackUserGroups:
    """Members of Slack user groups (`usergroups.users.list`), cached for a minute."""

    def __init__(self, client: AsyncWebClient, ttl_s: float = 60.0) -> None:
        self._client = client
        self._ttl = ttl_s
        self._cache: dict[tuple[str | None, str], tuple[float, frozenset[str]]] = {}

    async def members(self, group_id: str) -> frozenset[str]:
        key = (acting_team(), group_id)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            if _error_of(exc) == "no_such_subteam":
                log.error("%s is not a user group of this workspace (see *_ADMIN_GROUP settings)", group_id)
                return frozenset()
            raise _failed("usergroups.users.list", group_id, exc) from exc
        except _UNREACHABLE as exc:
            raise _failed("usergroups.users.list", group_id, exc) from exc
        members = frozenset(str(u) for u in response.get("users") or [])
        self._cache[key] = (time.monotonic(), members)
        return members
