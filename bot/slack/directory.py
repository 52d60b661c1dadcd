"""Slack users as the core's Directory: zone, locale and phone from `users.info`, cached briefly.

A /dial that mentions twenty people must not cost twenty Slack calls every time, and
Tier 4 `users.info` is still rate-limited; a few minutes of staleness in a phone number
is the price.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.people import UserProfile

log = logging.getLogger(__name__)


class SlackDirectory:
    """Looks up Slack users with `users.info` (include_locale) and caches the answers."""

    def __init__(self, client: AsyncWebClient, ttl_s: float = 300.0) -> None:
        self._client = client
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, UserProfile | None]] = {}
        self._channels: dict[str, float] = {}  # channels the bot was found in, and when

    async def profile(self, user_id: str) -> UserProfile | None:
        cached = self._cache.get(user_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            if exc.response is not None and exc.response.get("error") == "user_not_found":
                self._cache[user_id] = (time.monotonic(), None)
                return None
            raise
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
        )
        self._cache[user_id] = (time.monotonic(), found)
        return found

    async def can_post(self, channel_id: str) -> bool:
        """Whether the bot is in the conversation (conversations.info); a Slack hiccup does not block.

        Only a definite "not there" refuses: an outage or rate limit lets the request through, and
        the outbox retries the thread later.
        """
        cached = self._channels.get(channel_id)
        if cached and time.monotonic() - cached < self._ttl:
            return True
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in {"channel_not_found", "not_in_channel", "method_not_supported_for_channel_type"}:
                return False
            log.warning("conversations.info for %s failed (%s); assuming the bot can post", channel_id, error)
            return True
        channel = response["channel"]
        member = bool(channel.get("is_member") or channel.get("is_im"))
        if member:
            self._channels[channel_id] = time.monotonic()
        return member
