"""Provider webhook endpoints, the CTI platform's callbacks and the health check: verify → parse → core.

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

from bot.dialout.core.ports import ReceivesWebhooks, WebhookRejected, WebhookReply, WebhookRequest
from bot.inbound.cti import CtiProvider, request_format

if TYPE_CHECKING:
    from bot.wiring import Services

log = logging.getLogger(__name__)

MAX_WEBHOOK_BODY = 1_000_000


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


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
        if not isinstance(provider, ReceivesWebhooks):
            return PlainTextResponse("this provider sends no webhooks", status_code=404)
        body = await read_limited(request, MAX_WEBHOOK_BODY)
        if body is None:
            return PlainTextResponse("body too large", status_code=413)
        try:
            reply = await provider.handle_webhook(webhook_request(request, body))
        except WebhookRejected as exc:
            log.warning("%s webhook rejected (%s): %s", provider.info.name, exc.status, exc.reason)
            return PlainTextResponse(exc.reason, status_code=exc.status)
        for event in reply.events:
            await services.status.apply(event)
        return _reply(reply)

    async def handle_cti(request: Request) -> Response:
        """The CTI platform's number queries and events: authenticate, bound the body, answer (呼入转呼)."""
        cti = services.providers.get("cti")
        if not isinstance(cti, CtiProvider) or cti.info.missing_settings or services.inbound is None:
            return PlainTextResponse("inbound calls are not configured", status_code=404)
        fmt = request_format(request.headers, b"")
        try:
            cti.authenticate(request.path_params["secret"], request.client.host if request.client else "")
        except WebhookRejected as exc:
            log.warning("CTI request rejected (%s): %s", exc.status, exc.reason)
            return _reply(cti.error_reply(exc.status, "auth", exc.reason, fmt))
        body = await read_limited(request, cti.max_body_bytes)
        if body is None:
            return _reply(cti.error_reply(413, "body", f"the body is larger than {cti.max_body_bytes} bytes", fmt))
        return _reply(await cti.serve(webhook_request(request, body), services.inbound.switchboard))

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
        Route("/cti/{secret}", handle_cti, methods=["GET", "POST"]),
        Route("/healthz", handle_health, methods=["GET"]),
    ]


def _reply(reply: WebhookReply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
