"""Buttons of paced bulk dialing: Pause dialling / Resume dialling on a thread parent, and Confirm /
Cancel on a bulk launch's summary (an ephemeral message only its asker sees).

Each listener acks first, asks the core (the one permission rule; stale clicks find the rows moved
on and say so) and answers the presser privately in their language. Resume answers before it sends
the queued calls, as Add people does: sending at the pace may take minutes.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.dialout.core.answers import ErrorReply, ScheduledReply
from bot.dialout.core.launches import LaunchReply
from bot.dialout.core.pausing import PauseOutcome
from bot.dialout.core.requests import DialRequests
from bot.dialout.slack.actions import pressed_invite
from bot.dialout.slack.commands import tell
from bot.dialout.slack.launch_view import build_launch_reply
from bot.dialout.slack.replies import build_reply
from bot.kernel.ports import Clock
from bot.slack import ids


def register(app: AsyncApp, *, requests: DialRequests, clock: Clock, mask_numbers: bool) -> None:
    """Attach the Pause/Resume dialling and the launch Confirm/Cancel listeners."""

    def words(reply: ErrorReply | ScheduledReply) -> str:
        return build_reply(reply, clock.now(), mask_numbers)

    async def pause_or_resume(
        body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, resume: bool
    ) -> None:
        asker, invite_id = await pressed_invite(body, requests, client, respond, words)
        if invite_id is None:
            return
        reply = await requests.pause_dialling(invite_id, asker.user_id, resume=resume)
        await tell(client, respond, asker, build_reply(reply, clock.now(), mask_numbers))
        if reply.outcome is PauseOutcome.RESUMED:
            await requests.place_added(invite_id)  # the calls still queued, at the pace, each once

    @app.action(ids.PAUSE_DIALLING_ACTION)
    async def handle_pause(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await pause_or_resume(body, client, respond, resume=False)

    @app.action(ids.RESUME_DIALLING_ACTION)
    async def handle_resume(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await pause_or_resume(body, client, respond, resume=True)

    async def settle(body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, confirm: bool) -> None:
        asker, launch_id = await pressed_invite(body, requests, client, respond, words)
        if launch_id is None:
            return
        reply = await requests.settle_launch(launch_id, asker.user_id, confirm=confirm)
        text = build_launch_reply(reply) if isinstance(reply, LaunchReply) else words(reply)
        await tell(client, respond, asker, text)

    @app.action(ids.LAUNCH_CONFIRM_ACTION)
    async def handle_confirm(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        await settle(body, client, respond, confirm=True)

    @app.action(ids.LAUNCH_CANCEL_ACTION)
    async def handle_cancel(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await settle(body, client, respond, confirm=False)
