"""`POST /slack/events` holds background work back while it serves a request, and lets it go when answered."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from starlette.applications import Starlette
from starlette.routing import Route

from bot.emulator.driver import slack_signature, slash_command_fields
from bot.kernel.acks_first import AcksFirst
from bot.slack.events import SlackEvents

SECRET = "events-secret"


async def _authorize(**_: object) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UB", bot_id="B1")


def _signed(body: str, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": slack_signature(secret, ts, body.encode()),
    }


async def test_background_waits_while_a_request_is_served_and_goes_once_it_is_answered() -> None:
    acks_first = AcksFirst(max_wait_s=60)
    seen_while_serving: list[int] = []
    app = AsyncApp(signing_secret=SECRET, authorize=_authorize)

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        seen_while_serving.append(acks_first.waiting)
        await ack()

    events = SlackEvents(app, SECRET, acks_first)
    asgi = Starlette(routes=[Route("/slack/events", events.handle, methods=["POST"])])
    body = urlencode(slash_command_fields("1 into conf 2", "U1", "C1", "/dial", "http://127.0.0.1:9/r"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://bot") as http:
        answered = await http.post("/slack/events", content=body, headers=_signed(body))
        refused = await http.post("/slack/events", content=body, headers=_signed(body, "wrong"))
    assert answered.status_code == 200 and refused.status_code == 401
    assert seen_while_serving == [1]
    assert acks_first.waiting == 0  # answered or refused, nothing holds background work back
