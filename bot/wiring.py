"""Composition root: builds the shared pieces and the features, and connects them; no logic.

Shared pieces: the database engine, the clock, the Slack client, the outbox with its notifier and
its worker. Features (bot.kernel.feature.Feature): dial-out, inbound routing (呼入转呼) and, when it
is on, the embedded sandbox. Every feature's routes are mounted beside `/slack/events` and
`/healthz`, its listeners are registered on the one Bolt app, and it is started and stopped with
the server. Start-up (inside the running loop) first migrates the database;
with `SLACK_APP_TOKEN` set, Slack is reached over Socket Mode instead of HTTP.

Nothing built here is kept in a module global or handed around whole: each feature gets the pieces
it uses, and `Confbot` is only the handle the CLI, the demo and the tests hold.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from bot.config import Settings
from bot.dialout.core.invites import InviteService
from bot.dialout.core.ports import Provider
from bot.dialout.feature import DialoutFeature, build_dialout, dialing_policy, register_invite_sender
from bot.dialout.providers import build_providers
from bot.dialout.scheduling import InviteScheduler
from bot.dialout.slack.notifier import OutboxNotifier
from bot.dialout.store import SqlInviteStore
from bot.inbound.feature import InboundFeature, build_inbound_feature
from bot.kernel import db
from bot.kernel.acks_first import AcksFirst
from bot.kernel.feature import Feature
from bot.kernel.health import health_route
from bot.kernel.inbox import CommandInbox, SqlInbox
from bot.kernel.metrics import GaugeSample, Metrics, metrics_route, read_outbox_gauges, readiness_route
from bot.kernel.outbox import SqlOutbox
from bot.kernel.ports import Clock
from bot.kernel.redaction import SecretRedaction
from bot.kernel.web import database_outage_handlers
from bot.kernel.workspace_settings_store import SqlWorkspaceSettings
from bot.sandbox.feature import build_sandbox
from bot.slack.app import build_app
from bot.slack.clients import TeamClient
from bot.slack.counted_client import CountedWebClient
from bot.slack.directory import SlackDirectory
from bot.slack.events import SlackEvents
from bot.slack.installs import OAuthInstalls, build_oauth
from bot.slack.outbox_worker import SlackOutboxWorker

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

log = logging.getLogger(__name__)


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Confbot:
    """A built confbot: what the CLI, the demo and the tests hold (nothing inside is handed this)."""

    settings: Settings
    engine: AsyncEngine
    clock: Clock
    slack_client: AsyncWebClient
    outbox: SqlOutbox
    worker: SlackOutboxWorker
    dialout: DialoutFeature
    inbound: InboundFeature
    features: Sequence[Feature]
    bolt: AsyncApp
    metrics: Metrics
    inbox: CommandInbox
    oauth: OAuthInstalls | None = None  # OAuth mode (many workspaces); None in single-token mode
    socket_mode: AsyncSocketModeHandler | None = None

    @property
    def store(self) -> SqlInviteStore:
        return self.dialout.store

    @property
    def invites(self) -> InviteService:
        return self.dialout.invites

    @property
    def providers(self) -> dict[str, Provider]:
        return self.dialout.providers

    @property
    def scheduler(self) -> InviteScheduler:
        return self.dialout.scheduler


class _Shared(NamedTuple):
    """What the features are built on: one engine, clock and Slack client, the outbox and its notifier."""

    engine: AsyncEngine
    clock: Clock
    slack_client: AsyncWebClient
    outbox: SqlOutbox
    notifier: OutboxNotifier
    metrics: Metrics
    inbox: CommandInbox
    oauth: OAuthInstalls | None


def _shared_pieces(settings: Settings, clock: Clock, schema: str | None) -> _Shared:
    """One of each for the whole bot: features share the database, the Slack client, the outbox and metrics."""
    engine = db.create_engine(settings.database_url, schema=schema)
    metrics = Metrics()
    oauth: OAuthInstalls | None = None
    slack_client: AsyncWebClient
    if settings.oauth_mode:
        oauth = build_oauth(settings, engine, metrics.slack_calls)
        slack_client = TeamClient(metrics.slack_calls, oauth.clients, base_url=settings.slack_api_url)
    else:
        slack_client = CountedWebClient(
            metrics.slack_calls,
            token=settings.slack_bot_token.get_secret_value() or None,
            base_url=settings.slack_api_url,
        )
    outbox = SqlOutbox(engine)
    inbox = CommandInbox(
        SqlInbox(engine),
        clock,
        concurrency=settings.command_concurrency,
        capacity=settings.command_backlog,
        lease_s=settings.command_lease_s,
        acks_first=AcksFirst(settings.acks_first_max_wait_s),
    )
    notifier = OutboxNotifier(outbox, clock, settings.failure_reply_quiet_s, team_of=SqlInviteStore(engine).team_of)
    return _Shared(engine, clock, slack_client, outbox, notifier, metrics, inbox, oauth)


def build_confbot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    schema: str | None = None,
    sandbox_chaos: frozenset[str] = frozenset(),
    watch_every_s: float = 1.0,
    min_update_interval_s: float = 1.0,
) -> Confbot:
    """Build (but do not start) a confbot from settings: the shared pieces, the outbox worker, the features.

    `watch_every_s` (how often open calls are looked at) and `min_update_interval_s` (Slack's rule:
    one chat.update a second per message) keep their defaults in production; tests shorten them.
    """
    engine, clock, slack_client, outbox, notifier, metrics, inbox, oauth = _shared_pieces(
        settings, clock or SystemClock(), schema
    )
    store = SqlInviteStore(engine)
    # One source of each team's settings for both features: a save in App Home applies to both at once.
    workspace_settings = SqlWorkspaceSettings(engine, settings.workspace_defaults(), clock)
    providers = build_providers(settings)
    worker = SlackOutboxWorker(
        outbox, slack_client, clock, notifier.wake, min_update_interval_s, acks_first=inbox.acks_first
    )
    register_invite_sender(
        settings,
        worker=worker,
        outbox=outbox,
        store=store,
        clock=clock,
        providers=providers,
        directory=SlackDirectory(slack_client),
        workspace_settings=workspace_settings,
    )
    inbound = build_inbound_feature(
        settings,
        engine=engine,
        clock=clock,
        slack_client=slack_client,
        outbox=outbox,
        wake=notifier.wake,
        worker=worker,
        directory=SlackDirectory(slack_client),
        policy=dialing_policy(settings),
        workspace_settings=workspace_settings,
    )
    dialout = build_dialout(
        settings,
        store=store,
        providers=providers,
        notifier=notifier,
        slack_client=slack_client,
        clock=clock,
        metrics=metrics,
        inbox=inbox,
        worker=worker,
        subcommands=[inbound.subcommand],
        watch_every_s=watch_every_s,
        workspace_settings=workspace_settings,
    )
    features: list[Feature] = [dialout, inbound, *build_sandbox(settings, sandbox_chaos)]
    bolt = _bolt_app(settings, slack_client, features, oauth)
    if oauth is not None:
        oauth.on_uninstall.append(dialout.stop_team)
        oauth.on_uninstall.append(outbox.give_up_team)
    return Confbot(
        settings, engine, clock, slack_client, outbox, worker, dialout, inbound, features, bolt, metrics, inbox, oauth
    )


def _bolt_app(
    settings: Settings, slack_client: AsyncWebClient, features: Sequence[Feature], oauth: OAuthInstalls | None
) -> AsyncApp:
    """The one Bolt app, with every feature's listeners registered on it (and uninstalls, in OAuth mode)."""
    bolt = build_app(
        slack_client,
        settings.slack_signing_secret.get_secret_value(),
        settings.default_locale,
        SlackDirectory(slack_client),
        oauth=(oauth.oauth_settings, oauth.authorize) if oauth else None,
    )
    for feature in features:
        feature.register(bolt)
    if oauth is not None:
        oauth.register(bolt)
    return bolt


async def start(confbot: Confbot) -> None:
    """Migrate, start every feature and the outbox worker, then connect Socket Mode if asked."""
    await db.upgrade(confbot.engine)
    for feature in confbot.features:
        await feature.start()
    confbot.worker.start()
    confbot.inbox.start()  # first round takes over commands a dead process had acknowledged
    token = confbot.settings.slack_app_token.get_secret_value()
    if token:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        confbot.socket_mode = AsyncSocketModeHandler(confbot.bolt, token)
        await confbot.socket_mode.connect_async()
        log.info("connected to Slack in Socket Mode")


async def stop(confbot: Confbot) -> None:
    """Stop background work and close connections; pending work stays in the database."""
    if confbot.socket_mode is not None:
        await confbot.socket_mode.close_async()
        confbot.socket_mode = None
    await confbot.inbox.stop()  # commands under way finish first: they use the features
    for feature in reversed(confbot.features):
        await feature.stop()
    await confbot.worker.stop()
    await confbot.engine.dispose()


_PATH_LOGGERS = ("uvicorn.access", "uvicorn.error")


def secret_values(settings: Settings) -> list[str]:
    """Every secret confbot was given: its own, inbound's and each provider's (`SecretStr` fields).

    Call after the providers are built: a provider's settings are read then (the sandbox's drawn ones too).
    """
    models: list[BaseModel] = [settings, settings.cti, *settings.providers.values()]
    values = (getattr(model, name) for model in models for name in type(model).model_fields)
    return [value.get_secret_value() for value in values if isinstance(value, SecretStr) and value.get_secret_value()]


def build_asgi(confbot: Confbot) -> Starlette:
    """The ASGI app: Slack at `/slack/events`, every feature's routes, `/healthz`; its lifespan runs the bot."""
    events = SlackEvents(
        confbot.bolt, confbot.settings.slack_signing_secret.get_secret_value(), confbot.inbox.acks_first
    )
    routes: list[BaseRoute] = [Route("/slack/events", events.handle, methods=["POST"])]
    if confbot.oauth is not None:
        routes += confbot.oauth.routes(confbot.bolt)
    for feature in confbot.features:
        routes += feature.routes()
    routes.append(health_route(confbot.engine, confbot.outbox))
    routes.append(readiness_route(confbot.engine, lambda: confbot.scheduler.state))

    async def outbox_gauges() -> list[GaugeSample]:
        return await read_outbox_gauges(confbot.engine, confbot.clock.now())

    async def leader_gauge() -> list[GaugeSample]:
        leads = confbot.scheduler.state == "leader"
        return [GaugeSample("scheduler_leader", "1 on the replica that runs the scheduler", {}, float(leads))]

    routes.append(metrics_route(confbot.metrics, [confbot.dialout.gauges, outbox_gauges, leader_gauge]))

    redaction = SecretRedaction(secret_values(confbot.settings))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # uvicorn has configured its loggers by now; they print request paths, and some paths hold secrets.
        for name in _PATH_LOGGERS:
            logging.getLogger(name).addFilter(redaction)
        await start(confbot)
        try:
            yield
        finally:
            await stop(confbot)
            for name in _PATH_LOGGERS:
                logging.getLogger(name).removeFilter(redaction)

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=dict(database_outage_handlers()))
