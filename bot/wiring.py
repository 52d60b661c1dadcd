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

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, NamedTuple

from pydantic import BaseModel, SecretStr
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from bot.config import Settings, environment_with
from bot.dialout.core.invites import InviteService
from bot.dialout.core.ports import Provider
from bot.dialout.feature import DialoutFeature, build_dialout, dialing_policy, register_invite_sender
from bot.dialout.providers import build_providers
from bot.dialout.scheduling import InviteScheduler
from bot.dialout.slack.notifier import OutboxNotifier
from bot.dialout.store import SqlInviteStore
from bot.inbound.feature import InboundFeature, build_inbound_feature
from bot.kernel import db
from bot.kernel.acks_first import AcksFirst, SharedCount
from bot.kernel.feature import Feature
from bot.kernel.health import health_route
from bot.kernel.inbox import CommandInbox, SqlInbox
from bot.kernel.metrics import GaugeSample, Metrics, metrics_route, read_outbox_gauges, readiness_route
from bot.kernel.outbox import SqlOutbox
from bot.kernel.ports import Clock
from bot.kernel.redaction import SecretRedaction
from bot.kernel.web import database_outage_handlers
from bot.kernel.worker_process import WorkerProcess, read_wakes
from bot.kernel.workspace_settings_store import SqlWorkspaceSettings
from bot.sandbox.feature import build_sandbox
from bot.slack.app import PromptApp, build_app
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
    bolt: PromptApp
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
        # A split serve's worker looks often for the commands its front stored (the front wakes it too).
        look_every_s=settings.worker_poll_s if settings.serve_worker_process else None,
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
) -> PromptApp:
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


# What a split serve's worker says in its front's `WorkerProcess.leads`: nothing yet (starting), or
# whether it runs the scheduler.
STARTING, FOLLOWS, LEADS = 0, 1, 2
# The exit status of a worker whose front died (bot/kernel/worker_process.py).
FRONT_GONE = 3
# How long a front waits for its worker to have started (and campaigned) before it serves anyway.
WORKER_START_WAIT_S = 30.0

# What one process does: everything ("all"); answering Slack and webhooks only, the work handed to a
# worker process ("front"); or that worker, which answers nothing ("work"). bot/kernel/worker_process.py.
Role = Literal["all", "front", "work"]


async def start(confbot: Confbot, role: Role = "all") -> None:
    """Migrate, start every feature and the outbox worker, then connect Socket Mode if asked.

    A front starts only what answering needs: the commands, posts and events it stores are carried
    out by its worker process, and it never runs the scheduler.
    """
    await db.upgrade(confbot.engine)
    work = role != "front"
    for feature in confbot.features:
        await feature.start(work=work)
    if work:
        confbot.worker.start()
        confbot.inbox.start()  # first round takes over commands a dead process had acknowledged
    token = confbot.settings.slack_app_token.get_secret_value()
    if token and role != "work":
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        confbot.socket_mode = AsyncSocketModeHandler(confbot.bolt, token)
        await confbot.socket_mode.connect_async()
        log.info("connected to Slack in Socket Mode")


async def stop(confbot: Confbot) -> None:
    """Stop background work and close connections; pending work stays in the database."""
    if confbot.socket_mode is not None:
        await confbot.socket_mode.close_async()
        confbot.socket_mode = None
    await confbot.bolt.finish()  # listeners still at work after their ack store what they were asked
    await confbot.inbox.stop()  # commands under way finish first: they use the features
    for feature in reversed(confbot.features):
        await feature.stop()
    await confbot.worker.stop()
    await confbot.engine.dispose()


async def run_work(confbot: Confbot, leads: SharedCount | None = None) -> None:
    """`confbot work`, a split serve's worker process: all the work, no HTTP, woken through its stdin.

    It stops (gracefully: commands under way finish, the rest stay stored) on SIGTERM or SIGINT, and
    exits at once at the end of its stdin: its front died, and a worker must not outlive it. `leads` is
    kept saying whether it runs the scheduler, for its front's /readyz and /metrics.
    """
    await start(confbot, "work")  # as a lone process: leading (or not) by the time it returns
    signalled = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, signalled.set)
    wakes = {
        "inbox": lambda _rest: confbot.inbox.wake(),
        "outbox": lambda _rest: confbot.worker.wake.set(),
        "events": lambda _rest: confbot.dialout.applier.wake(),
        "invite": confbot.dialout.revisit,
    }
    ends = {asyncio.create_task(read_wakes(wakes)), asyncio.create_task(signalled.wait())}
    telling = asyncio.create_task(_tell_leading(confbot, leads)) if leads is not None else None
    try:
        await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
        if not signalled.is_set():  # stdin ended unasked: the front crashed, and its replica with it
            log.error("the front process is gone; the worker exits at once, as it did (the work stays stored)")
            os._exit(FRONT_GONE)
    finally:
        for task in {*ends, *([telling] if telling else [])}:
            task.cancel()
        await asyncio.gather(*ends, *([telling] if telling else []), return_exceptions=True)
        await stop(confbot)
        if leads is not None:
            leads.set(FOLLOWS)


async def _tell_leading(confbot: Confbot, leads: SharedCount, every_s: float = 0.2) -> None:
    while True:
        leads.set(LEADS if confbot.scheduler.state == "leader" else FOLLOWS)
        await asyncio.sleep(every_s)


async def _worker_started(worker: WorkerProcess) -> None:
    """Wait (bounded) until the worker has started, so a lone replica leads by the time it serves, as one
    process does; what is stored meanwhile waits for the worker either way."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(WORKER_START_WAIT_S):
            while worker.leads.get() == STARTING:
                await asyncio.sleep(0.05)


def scheduler_state(confbot: Confbot, worker: WorkerProcess | None) -> str:
    """'leader' or 'follower' as /readyz says it: this process's scheduler, or a front's worker's."""
    if worker is None:
        return confbot.scheduler.state
    return "leader" if worker.leads.get() == LEADS else "follower"


_PATH_LOGGERS = ("uvicorn.access", "uvicorn.error")


def secret_values(settings: Settings) -> list[str]:
    """Every secret confbot was given: its own, inbound's and each provider's (`SecretStr` fields).

    Call after the providers are built: a provider's settings are read then (the sandbox's drawn ones too).
    """
    models: list[BaseModel] = [settings, settings.cti, *settings.providers.values()]
    values = (getattr(model, name) for model in models for name in type(model).model_fields)
    return [value.get_secret_value() for value in values if isinstance(value, SecretStr) and value.get_secret_value()]


def worker_env(settings: Settings) -> dict[str, str]:
    """The worker process's environment: this one's, plus the provider secrets this process drew at random.

    A provider setting left empty may be drawn per start (the sandbox's key): the worker's provider
    must use the one the front's simulator checks.
    """
    secrets: dict[str, str] = {}
    for provider in settings.providers.values():
        prefix = getattr(provider, "prefix", "")
        for name in type(provider).model_fields:
            value = getattr(provider, name)
            if prefix and isinstance(value, SecretStr) and value.get_secret_value():
                secrets[f"{prefix}{name}".upper()] = value.get_secret_value()  # as read, or as drawn
    return environment_with(secrets)


def hand_work_to(confbot: Confbot, worker: WorkerProcess) -> None:
    """Make `confbot` a front: what it stores is carried out by `worker`, which it wakes for each."""
    confbot.inbox.acks_first.publish(worker.waiting)
    confbot.inbox.carry_out_elsewhere(lambda: worker.wake("inbox"))
    confbot.dialout.applier.apply_elsewhere(lambda: worker.wake("events"))
    if not confbot.dialout.leadership.contested:  # PostgreSQL: the leader hears of invites by NOTIFY
        confbot.scheduler.forward_to(lambda invite_id: worker.wake(f"invite {invite_id}"))


async def relay_outbox_wakes(confbot: Confbot, worker: WorkerProcess) -> None:
    """Until cancelled: each time something is put in the outbox here, wake the worker that posts it."""
    wake = confbot.worker.wake
    while True:
        await wake.wait()
        wake.clear()
        worker.wake("outbox")


def build_asgi(confbot: Confbot, worker: WorkerProcess | None = None) -> Starlette:
    """The ASGI app: Slack at `/slack/events`, every feature's routes, `/healthz`; its lifespan runs the bot.

    With `worker`, this process is a front: its lifespan starts the worker process (after migrating,
    so the two never migrate at once) and stops it at the end; the work is done there.
    """
    events = SlackEvents(
        confbot.bolt, confbot.settings.slack_signing_secret.get_secret_value(), confbot.inbox.acks_first
    )
    routes: list[BaseRoute] = [Route("/slack/events", events.handle, methods=["POST"])]
    if confbot.oauth is not None:
        routes += confbot.oauth.routes(confbot.bolt)
    for feature in confbot.features:
        routes += feature.routes()
    routes.append(health_route(confbot.engine, confbot.outbox))
    routes.append(readiness_route(confbot.engine, lambda: scheduler_state(confbot, worker)))

    async def outbox_gauges() -> list[GaugeSample]:
        return await read_outbox_gauges(confbot.engine, confbot.clock.now())

    async def leader_gauge() -> list[GaugeSample]:
        leads = scheduler_state(confbot, worker) == "leader"
        return [GaugeSample("scheduler_leader", "1 on the replica that runs the scheduler", {}, float(leads))]

    routes.append(metrics_route(confbot.metrics, [confbot.dialout.gauges, outbox_gauges, leader_gauge]))

    redaction = SecretRedaction(secret_values(confbot.settings))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # uvicorn has configured its loggers by now; they print request paths, and some paths hold secrets.
        for name in _PATH_LOGGERS:
            logging.getLogger(name).addFilter(redaction)
        relay: asyncio.Task[None] | None = None
        if worker is not None:
            hand_work_to(confbot, worker)
        await start(confbot, "all" if worker is None else "front")
        if worker is not None:
            await worker.start()
            relay = asyncio.create_task(relay_outbox_wakes(confbot, worker), name="outbox-wakes")
            await _worker_started(worker)
        try:
            yield
        finally:
            if relay is not None:
                relay.cancel()
            await stop(confbot)  # requests under way may still store: the worker is stopped after
            if worker is not None:
                await worker.stop()
            for name in _PATH_LOGGERS:
                logging.getLogger(name).removeFilter(redaction)

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=dict(database_outage_handlers()))
