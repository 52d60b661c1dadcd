"""The channels a user is in (`users.conversations`), cached briefly per user.

App Home lists the upcoming invites of the channels its user is in. It is published on every
`app_home_opened`, every page and every change to an invite of theirs, and `users.conversations`
is Tier 3 (50+ a minute per workspace) and paged, so each user's answer is kept for a minute: a
channel joined or left shows up on the home within that. A bot token sees the private channels
it shares with the user (Slack: "non-public channels are restricted to those where the calling
user shares membership"), so a private channel the bot is not in is not listed, and neither are
its invites. Needs the `channels:read` and `groups:read` scopes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.acting import acting_team

log = logging.getLogger(__name__)

CHANNEL_TYPES = "public_channel,private_channel"
PAGE_SIZE = 200  # Slack recommends no more than 200 per page
MAX_PAGES = 25  # 5000 channels: enough for anyone; a cursor that never ends must not hold the home up
KEEP_USERS = 1000  # cached answers kept, the oldest dropped first


class ChannelMemberships:
    """Reads which channels a user is in, paging with Slack's cursor; None when Slack would not say."""

    def __init__(self, ttl_s: float = 60.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._monotonic = monotonic
        # Keyed by the asking workspace too: one workspace's answer is never served to another's request.
        self._cache: dict[tuple[str | None, str], tuple[float, tuple[str, ...]]] = {}

    async def channels_of(self, client: AsyncWebClient, user_id: str) -> tuple[str, ...] | None:
        """The ids of the channels `user_id` is in; None when Slack refused (a missing scope, its rate
        limit) or could not be reached. A failure is not cached: the next publish asks again."""
        key = (acting_team(), user_id)
        cached = self._cache.get(key)
        if cached and self._monotonic() - cached[0] < self._ttl:
            return cached[1]
        found: list[str] = []
        cursor = ""
        try:
            for _ in range(MAX_PAGES):
                response = await client.users_conversations(
                    user=user_id, types=CHANNEL_TYPES, exclude_archived=True, limit=PAGE_SIZE, cursor=cursor or None
                )
                found.extend(str(c["id"]) for c in response.get("channels") or [] if c.get("id"))
                cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
            else:
                log.warning("users.conversations for %s: more than %d pages, the rest left out", user_id, MAX_PAGES)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            log.warning("users.conversations for %s was refused (%s): only their own invites", user_id, error)
            return None
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("users.conversations for %s failed (%s): only their own invites", user_id, exc)
            return None
        channels = tuple(dict.fromkeys(found))
        self._cache.pop(key, None)
        self._cache[key] = (self._monotonic(), channels)
        while len(self._cache) > KEEP_USERS:
            del self._cache[next(iter(self._cache))]
        return channels
