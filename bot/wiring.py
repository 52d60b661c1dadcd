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
from starlette.routing import Mount, Route

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
from bot.inbound.core.model import AnswerDefaults, PromptError, render_prompt
from bot.inbound.core.switchboard import RouteBook, RouteBookRules, Switchboard, SwitchboardRules
from bot.inbound.slack.sender import InboundOutbox, InboundSender, MentionRefresher, SlackUserGroups
from bot.inbound.store import CachedRoutes, SqlInboundCalls
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
class InboundServices:
    """Inbound calls (呼入转呼): the switchboard the CTI platform talks to, the routes, their refresher."""

    switchboard: Switchboard
    book: RouteBook
    routes: CachedRoutes
    calls: SqlInboundCalls
    refresher: MentionRefresher


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
    inbound: InboundServices | None = None
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
    watch_every_s: float = 1.0,
    min_update_interval_s: float = 1.0,
) -> Services:
    """Build (but do not start) a confbot from settings.

    `watch_every_s` (how often open calls are looked at) and `min_update_interval_s` (Slack's rule:
    one chat.update a second per message) keep their defaults in production; tests shorten them.
    """
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
        min_update_interval_s=min_update_interval_s,
    )
    status = StatusService(store, notifier, clock, infos)
    scheduler = InviteScheduler(app_key, grace_s, watch_every_s=watch_every_s)
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
    directory = SlackDirectory(slack_client)
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
    inbound = build_inbound(settings, engine, clock, slack_client, outbox, notifier.wake, worker)
    requests = DialRequests(invites, directory, lambda: infos, clock, rules, locale_of, routes=inbound.book)
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


def build_inbound(
    settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
    slack_client: AsyncWebClient,
    outbox: SqlOutbox,
    wake: asyncio.Event,
    worker: OutboxWorker,
) -> InboundServices:
    """The inbound-call services; their Slack rows are delivered by the shared outbox worker."""
    cti = settings.cti
    fail_prompt = cti.fail_prompt
    try:
        render_prompt(fail_prompt)
    except PromptError as exc:
        log.error("CTI_FAIL_PROMPT cannot be played (%s); refused callers hear the platform's own tone", exc)
        fail_prompt = ""
    routes = CachedRoutes(engine)  # the query path reads routes from memory, kept in step with the table
    calls = SqlInboundCalls(engine)
    switchboard = Switchboard(
        routes,
        calls,
        InboundOutbox(outbox, clock, wake),
        clock,
        SwitchboardRules(
            region=settings.default_region.upper(),
            defaults=AnswerDefaults(charge_ext=cti.charge_ext, fail_prompt=fail_prompt),
            report_channel=cti.report_channel,
        ),
    )
    # Route numbers are read fresh from Slack (no cache): they are stored and read from the database.
    book = RouteBook(
        routes,
        SlackDirectory(slack_client, ttl_s=0),
        SlackUserGroups(slack_client),
        clock,
        RouteBookRules(policy=dialing_policy(settings), admin_group=cti.route_admin_group),
    )
    render = RenderSettings(locale=settings.default_locale, mask_numbers=settings.mask_numbers)
    InboundSender(calls, slack_client, clock, worker, outbox, render).register()
    return InboundServices(switchboard, book, routes, calls, MentionRefresher(book))


async def start(services: Services) -> None:
    """Migrate, warm up, and start the clock and the outbox (inside the running loop)."""
    await db.upgrade(services.engine)
    await asyncio.get_running_loop().run_in_executor(None, when.warm_up)
    jobs.RUNNING[services.app_key] = services
    services.scheduler.start()
    await services.invites.rebuild()
    services.worker.start()
    if services.inbound is not None:
        services.inbound.routes.start()
        services.inbound.refresher.start()
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
        await services.inbound.refresher.stop()
        await services.inbound.routes.stop()
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

    routes: list[Route | Mount] = [Route("/slack/events", handle_slack_events, methods=["POST"])]
    routes += webhooks.routes(services)
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
