"""Edit and Add people on an invite's thread parent: open their modals, and carry out what is submitted.

Edit opens the /dial form (form.py) prefilled with the invite and carrying its id and version in
private_metadata; its provider and time redraws are form_listeners.py's, which keep it an Edit form.
A submit is read like a new form (errors under their fields); an edit refused because the invite was
dialled, cancelled or changed meanwhile is said on the form, and changes nothing. Add people opens a
small modal with the form's own people fields; its calls are placed only after Slack has its answer
(placing may take longer than the 3 seconds a submission is given).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.answers import ButtonReply, FormErrorReply, PreviewReply
from bot.dialout.core.form import FormField
from bot.dialout.core.outcomes import AddPeopleOutcome, EditOutcome
from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.actions import pressed_invite
from bot.dialout.slack.commands import tell
from bot.dialout.slack.editing import build_add_people_answer, build_edit_answer
from bot.dialout.slack.form import (
    ADD_PEOPLE_CALLBACK_ID,
    EDIT_CALLBACK_ID,
    FormMetadata,
    block_id,
    build_add_people_modal,
    build_errors,
    build_form,
    read_add_people_metadata,
    read_state,
)
from bot.dialout.slack.form_listeners import SPENT_TRIGGER, SubmittedViews
from bot.dialout.slack.replies import build_reply
from bot.kernel.feature import Asker
from bot.kernel.ports import Clock
from bot.slack import ids
from bot.slack.messages import t

log = logging.getLogger(__name__)

# Outcomes of an Add people submit shown on the modal (it stays open): nothing was added.
_SHOWN_ON_MODAL = {
    AddPeopleOutcome.NOT_FOUND,
    AddPeopleOutcome.NOT_ALLOWED,
    AddPeopleOutcome.ALREADY_OVER,
    AddPeopleOutcome.ALREADY_IN,
    AddPeopleOutcome.TOO_MANY,
}


async def _open(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    """views.open; False when the click's trigger id can no longer open a view (too slow, or used)."""
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        if error not in SPENT_TRIGGER:
            raise
        log.warning("a modal did not open: %s", error)
        return False
    return True


def register(app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool) -> None:
    """Attach Edit and Add people: their buttons and their modals' submissions.

    One `SubmittedViews` for both, so a modal submitted twice (a double click, Slack's retry) acts once.
    """
    submitted = SubmittedViews()
    _register_edit(app, requests, clock, mask_numbers, submitted)
    _register_add_people(app, requests, clock, mask_numbers, submitted)


def _register_edit(
    app: AsyncApp, requests: DialRequests, clock: Clock, mask_numbers: bool, submitted: SubmittedViews
) -> None:
    """Edit: the form prefilled from the invite, and its save."""

    @app.action(ids.EDIT_ACTION)
    async def handle_edit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        asker, invite_id = await pressed_invite(
            body, requests, client, respond, lambda reply: build_reply(reply, clock.now(), mask_numbers)
        )
        if invite_id is None:
            return
        answer = await requests.open_edit(invite_id, asker.user_id)
        if isinstance(answer, ButtonReply):
            await tell(client, respond, asker, build_reply(answer, clock.now(), mask_numbers))
            return
        setup = answer.setup
        if not setup.choices:
            await tell(client, respond, asker, t("form.no_providers", setup.locale))
            return
        metadata = FormMetadata(answer.channel_id, answer.preview, answer.invite_id, answer.version)
        preview = PreviewReply(setup.locale, setup.tz, answer.preview.phrase, answer.preview)
        if not await _open(client, body["trigger_id"], build_form(answer.values, setup, metadata, preview)):
            await tell(client, respond, asker, t("form.expired", setup.locale))

    @app.view(EDIT_CALLBACK_ID)
    async def handle_edit_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        if not submitted.claim(view["id"]):
            await ack()  # the same form is being (or was) saved: close it, change nothing more
            return
        values, _ = read_state(view["state"]["values"])
        metadata = FormMetadata.decode(view.get("private_metadata", ""))
        user_id = body["user"]["id"]
        asker = Asker(user_id, (body.get("team") or {}).get("id", ""), metadata.channel_id)
        try:
            reply = await requests.submit_edit(
                metadata.invite_id or 0, metadata.version, values, asker, metadata.preview
            )
        except BaseException:
            submitted.release(view["id"])
            raise
        if isinstance(reply, FormErrorReply):
            submitted.release(view["id"])
            await ack(response_action="errors", errors=build_errors(reply.errors, view, reply.locale))
            return
        if reply.outcome is not EditOutcome.EDITED:
            submitted.release(view["id"])
            errors = {block_id(FormField.PROVIDER): build_edit_answer(reply)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        await client.chat_postEphemeral(channel=asker.channel_id, user=user_id, text=build_edit_answer(reply))


def _register_add_people(
    app: AsyncApp, requests: DialRequests, clock: Clock, mask_numbers: bool, submitted: SubmittedViews
) -> None:
    """Add people: the small modal, and its submission."""

    @app.action(ids.ADD_PEOPLE_ACTION)
    async def handle_add_people(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        asker, invite_id = await pressed_invite(
            body, requests, client, respond, lambda reply: build_reply(reply, clock.now(), mask_numbers)
        )
        if invite_id is None:
            return
        answer = await requests.open_add_people(invite_id, asker.user_id)
        if isinstance(answer, ButtonReply):
            await tell(client, respond, asker, build_reply(answer, clock.now(), mask_numbers))
            return
        modal = build_add_people_modal(answer.invite_id, asker.channel_id, answer.locale)
        if not await _open(client, body["trigger_id"], modal):
            await tell(client, respond, asker, t("form.expired", answer.locale))

    @app.view(ADD_PEOPLE_CALLBACK_ID)
    async def handle_add_people_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        if not submitted.claim(view["id"]):
            await ack()
            return
        metadata = read_add_people_metadata(view.get("private_metadata", ""))
        if metadata is None:  # not the metadata we wrote: nothing to add to, and nowhere known to answer
            log.warning("Add people submitted with unreadable metadata by %s; ignored", body["user"]["id"])
            await ack()
            return
        invite_id, channel_id = metadata
        values, _ = read_state(view["state"]["values"])
        user_id = body["user"]["id"]
        asker = Asker(user_id, (body.get("team") or {}).get("id", ""), channel_id)
        try:
            reply = await requests.submit_add_people(invite_id, values, asker)
        except BaseException:
            submitted.release(view["id"])
            raise
        if isinstance(reply, FormErrorReply):
            submitted.release(view["id"])
            await ack(response_action="errors", errors=build_errors(reply.errors, view, reply.locale))
            return
        if reply.outcome in _SHOWN_ON_MODAL:
            submitted.release(view["id"])
            errors = {block_id(FormField.PEOPLE): build_add_people_answer(reply, mask_numbers)}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        await client.chat_postEphemeral(
            channel=channel_id, user=user_id, text=build_add_people_answer(reply, mask_numbers)
        )
        await requests.place_added(invite_id)
