"""Buttons on an invite's thread: Dial now, Redial failed (through its modal), Hang up all, Cancel, View all.

Each listener acks first, asks the core (which applies the one permission rule and tells a stale
click from a fresh one) and answers the presser privately in their language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.answers import ButtonReply, CancelReply, ErrorReply
from bot.dialout.core.command import read_invite_id
from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.commands import tell
from bot.dialout.slack.confirmations import build_redial_modal, read_redial_metadata
from bot.dialout.slack.replies import build_reply
from bot.dialout.slack.roster_view import build_roster_view, read_page_value
from bot.dialout.slack.thread import View
from bot.kernel.feature import Asker
from bot.kernel.ports import Clock
from bot.slack import ids

log = logging.getLogger(__name__)


def pressed_value(body: dict[str, Any]) -> str:
    """The pressed button's value: the invite it is about, as the payload carries it (forgeable)."""
    return str(body["actions"][0].get("value") or "")


def presser(body: dict[str, Any], channel_id: str | None = None) -> Asker:
    """Who clicked (or submitted), in which workspace, and where to answer them."""
    team = (body.get("team") or {}).get("id", "")
    return Asker(body["user"]["id"], team, channel_id or body["channel"]["id"])


async def pressed_invite(
    body: dict[str, Any],
    requests: DialRequests,
    client: AsyncWebClient,
    respond: AsyncRespond,
    answer: Callable[[ErrorReply], str],
) -> tuple[Asker, int | None]:
    """Who pressed, and the invite the button names; None (the presser is told) when it names none.

    A button's value is whatever the payload carries, so a forged or mangled one gets its own
    sentence instead of failing after the ack.
    """
    asker = presser(body)
    invite_id = read_invite_id(pressed_value(body))
    if invite_id is None:
        await tell(client, respond, asker, answer(await requests.unreadable_button(pressed_value(body), asker.user_id)))
    return asker, invite_id


def register(app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool) -> None:
    """Attach the listeners of the parent's buttons and of the Redial failed confirmation.

    The listeners are closures over the same few objects, one after another; that is its length.
    """

    def words(reply: CancelReply | ButtonReply | ErrorReply) -> str:
        return build_reply(reply, clock.now(), mask_numbers)

    def pressing(action_id: str, press: Callable[[int, str], Awaitable[CancelReply | ButtonReply]]) -> None:
        """Listen to a button that acts at once (its confirm dialog, if any, was Slack's)."""

        async def handle_press(
            ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
        ) -> None:
            await ack()
            asker, invite_id = await pressed_invite(body, requests, client, respond, words)
            if invite_id is not None:
                reply = await press(invite_id, asker.user_id)
                await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))

        app.action(action_id)(handle_press)

    pressing(ids.CANCEL_INVITE_ACTION, requests.cancel)
    pressing(ids.DIAL_NOW_ACTION, requests.dial_now)
    pressing(ids.HANG_UP_ACTION, requests.hang_up)
    pressing(ids.APPROVE_ACTION, requests.approve)
    pressing(ids.DECLINE_ACTION, requests.decline)

    @app.action(ids.REDIAL_FAILED_ACTION)
    async def handle_redial(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        asker, invite_id = await pressed_invite(body, requests, client, respond, words)
        if invite_id is None:
            return
        answer = await requests.confirm_redial(invite_id, asker.user_id)
        if isinstance(answer, ButtonReply):
            await tell(client, respond, asker, build_reply(answer, clock.now(), mask_numbers))
            return
        view = View(
            locale=answer.locale,
            mask_numbers=mask_numbers,
            now=clock.now(),
            provider_title=answer.provider_title,
            provider=answer.plan.invite.provider,
        )
        modal = build_redial_modal(answer, asker.channel_id, view)
        await client.views_open(trigger_id=body["trigger_id"], view=modal)

    async def roster_page(body: dict[str, Any], invite_id: int, page: int) -> dict[str, Any] | None:
        """The roster modal's page for the presser, or None (their answer sent) when the invite is gone."""
        found = await requests.roster(invite_id, body["user"]["id"])
        if found is None:
            return None
        view = View(
            locale=found.locale,
            mask_numbers=mask_numbers,
            now=clock.now(),
            provider_title=found.provider_title,
            provider=found.invite.provider,
        )
        return build_roster_view(found.invite, found.attempts, view, page)

    @app.action(ids.ROSTER_VIEW_ALL_ACTION)
    async def handle_view_all(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        invite_id = read_invite_id(pressed_value(body))
        modal = None if invite_id is None else await roster_page(body, invite_id, 0)
        if modal is None:
            asker = presser(body)
            unreadable = await requests.unreadable_button(pressed_value(body), asker.user_id)
            await tell(client, respond, asker, build_reply(unreadable, clock.now(), mask_numbers))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.action(re.compile(rf"^{ids.ROSTER_PAGE_ACTION}:\d+$"))  # one action id per page: ids are unique per view
    async def handle_roster_page(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        wanted = read_page_value(pressed_value(body))
        modal = None if wanted is None else await roster_page(body, *wanted)
        if modal is None:  # a forged value or a deleted invite: the modal stays as it is
            log.info("roster page %r by %s names no invite; ignored", pressed_value(body)[:40], body["user"]["id"])
            return
        current = body.get("view") or {}
        await client.views_update(view_id=current.get("id"), hash=current.get("hash"), view=modal)

    @app.view(ids.REDIAL_VIEW)
    async def handle_redial_confirmed(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        metadata = read_redial_metadata(view.get("private_metadata", ""))
        if metadata is None:  # not the metadata we wrote: nothing to redial, and nowhere known to answer
            log.warning("Redial failed submitted with unreadable metadata by %s; ignored", body["user"]["id"])
            return
        invite_id, channel_id = metadata
        asker = presser(body, channel_id)
        reply = await requests.redial(invite_id, asker.user_id)
        await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))
