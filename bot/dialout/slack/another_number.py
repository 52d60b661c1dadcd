"""Use another number in Slack: the button on a person's reminder DM, its one-field modal, and the answer.

The button (beside Skip me, built with the DM in reminders.py) names the invite and the person's
call, as Skip me does. Pressing it
opens a modal only for the person called; anyone else is told why not, privately. The modal's
private_metadata carries the call and where the DM is, so after a change the DM is re-rendered in
place from the rows (the new number) and the roster is re-rendered by the outbox. A number that
cannot be dialled, or a call no longer waiting, is said under the field; nothing changes then.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.reminder_requests import NumberChangeOutcome, NumberChangeReply, ReminderRequests
from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.commands import tell
from bot.dialout.slack.form_listeners import SPENT_TRIGGER, SubmittedViews
from bot.dialout.slack.reminders import build_person_reminder, pressed_call
from bot.dialout.slack.replies import build_number_problem, region_name
from bot.kernel.people import UserProfile
from bot.kernel.phone import display
from bot.kernel.ports import Clock
from bot.slack import ids
from bot.slack.messages import t

log = logging.getLogger(__name__)

NUMBER_BLOCK = "another_number"
NUMBER_INPUT = "another_number_input"
MAX_NUMBER_LENGTH = 40  # longer than any phone number written with spaces and brackets


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


@dataclass(frozen=True)
class AnotherNumberMetadata:
    """What the modal carries between opening and submit: the call, and the DM to re-render."""

    invite_id: int
    attempt_id: int
    channel_id: str
    message_ts: str

    def encode(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def decode(text: str) -> AnotherNumberMetadata | None:
        """The metadata this module wrote, None when it is not (nothing to change, nowhere to answer)."""
        try:
            data = json.loads(text)
            return AnotherNumberMetadata(
                int(data["invite_id"]), int(data["attempt_id"]), str(data["channel_id"]), str(data["message_ts"])
            )
        except (ValueError, TypeError, KeyError):
            return None


def build_another_number_modal(
    reply: NumberChangeReply, metadata: AnotherNumberMetadata, mask_numbers: bool
) -> dict[str, Any]:
    """The modal: one number field, its hint naming the number now and the region numbers are read in."""
    locale = reply.locale
    now = display(reply.attempt.party.address, mask_numbers) if reply.attempt else "—"
    region = region_name(reply.region, locale)
    return {
        "type": "modal",
        "callback_id": ids.ANOTHER_NUMBER_VIEW,
        "private_metadata": metadata.encode(),
        "title": _plain(t("another_number.title", locale)),
        "submit": _plain(t("another_number.submit", locale)),
        "close": _plain(t("another_number.close", locale)),
        "blocks": [
            {
                "type": "input",
                "block_id": NUMBER_BLOCK,
                "label": _plain(t("another_number.label", locale)),
                "element": {
                    "type": "plain_text_input",
                    "action_id": NUMBER_INPUT,
                    "max_length": MAX_NUMBER_LENGTH,
                },
                "hint": _plain(t("another_number.hint", locale, number=now, id=reply.invite_id, region=region)),
            }
        ],
    }


def build_number_change_answer(reply: NumberChangeReply, mask_numbers: bool) -> str:
    """What a press or a submit achieved, or why not. Plain text: it may be shown under the field,
    where Slack shows no formatting (so no code marks and no bullet)."""
    if reply.outcome is NumberChangeOutcome.BAD_NUMBER and reply.problem is not None:
        problem = reply.problem
        line = build_number_problem(problem.kind.value, problem.text, problem.region, reply.locale)
        return line.removeprefix("• ").replace("`", "")
    if reply.outcome is NumberChangeOutcome.CHANGED:
        number = display(reply.attempt.party.address, mask_numbers) if reply.attempt else "—"
        return t("another_number.changed", reply.locale, id=reply.invite_id, number=number)
    return t(f"another_number.{reply.outcome.value}", reply.locale, id=reply.invite_id)


def _submitted_number(view: dict[str, Any]) -> str:
    value = ((view.get("state") or {}).get("values") or {}).get(NUMBER_BLOCK, {}).get(NUMBER_INPUT, {})
    return str(value.get("value") or "")


async def _open(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    """views.open; False when the click's trigger id can no longer open a view (too slow, or used)."""
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        if (exc.response.get("error") if exc.response is not None else None) not in SPENT_TRIGGER:
            raise
        return False
    return True


async def _update_dm(
    client: AsyncWebClient, metadata: AnotherNumberMetadata, reply: NumberChangeReply, user_id: str, mask: bool
) -> bool:
    """Re-render the person's reminder DM from the rows (now with the new number); False if Slack refused."""
    if reply.invite is None or reply.attempt is None:
        return False
    profile = UserProfile(user_id, tz=reply.tz, locale=reply.locale)
    text, blocks = build_person_reminder(reply.invite, reply.attempt, profile, mask, reply.locale)
    try:
        await client.chat_update(channel=metadata.channel_id, ts=metadata.message_ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not update %s's reminder DM for invite %s: %s", user_id, reply.invite_id, exc)
        return False
    return True


def register(
    app: AsyncApp, *, requests: ReminderRequests, dial_requests: DialRequests, clock: Clock, mask_numbers: bool
) -> None:
    """Attach Use another number: the DM's button, and its modal's submission."""
    submitted = SubmittedViews()

    @app.action(ids.ANOTHER_NUMBER_ACTION)
    async def handle_another_number(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        asker, named = await pressed_call(body, client, respond, dial_requests, clock, mask_numbers)
        if named is None:
            return
        reply = await requests.open_another_number(*named, asker.user_id)
        if reply.outcome is not NumberChangeOutcome.READY:
            await tell(client, respond, asker, build_number_change_answer(reply, mask_numbers))
            return
        message_ts = str((body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts", ""))
        metadata = AnotherNumberMetadata(named[0], named[1], asker.channel_id, message_ts)
        if not await _open(client, body["trigger_id"], build_another_number_modal(reply, metadata, mask_numbers)):
            await tell(client, respond, asker, t("another_number.expired", reply.locale))

    @app.view(ids.ANOTHER_NUMBER_VIEW)
    async def handle_another_number_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        metadata = AnotherNumberMetadata.decode(view.get("private_metadata", ""))
        if metadata is None or not submitted.claim(view["id"]):
            await ack()  # not our metadata, or the same modal is being (or was) submitted: change nothing
            return
        user_id = body["user"]["id"]
        try:
            reply = await requests.use_another_number(
                metadata.invite_id, metadata.attempt_id, user_id, _submitted_number(view)
            )
        except BaseException:
            submitted.release(view["id"])
            raise
        if reply.outcome is not NumberChangeOutcome.CHANGED:
            submitted.release(view["id"])
            await ack(response_action="errors", errors={NUMBER_BLOCK: build_number_change_answer(reply, mask_numbers)})
            return
        await ack()
        if not await _update_dm(client, metadata, reply, user_id, mask_numbers):
            text = build_number_change_answer(reply, mask_numbers)
            await client.chat_postEphemeral(channel=metadata.channel_id, user=user_id, text=text)
