"""The kernel's Poster port on Slack's Web API: `chat.postMessage` and `chat.update`.

Errors are left to the caller: the outbox worker sorts SlackApiError into rate limits, retries
and refusals (slack/outbox_worker.py).
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.posting import Blocks


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
    ) -> str:
        response = await self._client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, reply_broadcast=broadcast or None
        )
        return str(response["ts"])

    async def update(self, channel: str, ts: str, text: str, *, blocks: Blocks | None = None) -> None:
        await self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
