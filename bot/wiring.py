"""Composition root: the only place long-lived objects are built and connected.

`build_services` makes the store, providers, core services, Slack client and outbox;
`build_asgi` serves Slack (`/slack/events`), provider webhooks, `/healthz` and, unless a
real sandbox URL is configured, the sandbox simulator at `/sandbox`. Start-up (inside
the running loop) migrates the database, warms dateparser, starts the scheduler, rebuilds
jobs from the invites table and starts the outbox worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from bot.config import Settings
from bot.dialout import jobs, webhooks
from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.models import TargetKind
from bot.dialout.core.ports import Provider
from bot.dialout.core.requests import DialRequests, RequestRules
from bot.dialout.core.status import StatusService
from bot.dialout.providers import build_providers
from bot.dialout.scheduling import InviteScheduler
from bot.dialout.slack.notifier import OutboxNotifier, OutboxWorker, RenderSettings
from bot.dialout.store import SqlInviteStore
from bot.inbound.feature import InboundFeature, build_inbound_feature
from bot.kernel import db, when
from bot.kernel.outbox import SqlOutbox
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import Clock
from bot.sandbox.server import SandboxTelco
from bot.slack.app import build_app
from bot.slack.directory import SlackDirectory
from bot.slack.messages import locale_of

log = logging.getLogger(__name__)


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Services:
    """Everything a running confbot is made of."""

    settings: Settings
    app_key: str
    engine: AsyncEngine
    store: SqlInviteStore
    outbox: SqlOutbox
    clock: Clock
    providers: dict[str, Provider]
    notifier: OutboxNotifier
    worker: OutboxWorker
    status: StatusService
    invites: InviteService
    requests: DialRequests
    scheduler: InviteScheduler
    directory: SlackDirectory
    slack_client: AsyncWebClient
    sandbox: SandboxTelco | None = None
    inbound: InboundFeature | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _socket_mode: Any = None


def dialing_policy(settings: Settings) -> DialingPolicy:
    """The workspace dialing policy from settings."""
    return DialingPolicy(
        region=settings.default_region.upper(),
        allowed_countries=settings.allowed_country_set,
        block_premium_rate=settings.block_premium_rate,
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    schema: str | None = None,
    sandbox_chaos: frozenset[str] = frozenset(),
) -> Services:
    """Build (but do not start) a confbot from settings."""
    clock = clock or SystemClock()
    app_key = uuid.uuid4().hex
    engine = db.create_engine(settings.database_url, schema=schema)
    store = SqlInviteStore(engine)
    outbox = SqlOutbox(engine)
    providers = build_providers(settings)
    infos = {name: p.info for name, p in providers.items()}
    slack_client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() or None, base_url=settings.slack_api_url
    )
    notifier = OutboxNotifier(outbox, clock)
    grace_s = int(settings.missed_grace_minutes * 60)
    worker = OutboxWorker(
        outbox,
        store,
        slack_client,
        clock,
        infos,
        RenderSettings(locale=settings.default_locale, mask_numbers=settings.mask_numbers, grace_s=grace_s),
        notifier.wake,
    )
    status = StatusService(store, notifier, clock, infos)
    scheduler = InviteScheduler(app_key, grace_s)
    invites = InviteService(
        store,
        scheduler,
        notifier,
        providers,
        status,
        clock,
        callback_url=lambda name: f"{settings.base_url}/webhooks/{name}",
        rules=DialingRules(grace_s=grace_s, concurrency=settings.dial_concurrency),
    )
    rules = RequestRules(
        policy=dialing_policy(settings),
        default_provider={
            TargetKind.CONFERENCE: settings.default_provider,
            TargetKind.MEETING: settings.default_meeting_provider,
            TargetKind.EVENT: settings.default_event_provider,
        },
        default_locale=settings.default_locale,
        default_tz=settings.default_tz,
    )
    directory = SlackDirectory(slack_client)
    inbound = build_inbound_feature(
        settings,
        engine=engine,
        clock=clock,
        slack_client=slack_client,
        outbox=outbox,
        wake=notifier.wake,
        worker=worker,
        directory=directory,
        policy=dialing_policy(settings),
    )
    requests = DialRequests(invites, directory, lambda: infos, clock, rules, locale_of)
    sandbox = None
    if settings.sandbox.enabled and not settings.sandbox.base_url:
        sandbox = SandboxTelco(
            settings.sandbox.api_key.get_secret_value(),
            settings.sandbox.webhook_secret.get_secret_value(),
            speed=settings.sandbox.speed,
            chaos=sandbox_chaos,
            callback_prefix=f"{settings.base_url}/webhooks/",
        )
    return Services(
        settings=settings,
        app_key=app_key,
        engine=engine,
        store=store,
        outbox=outbox,
        clock=clock,
        providers=providers,
        notifier=notifier,
        worker=worker,
        status=status,
        invites=invites,
        requests=requests,
        scheduler=scheduler,
        directory=directory,
        slack_client=slack_client,
        sandbox=sandbox,
        inbound=inbound,
    )


async def start(services: Services) -> None:
    """Migrate, warm up, and start the clock and the outbox (inside the running loop)."""
    await db.upgrade(services.engine)
    await asyncio.get_running_loop().run_in_executor(None, when.warm_up)
    jobs.RUNNING[services.app_key] = services
    services.scheduler.start()
    await services.invites.rebuild()
    services.worker.start()
    if services.inbound is not None:
        await services.inbound.start()
    token = services.settings.slack_app_token.get_secret_value()
    if token:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(services.extra["bolt_app"], token)
        await handler.connect_async()
        services._socket_mode = handler
        log.info("connected to Slack in Socket Mode")


async def stop(services: Services) -> None:
    """Stop background work and close connections; pending work stays in the database."""
    if services._socket_mode is not None:
        await services._socket_mode.close_async()
    services.scheduler.shutdown()
    await services.worker.stop()
    if services.inbound is not None:
        await services.inbound.stop()
    jobs.RUNNING.pop(services.app_key, None)
    for provider in services.providers.values():
        await provider.aclose()
    if services.sandbox is not None:
        await services.sandbox.aclose()
    await services.engine.dispose()


def build_asgi(services: Services) -> Starlette:
    """The ASGI app serving Slack, provider webhooks, health and the embedded sandbox."""
    bolt_app: AsyncApp = build_app(services)
    services.extra["bolt_app"] = bolt_app
    handler = AsyncSlackRequestHandler(bolt_app)

    async def handle_slack_events(request: Request) -> Response:
        return await handler.handle(request)

    routes: list[BaseRoute] = [Route("/slack/events", handle_slack_events, methods=["POST"])]
    routes += webhooks.routes(services)
    if services.inbound is not None:
        routes += services.inbound.routes()
    if services.sandbox is not None:
        routes.append(Mount("/sandbox", app=services.sandbox.app))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await start(services)
        try:
            yield
        finally:
            await stop(services)

    return Starlette(routes=routes, lifespan=lifespan)
