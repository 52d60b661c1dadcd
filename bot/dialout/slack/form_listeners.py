"""The /dial form's listeners: open it, redraw it while it is filled in, and schedule what it holds.

Opened by `/dial` with no text (commands.py calls `open_form`), the global shortcut "Schedule a
dial-out" and the message shortcut "Dial these people". Slack's trigger id is good for 3 seconds and
one view, so opening does only the user's (cached) profile lookup before `views.open`. Redraws go
through `views.update` with the view's hash: a redraw that lost a race to a newer one is dropped
(`hash_conflict`), never applied over it; so is one Slack refused for its rate limit. A submission
is read and checked by the core like typed text; errors go back under their fields in the same
request (`response_action: errors`), and a valid form is scheduled and confirmed as a typed `/dial` is.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.answers import FormErrorReply, PreviewReply
from bot.dialout.core.form import DialForm
from bot.dialout.core.launches import LaunchHeld
from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.form import (
    CALLBACK_ID,
    MESSAGE_SHORTCUT_ID,
    PROVIDER_ACTION,
    WHEN_ACTION,
    FormMetadata,
    build_errors,
    build_form,
    read_state,
)
from bot.dialout.slack.launch_view import build_launch_summary
from bot.dialout.slack.replies import build_reply
from bot.kernel.feature import Asker
from bot.kernel.ports import Clock
from bot.slack.messages import t

log = logging.getLogger(__name__)

# What views.open answers when the trigger id can no longer open a view.
SPENT_TRIGGER = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


def _slack_error(exc: SlackApiError) -> str | None:
    return exc.response.get("error") if exc.response is not None else None


def team_of(body: dict[str, Any]) -> str:
    """The workspace Slack says the presser or submitter of an interaction is in ('' when it does not say)."""
    return str((body.get("user") or {}).get("team_id") or (body.get("team") or {}).get("id") or "")


async def open_form(
    client: AsyncWebClient,
    requests: DialRequests,
    trigger_id: str,
    user_id: str,
    channel_id: str = "",
    prefill: DialForm | None = None,
    team_id: str | None = None,
) -> str | None:
    """Open the form for `user_id`; None when it opened, else the sentence to tell them why it did not.

    `channel_id` is where the thread will go (empty: the form asks, as for the global shortcut);
    `team_id` is the workspace whose default providers come first.
    """
    setup = await requests.form_setup(user_id, team_id)
    if not setup.choices:
        return t("form.no_providers", setup.locale)
    values = prefill or DialForm()
    # A prefilled time is read now, as if typed, so the form opens saying when it would dial.
    preview = await requests.preview(values.when, user_id) if values.when.strip() else None
    metadata = FormMetadata(channel_id, preview.preview if preview is not None else None)
    view = build_form(values, setup, metadata, preview)
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        if _slack_error(exc) not in SPENT_TRIGGER:
            raise
        log.warning("the /dial form for %s did not open: %s", user_id, _slack_error(exc))
        return t("form.expired", setup.locale)
    return None


async def _redraw(
    client: AsyncWebClient, requests: DialRequests, body: dict[str, Any], preview: PreviewReply | None = None
) -> None:
    """Draw the open form again from what it holds now (a provider chosen, a time typed)."""
    view = body["view"]
    values, _ = read_state(view["state"]["values"])
    metadata = FormMetadata.decode(view.get("private_metadata", ""))
    if preview is not None and preview.preview is not None:
        metadata = replace(metadata, preview=preview.preview)
    setup = await requests.form_setup(body["user"]["id"], team_of(body) or None)
    if not setup.choices:
        return  # every provider went away while it was open: the submit says so on the provider field
    drawn = build_form(values, setup, metadata, preview)
    try:
        await client.views_update(view_id=view["id"], hash=view["hash"], view=drawn)
    except SlackApiError as exc:
        # A newer redraw got there first, or typing outran Slack's rate limit: the next keystroke redraws,
        # and a submit reads the phrase afresh when it is not the one last previewed.
        if _slack_error(exc) not in {"hash_conflict", "ratelimited"}:
            raise
        log.info("dropped a redraw of view %s: %s", view["id"], _slack_error(exc))


class SubmittedViews:
    """The forms this process has taken for scheduling, by view id, so one form schedules once.

    Slack gives a submission 3 seconds; when reading and checking it (Slack lookups included) take
    longer, Slack shows the user an error with the form still open although it was scheduled, and a
    second press of Schedule sends the same view again. Bounded: only the latest ids are kept.
    """

    def __init__(self, keep: int = 1000) -> None:
        self._keep = keep
        self._ids: dict[str, None] = {}

    def claim(self, view_id: str) -> bool:
        """True the first time a view is submitted (or again after `release`)."""
        if view_id in self._ids:
            return False
        self._ids[view_id] = None
        while len(self._ids) > self._keep:
            del self._ids[next(iter(self._ids))]
        return True

    def release(self, view_id: str) -> None:
        """The submission was refused (errors shown): the same form may be submitted again."""
        self._ids.pop(view_id, None)


def register(app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool) -> None:
    """Attach the shortcuts, the form's redraws and its submission."""
    submitted = SubmittedViews()

    @app.global_shortcut(CALLBACK_ID)
    async def handle_shortcut(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        sorry = await open_form(client, requests, body["trigger_id"], body["user"]["id"], team_id=team_of(body) or None)
        if sorry:
            log.info("could not tell %s: %s (a global shortcut has no conversation)", body["user"]["id"], sorry)

    @app.message_shortcut(MESSAGE_SHORTCUT_ID)
    async def handle_message_shortcut(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        prefill = requests.prefill_from_message((body.get("message") or {}).get("text") or "")
        channel = body["channel"]["id"]
        user, team = body["user"]["id"], team_of(body) or None
        sorry = await open_form(client, requests, body["trigger_id"], user, channel, prefill, team)
        if sorry:
            await respond(text=sorry, response_type="ephemeral")

    @app.action(PROVIDER_ACTION)
    async def handle_provider(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await _redraw(client, requests, body)

    @app.action(WHEN_ACTION)
    async def handle_when(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        values, _ = read_state(body["view"]["state"]["values"])
        await _redraw(client, requests, body, await requests.preview(values.when, body["user"]["id"]))

    @app.view(CALLBACK_ID)
    async def handle_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        if not submitted.claim(view["id"]):
            await ack()  # already taken (or being taken) for scheduling: close it, schedule nothing more
            return
        values, picked = read_state(view["state"]["values"])
        metadata = FormMetadata.decode(view.get("private_metadata", ""))
        user_id = body["user"]["id"]
        asker = Asker(user_id, (body.get("team") or {}).get("id", ""), metadata.channel_id or picked)
        try:
            reply = await requests.submit_form(values, asker, metadata.preview)
        except BaseException:
            submitted.release(view["id"])
            raise
        if isinstance(reply, FormErrorReply):
            submitted.release(view["id"])
            await ack(response_action="errors", errors=build_errors(reply.errors, view, reply.locale))
            return
        await ack()
        if isinstance(reply, LaunchHeld):  # over BULK_CONFIRM_OVER parties: the summary, to confirm first
            text, blocks = build_launch_summary(reply)
            await client.chat_postEphemeral(channel=asker.channel_id, user=user_id, text=text, blocks=blocks)
            return
        text = build_reply(reply, clock.now(), mask_numbers)
        await client.chat_postEphemeral(channel=asker.channel_id, user=user_id, text=text)
