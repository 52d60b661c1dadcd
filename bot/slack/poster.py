"""The kernel's Poster port on Slack's Web API: `chat.postMessage`, `chat.update`, and finding a post by row.

Every post names the outbox row it delivers in Slack message metadata (`OUTBOX_EVENT`), so a row
whose worker died after Slack took the message can find it again (`find_row`) with
conversations.history or conversations.replies instead of posting it twice. That needs the
channels:history / groups:history scopes; where Slack refuses the look-up (a scope missing, the bot
not in the channel, a DM) the row is posted again: at least once rather than lost.

Other errors are left to the caller: the outbox worker sorts SlackApiError into rate limits,
retries and refusals (slack/outbox_worker.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.posting import Blocks

log = logging.getLogger(__name__)

OUTBOX_EVENT = "confbot_outbox"  # the metadata event_type of every message the outbox posts
# Clocks disagree a little (ours, the database's, Slack's): look a bit before the row was created.
LOOK_BACK = timedelta(minutes=2)
PAGE = 200
PAGES = 2  # a dead worker's post is recent: one page, or two, of the window is enough
# Slack will not let us look: post again rather than hold the row back for ever.
CANNOT_LOOK = frozenset(
    {"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type", "no_permission"}
)


def carries_row(message: Mapping[str, Any], row: int) -> bool:
    """Whether a message from conversations.history/replies was posted for outbox row `row`."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == OUTBOX_EVENT and payload.get("row") == row)


class SlackPoster:
    """Posts and edits messages with the bot's Slack client."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(
        self,
        channel: str,
        text: str,
        *,
        blocks: Blocks | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
        row: int | None = None,
    ) -> str:
        metadata = None if row is None else {"event_type": OUTBOX_EVENT, "event_payload": {"row": row}}
        response = await self._client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            reply_broadcast=broadcast or None,
            metadata=metadata,
        )
        return str(response["ts"])

    async def update(self, channel: str, ts: str, text: str, *, blocks: Blocks | None = None) -> None:
        await self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    async def find_row(self, channel: str, row: int, *, thread_ts: str | None, since: datetime) -> str | None:
        oldest = f"{(since - LOOK_BACK).timestamp():.6f}"
        cursor: str | None = None
        try:
            for _ in range(PAGES):
                if thread_ts is None:
                    page = await self._client.conversations_history(
                        channel=channel, oldest=oldest, limit=PAGE, cursor=cursor, include_all_metadata=True
                    )
                else:
                    page = await self._client.conversations_replies(
                        channel=channel,
                        ts=thread_ts,
                        oldest=oldest,
                        limit=PAGE,
                        cursor=cursor,
                        include_all_metadata=True,
                    )
                found = next((m for m in page.get("messages") or [] if carries_row(m, row)), None)
                if found is not None:
                    return str(found["ts"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    return None
        except SlackApiError as exc:
            error = str(exc.response.get("error", "")) if exc.response is not None else ""
            if error not in CANNOT_LOOK:
                raise  # rate limits and outages: the worker tries the row again later
            log.warning(
                "cannot look for outbox row %s in %s (%s): posting it again, it may show twice", row, channel, error
            )
            return None
        log.warning(
            "outbox row %s: not found in the first %s messages of %s since its creation", row, PAGES * PAGE, channel
        )
        return None
