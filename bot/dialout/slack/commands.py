"""`/dial`: store the command, acknowledge, then carry it out from the inbox (bot/kernel/inbox.py);
with no text, open the form at once (its trigger id lives 3 s).

Storing before acknowledging is what makes Slack's 200 a promise: a command acknowledged just
before a crash, or under a burst bigger than the database can serve at once, is carried out
later rather than lost. A process holding all it may says "busy, try again" in the ack instead.
Words of `/dial` that other features own (inbound routing's `/dial route …`) are offered to
their subcommands first; dial-out knows nothing about them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.answers import ListReply
from bot.dialout.core.launches import LaunchHeld
from bot.dialout.core.requests import DialRequests
from bot.dialout.core.series_requests import SeriesRequests
from bot.dialout.slack.form_listeners import open_form
from bot.dialout.slack.launch_view import build_launch_summary
from bot.dialout.slack.listing import build_invite_list
from bot.dialout.slack.replies import build_reply
from bot.dialout.slack.series_view import build_series_list
from bot.dialout.slack.thread import View
from bot.kernel.feature import Asker, Subcommand
from bot.kernel.inbox import CommandInbox, InboxItem
from bot.kernel.ports import Clock
from bot.kernel.web import DATABASE_UNAVAILABLE
from bot.slack.messages import locale_of, t

log = logging.getLogger(__name__)

DIAL_COMMAND = "dial_command"  # the inbox kind of a `/dial`


def register(
    app: AsyncApp,
    *,
    requests: DialRequests,
    clock: Clock,
    mask_numbers: bool,
    inbox: CommandInbox,
    client: AsyncWebClient,
    default_locale: str,
    subcommands: Sequence[Subcommand] = (),
    series: SeriesRequests | None = None,
) -> None:
    """Attach the /dial listener and carry out stored `/dial`s; `subcommands` (other features' words) go first."""

    async def carry_out(item: InboxItem) -> None:
        command = item.payload
        asker = Asker(command["user_id"], command.get("team_id", ""), command["channel_id"])
        respond = AsyncRespond(response_url=command.get("response_url"))
        text = command.get("text", "")
        owner = next((sub for sub in subcommands if sub.claims(text)), None)
        if owner is not None:
            await tell(client, respond, asker, await owner.handle(text, asker))
            return
        reply = await requests.handle_text(text, asker, received_at=item.received_at, request_key=item.request_key)
        if isinstance(reply, LaunchHeld):  # over BULK_CONFIRM_OVER parties: the summary, to confirm first
            await tell(client, respond, asker, *build_launch_summary(reply))
            return
        if isinstance(reply, ListReply):
            view = View(locale=reply.locale, mask_numbers=mask_numbers, now=clock.now())
            answer, blocks = build_invite_list(reply.listing, view, reply.provider_titles)
            if series is not None:  # repeating invites first, each with its next time in the asker's zone
                lines = build_series_list(await series.listing(asker.user_id, asker.channel_id, clock.now()))
                if lines:
                    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}, *blocks]
            await tell(client, respond, asker, answer, blocks)
            return
        await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))

    async def give_up(item: InboxItem) -> None:
        command = item.payload
        asker = Asker(command["user_id"], command.get("team_id", ""), command["channel_id"])
        respond = AsyncRespond(response_url=command.get("response_url"))
        await tell(client, respond, asker, t("internal_error", locale_of(None, default_locale), ref=item.request_key))

    inbox.add_handler(DIAL_COMMAND, carry_out, give_up)

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        if not command.get("text", "").strip():
            # The form: nothing to keep yet (the submission is), and its trigger id dies in 3 s.
            await ack()
            asker = Asker(command["user_id"], command.get("team_id", ""), command["channel_id"])
            sorry = await open_form(
                client, requests, command["trigger_id"], asker.user_id, asker.channel_id, team_id=asker.team_id
            )
            if sorry:
                await tell(client, respond, asker, sorry)
            return
        kept = {key: command.get(key, "") for key in ("user_id", "team_id", "channel_id", "text", "response_url")}
        refusal = "busy"
        try:
            item = await inbox.accept(DIAL_COMMAND, kept)
        except DATABASE_UNAVAILABLE as exc:
            # Nothing is stored, so nothing may be promised: the user hears it now, the log says why.
            log.warning("could not store a /dial (%s); told its user to try again", type(exc).__name__)
            item, refusal = None, "store_unavailable"
        if item is None:
            locale = await requests.quick_locale(command["user_id"])
            await ack(text=t(refusal, locale), response_type="ephemeral")
            return
        await ack()
        inbox.carry_out(item)


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
