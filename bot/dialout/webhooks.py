"""Provider webhook endpoints and the health check: verify → parse → core.

Events are stored before we answer, so a provider only ever gets 200 for an event we
have; a failure to store answers 500 and the provider's re-delivery brings it back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.dialout.core.ports import WebhookRejected, WebhookReply, WebhookRequest
from bot.kernel.web import read_limited

if TYPE_CHECKING:
    from bot.wiring import Services

log = logging.getLogger(__name__)

MAX_WEBHOOK_BODY = 1_000_000


def webhook_request(request: Request, body: bytes) -> WebhookRequest:
    """Our neutral view of an incoming HTTP request."""
    return WebhookRequest(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        client_ip=request.client.host if request.client else "",
    )


def routes(services: Services) -> list[Route]:
    """The webhook and health routes, bound to the running services."""

    async def handle_provider_webhook(request: Request) -> Response:
        provider = services.providers.get(request.path_params["provider"])
        if provider is None:
            return PlainTextResponse("unknown provider", status_code=404)
        body = await read_limited(request, MAX_WEBHOOK_BODY)
        if body is None:
            return PlainTextResponse("body too large", status_code=413)
        try:
            reply = await provider.handle_webhook(webhook_request(request, body))
        except WebhookRejected as exc:
            log.warning("%s webhook rejected (%s): %s", provider.info.name, exc.status, exc.reason)
            return PlainTextResponse(exc.reason, status_code=exc.status)
        except NotImplementedError:
            return PlainTextResponse("this provider sends no webhooks", status_code=404)
        for event in reply.events:
            await services.status.apply(event)
        return _reply(reply)

    async def handle_health(_request: Request) -> Response:
        try:
            async with services.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"ok": False, "database": repr(exc)}, status_code=503)
        return JSONResponse({"ok": True, "outbox_pending": await services.outbox.pending_count()})

    return [
        Route("/webhooks/{provider}", handle_provider_webhook, methods=["GET", "POST"]),
        Route("/webhooks/{provider}/{rest:path}", handle_provider_webhook, methods=["GET", "POST"]),
        Route("/healthz", handle_health, methods=["GET"]),
    ]


def _reply(reply: WebhookReply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
