"""Inbound routing (呼入转呼) as one feature: built from explicit parts, seen by wiring as a kernel Feature.

It owns its endpoint (`/cti/<secret>`, the CTI platform's queries and events), its words of
`/dial` (`subcommand`: route, routes, route help), its Slack listener (`user_change` keeps the
numbers routes ring fresh), its outbox senders (registered on the shared worker) and its
background work (the route cache's version poll, the periodic profile refresh).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import BaseRoute

from bot.config import Settings
from bot.inbound.core.answer import AnswerDefaults
from bot.inbound.core.prompts import PromptError, render_prompt
from bot.inbound.core.route_book import RouteBook, RouteBookRules
from bot.inbound.core.switchboard import Switchboard, SwitchboardRules
from bot.inbound.cti.endpoint import CtiEndpoint
from bot.inbound.slack.blocks import InboundView
from bot.inbound.slack.commands import RouteCommandRules, RouteSubcommand
from bot.inbound.slack.sender import InboundOutbox, InboundSender, MentionRefresher
from bot.inbound.store.calls import SqlInboundCalls
from bot.inbound.store.routes import CachedRoutes
from bot.kernel.outbox import SqlOutbox
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import Clock, Directory
from bot.kernel.workspace_settings import WorkspaceSettingsSource
from bot.slack.directory import SlackDirectory, SlackUserGroups
from bot.slack.outbox_worker import SlackOutboxWorker

log = logging.getLogger(__name__)


class InboundFeature:
    """The kernel's Feature for inbound routing; `subcommand` is its part of `/dial`."""

    def __init__(
        self,
        *,
        switchboard: Switchboard,
        book: RouteBook,
        route_store: CachedRoutes,
        calls: SqlInboundCalls,
        refresher: MentionRefresher,
        endpoint: CtiEndpoint,
        subcommand: RouteSubcommand,
    ) -> None:
        self.switchboard = switchboard
        self.book = book
        self.route_store = route_store
        self.calls = calls
        self.endpoint = endpoint
        self.subcommand = subcommand
        self._refresher = refresher

    def routes(self) -> Sequence[BaseRoute]:
        """`/cti/<secret>`: mounted always; it answers 404 until CTI_PATH_SECRET and CTI_VCC_ID are set."""
        return [self.endpoint.route()]

    def register(self, app: AsyncApp) -> None:
        """`user_change`: ring a person's new profile number from the next call on."""

        @app.event("user_change")
        async def handle_user_change(event: dict[str, Any]) -> None:
            user = event.get("user") or {}
            if not user.get("id"):
                return
            phone = ((user.get("profile") or {}).get("phone") or "").strip() or None
            gone = bool(user.get("deleted") or user.get("is_bot"))
            await self.book.refresh_user(user["id"], phone, gone=gone)

    async def start(self, *, work: bool = True) -> None:
        """Poll the route table's version (CTI answers read it) and, as work, refresh profile numbers."""
        self.route_store.start()
        if work:
            self._refresher.start()

    async def stop(self) -> None:
        await self._refresher.stop()
        await self.route_store.stop()


def build_inbound_feature(
    settings: Settings,
    *,
    engine: AsyncEngine,
    clock: Clock,
    slack_client: AsyncWebClient,
    outbox: SqlOutbox,
    wake: asyncio.Event,
    worker: SlackOutboxWorker,
    directory: Directory,
    policy: DialingPolicy,
    workspace_settings: WorkspaceSettingsSource | None = None,
) -> InboundFeature:
    """Inbound routing from settings and the shared parts; its Slack rows go through `worker`.

    `workspace_settings` give each team its own route managers and policy for route targets (None: the
    environment's). `directory` answers who typed a route command (it may cache); the numbers of people a
    route rings are read fresh from Slack, because they are stored and served from the database.
    """
    cti = settings.cti
    route_store = CachedRoutes(engine)  # the query path reads routes from memory, kept in step with the table
    calls = SqlInboundCalls(engine)
    switchboard = Switchboard(
        route_store,
        calls,
        InboundOutbox(outbox, clock, wake, calls.team_of),
        clock,
        SwitchboardRules(
            region=settings.default_region.upper(),
            defaults=AnswerDefaults(charge_ext=cti.charge_ext, fail_prompt=_playable(cti.fail_prompt)),
            report_channel=cti.report_channel,
            policy=policy,
        ),
        workspace_settings=workspace_settings,
    )
    book = RouteBook(
        route_store,
        SlackDirectory(slack_client, ttl_s=0),
        SlackUserGroups(slack_client),
        clock,
        RouteBookRules(policy=policy, admin_group=cti.route_admin_group),
        workspace_settings=workspace_settings,
    )
    view = InboundView(locale=settings.default_locale, mask_numbers=settings.mask_numbers)
    InboundSender(calls, worker, outbox, view).register()
    rules = RouteCommandRules(
        policy=policy,
        missing=cti.missing(),
        default_locale=settings.default_locale,
        default_tz=settings.default_tz,
        mask_numbers=settings.mask_numbers,
    )
    return InboundFeature(
        switchboard=switchboard,
        book=book,
        route_store=route_store,
        calls=calls,
        refresher=MentionRefresher(book),
        endpoint=CtiEndpoint(cti, switchboard),
        subcommand=RouteSubcommand(book, directory, rules, workspace_settings=workspace_settings),
    )


def _playable(fail_prompt: str) -> str:
    """CTI_FAIL_PROMPT, or '' (the platform's own tone) when it cannot be played; said once at start."""
    try:
        render_prompt(fail_prompt)
    except PromptError as exc:
        log.error("CTI_FAIL_PROMPT cannot be played (%s); refused callers hear the platform's own tone", exc)
        return ""
    return fail_prompt
