"""`/dial`: acknowledge at once, then read, resolve and schedule after the ack; with no text, open the form.

Words of `/dial` that other features own (inbound routing's `/dial route …`) are offered to
their subcommands first; dial-out knows nothing about them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.requests import DialRequests, ListReply
from bot.dialout.slack.form_listeners import open_form
from bot.dialout.slack.listing import build_invite_list
from bot.dialout.slack.replies import build_reply
from bot.dialout.slack.thread import View
from bot.kernel.feature import Asker, Subcommand
from bot.kernel.ports import Clock


def register(
    app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool, subcommands: Sequence[Subcommand] = ()
) -> None:
    """Attach the /dial listener; `subcommands` (other features' words) are asked first whether the text is theirs."""

    @app.command("/dial")
    async def handle_dial(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        asker = Asker(command["user_id"], command.get("team_id", ""), command["channel_id"])
        text = command.get("text", "")
        if not text.strip():
            sorry = await open_form(client, requests, command["trigger_id"], asker.user_id, asker.channel_id)
            if sorry:
                await tell(client, respond, asker, sorry)
            return
        owner = next((sub for sub in subcommands if sub.claims(text)), None)
        if owner is not None:
            await tell(client, respond, asker, await owner.handle(text, asker))
            return
        reply = await requests.handle_text(text, asker)
        if isinstance(reply, ListReply):
            view = View(locale=reply.locale, mask_numbers=mask_numbers, now=clock.now())
            answer, blocks = build_invite_list(reply.listing, view, reply.provider_titles)
            await tell(client, respond, asker, answer, blocks)
            return
        await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))


async def tell(
    client: AsyncWebClient, respond: AsyncRespond, asker: Asker, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    """An ephemeral answer; through the response URL where the bot can't post (DMs, private channels)."""
    try:
        await client.chat_postEphemeral(channel=asker.channel_id, user=asker.user_id, text=text, blocks=blocks)
    except SlackApiError as exc:
        if exc.response is None or exc.response.get("error") not in {"channel_not_found", "not_in_channel"}:
            raise
        await respond(text=text, blocks=blocks, response_type="ephemeral")
