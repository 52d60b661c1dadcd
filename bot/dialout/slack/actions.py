"""Buttons on invite messages: cancel."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.commands import tell
from bot.dialout.slack.replies import build_reply
from bot.kernel.feature import Asker
from bot.kernel.ports import Clock
from bot.slack import ids


def register(app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool) -> None:
    """Attach the cancel button listener."""

    @app.action(ids.CANCEL_INVITE_ACTION)
    async def handle_cancel(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        action = body["actions"][0]
        asker = Asker(body["user"]["id"], (body.get("team") or {}).get("id", ""), body["channel"]["id"])
        reply = await requests.cancel(str(action.get("value") or ""), asker.user_id)
        await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))
