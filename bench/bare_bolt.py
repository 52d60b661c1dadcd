"""The baseline for `ack_load`: a Bolt app that checks the signature and only acks `/dial`.

Run as its own process (`python -m bench.bare_bolt PORT SIGNING_SECRET TOKEN SLACK_API_URL [prompt]`),
served by uvicorn through the same Starlette adapter as confbot, so the difference measured is
confbot's own work before the ack. Bolt's default runs the listener as a task and polls for its ack
every 10 ms; with `prompt` it runs with process_before_response=True and answers when the listener
returns: the fastest a Bolt app can answer, a stricter baseline than the default.
"""

from __future__ import annotations

import sys

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build(signing_secret: str, token: str, api_url: str, prompt: bool = False) -> Starlette:
    """A Starlette app with Bolt at /slack/events; `/dial` is acknowledged and nothing else happens.

    Its Slack client points at the emulator: Bolt checks its token with auth.test once, as confbot's does.
    """
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        process_before_response=prompt,
    )

    @app.command("/dial")
    async def handle_dial(ack: AsyncAck) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


if __name__ == "__main__":
    port, secret, token, api_url = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    prompt = sys.argv[5:6] == ["prompt"]
    asgi = build(secret, token, api_url, prompt)
    uvicorn.run(asgi, host="127.0.0.1", port=port, log_level="warning", access_log=False)
