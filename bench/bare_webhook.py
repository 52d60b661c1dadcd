"""The baseline for `webhook_burst`: a bare Starlette endpoint that reads the body and answers 200.

Run as its own process (`python -m bench.bare_webhook PORT`), served by uvicorn like confbot, so the
difference measured is confbot's own work before it answers a webhook.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


async def handle_webhook(request: Request) -> Response:
    await request.body()
    return PlainTextResponse("ok")


def build() -> Starlette:
    return Starlette(routes=[Route("/webhooks/sandbox", handle_webhook, methods=["POST"])])


if __name__ == "__main__":
    uvicorn.run(build(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
