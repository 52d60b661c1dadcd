"""Provider webhook endpoints: verify → parse → core.

Events are stored before we answer, so a provider only ever gets 200 for an event we
have; a failure to store answers 500 and the provider's re-delivery brings it back. They are
applied after the answer, in the background (status_applier.py): storing is one write, applying
several, and a burst of webhooks must be answered within the provider's timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.dialout.core.ports import Provider, ReceivesWebhooks, WebhookRejected, WebhookReply, WebhookRequest
from bot.dialout.core.status import StatusService
from bot.kernel.logs import log_context
from bot.kernel.web import read_limited

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


# (provider, HTTP status answered, seconds taken): counted for /metrics, known providers only.
Observe = Callable[[str, int, float], None]


def routes(
    providers: Mapping[str, Provider],
    status: StatusService,
    received: Callable[[], None],
    observe: Observe = lambda *_: None,
) -> list[Route]:
    """The provider webhook routes: `providers` by name; their events are stored by `status`.

    `received` is called once events were stored, to have them applied (StatusApplier.wake).
    """

    async def handle_provider_webhook(request: Request) -> Response:
        provider = providers.get(request.path_params["provider"])
        if provider is None:
            return PlainTextResponse("unknown provider", status_code=404)
        started = time.perf_counter()
        with log_context(provider=provider.info.name):
            response = await _handle(provider, request)
        observe(provider.info.name, response.status_code, time.perf_counter() - started)
        return response

    async def _handle(provider: Provider, request: Request) -> Response:
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
        stored = [await status.receive(event) for event in reply.events]
        if any(stored):
            received()
        return _reply(reply)

    return [
        Route("/webhooks/{provider}", handle_provider_webhook, methods=["GET", "POST"]),
        Route("/webhooks/{provider}/{rest:path}", handle_provider_webhook, methods=["GET", "POST"]),
    ]


def _reply(reply: WebhookReply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
