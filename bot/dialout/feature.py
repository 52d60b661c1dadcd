"""Dial-out as the composition root sees it: provider webhooks, `/dial` and the thread buttons, the clock.

`build_dialout` makes the feature from settings and the pieces it shares with the rest of
confbot (its store and providers, the outbox notifier, the Slack client, the clock); `wiring.py`
then only mounts `routes()`, calls `register(app)` and runs `start()`/`stop()`. The listeners,
webhooks and scheduler jobs are handed the few objects each one uses, never the feature itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.routing import BaseRoute

from bot.config import Settings
from bot.dialout import webhooks
from bot.dialout.audit_store import AuditRetention, RetentionPass, SqlAuditLog
from bot.dialout.bulk_store import SqlBulkStore
from bot.dialout.core.approvals import Approvals
from bot.dialout.core.audit import AuditingNotifier
from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.launches import BulkLaunches
from bot.dialout.core.models import TargetKind
from bot.dialout.core.outcomes import Actor
from bot.dialout.core.pacing import Pacer, effective_pace
from bot.dialout.core.pausing import BulkDialling
from bot.dialout.core.ports import CancelsCalls, Provider
from bot.dialout.core.reminder_requests import ReminderRequests
from bot.dialout.core.reminders import ReminderService
from bot.dialout.core.requests import DialRequests, RequestRules
from bot.dialout.core.retry_policy import parse_retry
from bot.dialout.core.series import SeriesService
from bot.dialout.core.series_audit import AuditingSeriesNotifier
from bot.dialout.core.series_requests import SeriesRequests
from bot.dialout.core.settings_requests import SettingsRequests, SettingsStore
from bot.dialout.core.status import StatusService
from bot.dialout.gauges import read_dialout_gauges
from bot.dialout.reminder_store import SqlReminderStore
from bot.dialout.scheduling import InviteScheduler
from bot.dialout.series_store import SqlSeriesStore
from bot.dialout.slack import (
    actions,
    another_number,
    bulk_listeners,
    commands,
    edit_listeners,
    form_listeners,
    home,
    reminders,
    series_slack,
    settings_view,
)
from bot.dialout.slack.audit_dm import AuditDm
from bot.dialout.slack.home import HomePublisher, ProviderFact, WorkspaceFacts
from bot.dialout.slack.notifier import InviteRow, InviteSender, OutboxNotifier, RenderSettings
from bot.dialout.slack.reminders import OutboxReminderPoster, PersonReminderSender, ReminderSender
from bot.dialout.slack.run_summary import ReportSender
from bot.dialout.status_applier import StatusApplier
from bot.dialout.store import SqlInviteStore
from bot.kernel.feature import Subcommand
from bot.kernel.inbox import CommandInbox
from bot.kernel.leadership import Announcer, Leadership
from bot.kernel.metrics import GaugeSample, Metrics
from bot.kernel.outbox import OutboxItem, SqlOutbox
from bot.kernel.phone import DialingPolicy, NumberProblemKind
from bot.kernel.ports import Clock, Directory
from bot.kernel.workspace_settings import WorkspaceSettingsSource
from bot.kernel.workspace_settings_store import SqlWorkspaceSettings
from bot.slack.directory import SlackDirectory, SlackUserGroups
from bot.slack.messages import locale_of
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)

UNINSTALLER = "USLACKBOT"  # who cancels a workspace's invites when it removes confbot (Slack itself)

# Followers NOTIFY the leader here with an invite id when they store or change an invite.
INVITES_CHANNEL = "confbot_invites"


def dialing_policy(settings: Settings) -> DialingPolicy:
    """The workspace dialing policy from settings."""
    return settings.dialing_policy()


def default_providers(settings: Settings) -> dict[TargetKind, str]:
    """The provider for each kind of target when `/dial` names none ('' = the configured one that can)."""
    return {
        TargetKind.CONFERENCE: settings.default_provider,
        TargetKind.MEETING: settings.default_meeting_provider,
        TargetKind.EVENT: settings.default_event_provider,
    }


def paces(settings: Settings, providers: Mapping[str, object]) -> dict[str, float]:
    """Each provider's pace as an invite sees it: its own, capped by the workspace's (0: unlimited)."""
    own = settings.provider_paces(providers)
    return {name: effective_pace(pace, settings.workspace_pace_per_min) for name, pace in own.items()}


def grace_s(settings: Settings) -> int:
    """How late a run may still be dialled (the missed-run policy), in seconds."""
    return int(settings.missed_grace_minutes * 60)


def register_invite_sender(
    settings: Settings,
    *,
    worker: SlackOutboxWorker,
    outbox: SqlOutbox,
    store: SqlInviteStore,
    clock: Clock,
    providers: Mapping[str, Provider],
    directory: Directory | None = None,
    workspace_settings: WorkspaceSettingsSource | None = None,
) -> None:
    """Put dial-out's senders on the shared outbox worker: it then delivers the invite rows too.

    `workspace_settings`: each team's pace for the time left (None: the environment's for every team)."""
    render = RenderSettings(
        locale=settings.default_locale,
        mask_numbers=settings.mask_numbers,
        grace_s=grace_s(settings),
        summary_to_channel=settings.summary_to_channel,
        paces=paces(settings, providers),
        provider_paces=settings.provider_paces(providers),
    )
    infos = {name: p.info for name, p in providers.items()}
    hangs_up = frozenset(name for name, p in providers.items() if isinstance(p, CancelsCalls))
    InviteSender(
        worker, outbox, store, clock, infos, render, hangs_up, directory, workspace_settings=workspace_settings
    ).register()
    ReminderSender(worker, store, clock, settings.default_locale).register()


@dataclass
class DialoutFeature:
    """Invites, calls and provider events; implements bot.kernel.feature.Feature."""

    store: SqlInviteStore
    providers: dict[str, Provider]
    status: StatusService
    invites: InviteService
    requests: DialRequests
    scheduler: InviteScheduler
    clock: Clock
    mask_numbers: bool
    facts: WorkspaceFacts  # shown read-only to admins in App Home
    home: HomePublisher  # publishes App Home when opened, paged, or when an invite changes
    metrics: Metrics
    inbox: CommandInbox  # `/dial`s are stored there before Slack gets its 200
    applier: StatusApplier  # applies the events webhooks stored, after they were answered
    slack_client: AsyncWebClient
    default_locale: str
    leadership: Leadership  # only the leading replica runs `scheduler`
    announcer: Announcer  # how a follower's `scheduler` tells the leader
    series: SeriesService  # repeating invites: makes each occurrence's invite when it is due
    series_requests: SeriesRequests
    reminders: ReminderService  # posts reminders from the leader's watch loop; serves Postpone
    reminder_requests: ReminderRequests  # Use another number in a person's reminder DM
    retention: RetentionPass  # masks old numbers in stored rows (AUDIT_RETENTION_DAYS), with the reconcile
    audit_dm: AuditDm  # App Home's "Send me the audit trail" for admins
    settings_requests: SettingsRequests  # App Home's Workspace settings (admins and the invite admin group)
    subcommands: Sequence[Subcommand] = field(default_factory=tuple)  # other features' words of /dial

    def ready_providers(self) -> list[str]:
        """Names of the providers that can dial out now (configured)."""
        return sorted(name for name, provider in self.providers.items() if not provider.info.missing_settings)

    def routes(self) -> list[BaseRoute]:
        """The provider webhooks, `/webhooks/<provider>`."""

        def observe(provider: str, status: int, seconds: float) -> None:
            self.metrics.webhook_events.labels(provider, str(status)).inc()
            self.metrics.webhook_seconds.labels(provider).observe(seconds)

        return list(webhooks.routes(self.providers, self.status, self.applier.wake, observe))

    async def gauges(self) -> Sequence[GaugeSample]:
        """Invites by status and calls by provider/state/reason, read now (for `/metrics`)."""
        return await read_dialout_gauges(self.store.engine)

    def register(self, app: AsyncApp) -> None:
        """`/dial`, its form and shortcuts, the thread parent's buttons and App Home."""
        commands.register(
            app,
            requests=self.requests,
            clock=self.clock,
            mask_numbers=self.mask_numbers,
            inbox=self.inbox,
            client=self.slack_client,
            default_locale=self.default_locale,
            subcommands=(
                series_slack.SeriesCommands(self.series_requests, self.clock, self.default_locale),
                *self.subcommands,
            ),
            series=self.series_requests,
        )
        series_slack.register(app, requests=self.series_requests, clock=self.clock)
        actions.register(app, requests=self.requests, clock=self.clock, mask_numbers=self.mask_numbers)
        bulk_listeners.register(app, requests=self.requests, clock=self.clock, mask_numbers=self.mask_numbers)
        form_listeners.register(app, requests=self.requests, clock=self.clock, mask_numbers=self.mask_numbers)
        edit_listeners.register(app, requests=self.requests, clock=self.clock, mask_numbers=self.mask_numbers)
        reminders.register(app, requests=self.requests, clock=self.clock, mask_numbers=self.mask_numbers)
        another_number.register(
            app,
            requests=self.reminder_requests,
            dial_requests=self.requests,
            clock=self.clock,
            mask_numbers=self.mask_numbers,
        )
        home.register(app, publisher=self.home)

        async def republish(client: AsyncWebClient, user_id: str, team_id: str) -> None:
            await self.home.publish(client, user_id, 0, team_id)

        settings_view.register(app, requests=self.settings_requests, republish=republish)
        self.audit_dm.register(app)

    async def start(self, *, work: bool = True) -> None:
        """Campaign to lead (the leader runs the clock: a job per scheduled invite, from the invites table).

        Every replica applies the provider events its webhooks stored (and any left unapplied).
        Without `work` (a split serve's front) it does neither: it tells the leader of invites it
        changed (NOTIFY, or its worker through `forward_to`) and never runs the scheduler.
        """
        if self.leadership.contested:
            self.announcer.start()
        if not work:
            return
        self.applier.start()
        await self.leadership.start(
            on_elected=self._lead,
            on_deposed=self.scheduler.shutdown,
            listen={INVITES_CHANNEL: self.revisit},
        )
        log.info("dial-out providers ready: %s", ", ".join(self.ready_providers()) or "none")

    async def _lead(self) -> None:
        """Elected: start the clock and rebuild its jobs from the rows (the last leader's died with it)."""
        self.scheduler.start(fire=self.invites.fire, reconcile=self._reconcile, watch=self._watch)
        await self._reconcile()

    async def _reconcile(self) -> None:
        """Decide every scheduled invite from its row, then make the series' occurrences now due.

        The series' pass runs with the periodic reconcile (every 30 s), well inside the lead time
        (SERIES_LEAD_MINUTES) an occurrence's invite is made before its time; that invite then gets
        its own job at its exact time.
        """
        await self.invites.rebuild()
        await self.series.tick()
        await self.retention.run_if_due()

    async def _watch(self) -> None:
        """The leader's one-second round: open calls, then reminders whose time has come (even when
        watching the calls failed this round: a reminder is not theirs to hold back)."""
        try:
            await self.invites.watch()
        finally:
            await self.reminders.remind_due()

    async def revisit(self, payload: str) -> None:
        """A follower (or this worker's front) stored or changed invite `payload`: decide it from its row."""
        if payload.isdigit():
            await self.invites.revisit(int(payload))

    async def stop_team(self, team_id: str) -> None:
        """A workspace removed confbot: its scheduled invites are cancelled and its series ended.

        Acted by Slack itself (a privileged actor of that workspace), through the same claims as a
        person's Cancel and End, so an invite firing at this moment is either dialled or cancelled,
        never both. Their Slack messages are never sent: the workspace's outbox rows are given up.
        """
        actor = Actor(UNINSTALLER, privileged=True, name="uninstalled", team_id=team_id)
        for invite_id in await self.store.scheduled_of_team(team_id):
            await self.invites.cancel(invite_id, actor)
        for series_id in await SqlSeriesStore(self.store.engine).live_of_team(team_id):
            await self.series.end(series_id, actor)
        log.warning("workspace %s uninstalled: its scheduled invites are cancelled and its series ended", team_id)

    async def stop(self) -> None:
        """Stop leading (another replica takes over) and close the providers' connections.

        Scheduled invites stay in the table; sends under way get a few seconds to record their answers.
        """
        await self.invites.drain()
        await self.scheduler.stop(grace_s=2.0)  # while still leading: the next leader's jobs never overlap ours
        await self.leadership.stop()
        if self.leadership.contested:
            await self.announcer.stop()
        await self.applier.stop()
        for provider in self.providers.values():
            await provider.aclose()


def build_dialout(
    settings: Settings,
    *,
    store: SqlInviteStore,
    providers: dict[str, Provider],
    notifier: OutboxNotifier,
    slack_client: AsyncWebClient,
    clock: Clock,
    metrics: Metrics,
    inbox: CommandInbox,
    worker: SlackOutboxWorker,
    subcommands: Sequence[Subcommand] = (),
    watch_every_s: float = 1.0,
    workspace_settings: SettingsStore | None = None,
) -> DialoutFeature:
    """The dial-out feature, not yet started; `subcommands` are other features' words of `/dial`;
    `workspace_settings` gives each workspace's settings (None: the environment's, for every one).

    `workspace_settings` are each team's settings (App Home saves them there); None: stored with the
    invites. A composition function: one constructor call per piece, in dependency order (that is its length).
    """
    if workspace_settings is None:
        workspace_settings = SqlWorkspaceSettings(store.engine, settings.workspace_defaults(), clock)
    infos = {name: p.info for name, p in providers.items()}
    # Every change the core reports is also written to the audit trail (core/audit.py).
    audit_log = SqlAuditLog(store.engine)
    audited = AuditingNotifier(notifier, audit_log, store, clock)
    status = StatusService(store, audited, clock, infos)
    leadership = Leadership(store.engine)
    announcer = Announcer(store.engine, INVITES_CHANNEL)
    scheduler = InviteScheduler(
        grace_s(settings),
        watch_every_s=watch_every_s,
        on_late=metrics.fire_lateness.observe,
        forward=(lambda invite_id: announcer.announce(str(invite_id))) if leadership.contested else None,
        team_of=store.team_of,
    )
    # One pacer for the process: every invite of a provider shares its pace (core/pacing.py).
    pacer = Pacer(
        settings.provider_paces(providers), settings.workspace_pace_per_min, workspace_settings=workspace_settings
    )
    invites = InviteService(
        store,
        scheduler,
        audited,
        providers,
        status,
        clock,
        callback_url=lambda name: f"{settings.base_url}/webhooks/{name}",
        rules=DialingRules(
            grace_s=grace_s(settings),
            concurrency=settings.dial_concurrency,
            stuck_send_s=settings.stuck_send_s,
            unknown_give_up_s=settings.unknown_give_up_s,
            policy=dialing_policy(settings),
            retry=parse_retry(settings.retry_policy),
        ),
        pacer=pacer,
        workspace_settings=workspace_settings,
    )
    bulk_store = SqlBulkStore(store.engine)
    bulk = BulkDialling(invites, bulk_store, audited, clock, audit_log)
    launches = BulkLaunches(bulk_store, invites, pacer, clock, settings.bulk_confirm_over, audit_log)
    rules = RequestRules(
        policy=dialing_policy(settings),
        default_provider=default_providers(settings),
        default_locale=settings.default_locale,
        default_tz=settings.default_tz,
        admin_group=settings.invite_admin_group,
        reminder_minutes=settings.reminder_minutes,
    )
    reminder_store = SqlReminderStore(store.engine)
    reminder_service = ReminderService(
        reminder_store,
        store,
        scheduler,
        audited,
        OutboxReminderPoster(notifier.outbox, clock, notifier.wake, notifier.team),
        clock,
    )
    directory = SlackDirectory(slack_client)
    groups = SlackUserGroups(slack_client)
    reminder_requests = ReminderRequests(
        store,
        reminder_store,
        audited,
        directory,
        clock,
        rules.policy,
        locale_of,
        settings.default_locale,
        settings.default_tz,
        audit=audit_log,
        workspace_settings=workspace_settings,
    )
    series_store = SqlSeriesStore(store.engine)
    series_sender_titles = {name: info.title for name, info in infos.items()}
    series_slack.SeriesSender(worker, series_store, clock, series_sender_titles, settings.default_locale)
    series = SeriesService(
        series_store,
        invites,
        store,
        scheduler,
        audited,
        AuditingSeriesNotifier(
            series_slack.OutboxSeriesNotifier(notifier.outbox, clock, notifier.wake, series_store),
            audit_log,
            series_store,
            clock,
        ),
        clock,
        lead_s=settings.series_lead_minutes * 60,
    )
    requests = DialRequests(
        invites,
        directory,
        lambda: infos,
        clock,
        rules,
        locale_of,
        groups,
        series=series,
        reminders=reminder_service,
        bulk=bulk,
        launches=launches,
        approvals=Approvals(store, scheduler, audited, invites, clock),
        workspace_settings=workspace_settings,
    )
    series_requests = SeriesRequests(
        series, requests.presser, settings.invite_admin_group, team_presser=requests.team_presser
    )
    facts = workspace_facts(settings, providers)
    settings_requests = SettingsRequests(
        workspace_settings, directory, groups, lambda: infos, audit_log, clock, locale_of, settings.default_locale
    )
    home_publisher = HomePublisher(
        requests, clock, settings.mask_numbers, facts, series=series_requests, settings=settings_requests
    )

    async def refresh_home(item: OutboxItem) -> None:
        invite = await store.get_invite(item.invite_id) if item.invite_id is not None else None
        if invite is not None:
            await home_publisher.refresh_for(slack_client, invite)

    worker.add_handler(InviteRow.HOME, refresh_home)
    ReportSender(worker, store, slack_client, settings.mask_numbers, settings.default_locale).register()
    PersonReminderSender(
        worker, store, slack_client, directory, settings.mask_numbers, settings.default_locale
    ).register()
    return DialoutFeature(
        store,
        providers,
        status,
        invites,
        requests,
        scheduler,
        clock,
        settings.mask_numbers,
        facts,
        home_publisher,
        metrics,
        inbox,
        StatusApplier(status, acks_first=inbox.acks_first),
        slack_client,
        settings.default_locale,
        leadership,
        announcer,
        series,
        series_requests,
        reminder_service,
        reminder_requests,
        RetentionPass(AuditRetention(store.engine), clock, settings.audit_retention_days),
        AuditDm(
            notifier.outbox, worker, slack_client, notifier.wake, audit_log, directory, clock, settings.mask_numbers
        ),
        settings_requests,
        tuple(subcommands),
    )


def workspace_facts(settings: Settings, providers: Mapping[str, Provider]) -> WorkspaceFacts:
    """What App Home shows admins of how this deployment is configured (nothing secret)."""
    policy = dialing_policy(settings)
    return WorkspaceFacts(
        providers=tuple(ProviderFact(n, p.info.title, p.info.missing_settings) for n, p in providers.items()),
        default_providers={kind.value: name for kind, name in default_providers(settings).items()},
        region=policy.region,
        allowed_countries=tuple(sorted(policy.allowed_countries or ())),
        block_premium_rate=policy.block_premium_rate,
        route_admin_group=settings.cti.route_admin_group,
        missed_grace_minutes=settings.missed_grace_minutes,
        blocked_types=tuple(
            sorted(
                {kind.value for kind in policy.blocked_types().values()}
                | ({NumberProblemKind.INTERNATIONAL_NETWORK.value} if policy.block_international_networks else set())
            )
        ),
        invite_admin_group=settings.invite_admin_group,
    )
