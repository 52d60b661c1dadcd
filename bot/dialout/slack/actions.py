"""Buttons on invite messages: cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.slack.commands import tell
from bot.dialout.slack.replies import build_reply
from bot.kernel.feature import Asker
from bot.slack import ids

if TYPE_CHECKING:
    from bot.wiring import Services


def register(app: AsyncApp, services: Services) -> None:
    """Attach the cancel button listener."""

    @app.action(ids.CANCEL_INVITE_ACTION)
    async def handle_cancel(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        action = body["actions"][0]
        asker = Asker(body["user"]["id"], (body.get("team") or {}).get("id", ""), body["channel"]["id"])
        reply = await services.requests.cancel(int(action["value"]), asker.user_id)
        await tell(client, respond, asker, build_reply(reply, services.clock.now(), services.settings.mask_numbers))
