"""Inbound call use cases: answer the CTI platform's number queries, apply its events, manage routes.

The query path reads only the database (routes and the profile numbers resolved in the
background), never Slack or any other network service, so it answers in milliseconds and
keeps answering when Slack is down. Events are stored first (de-duplicated), then move each
callee's line forward only; what Slack should show is enqueued and rendered from the store later.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.inbound.core.answer import AnswerDefaults, InboundQuery, QueryOutcome, build_answer, decide, with_seq
from bot.inbound.core.calls import Applied, InboundCall, InboundLeg, InboundNoticeKind
from bot.inbound.core.events import InboundEvent
from bot.inbound.core.numbers import number_key
from bot.inbound.core.ports import InboundCallStore, InboundNotifier, RouteStore
from bot.inbound.core.route_command import (
    ListRoutesCommand,
    RemoveRouteCommand,
    RouteCommand,
    RouteError,
    RouteHelpCommand,
    RouteProblem,
    SetRouteCommand,
)
from bot.inbound.core.routes import Route, RouteChange, RouteRule, RuleTarget
from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy, normalise
from bot.kernel.ports import Clock, Directory, UserGroups
from bot.kernel.states import CallState

log = logging.getLogger(__name__)


# --- answering the platform ----------------------------------------------------------------


@dataclass(frozen=True)
class SwitchboardRules:
    """Workspace settings for inbound calls."""

    region: str = "CN"
    defaults: AnswerDefaults = field(default_factory=AnswerDefaults)
    report_channel: str = ""  # calls to unrouted numbers; '' → the channel routes were last changed in


def new_client_id() -> str:
    """Our id for an inbound call (`clientId`): unguessable, short, unique."""
    return uuid.uuid4().hex[:20]


class Switchboard:
    """Answers number queries from routes and turns the platform's events into line states."""

    def __init__(
        self,
        routes: RouteStore,
        calls: InboundCallStore,
        notifier: InboundNotifier,
        clock: Clock,
        rules: SwitchboardRules,
        client_ids: Callable[[], str] = new_client_id,
    ) -> None:
        self._routes = routes
        self._calls = calls
        self._notifier = notifier
        self._clock = clock
        self._rules = rules
        self._client_ids = client_ids

    async def answer(self, query: InboundQuery) -> dict[str, Any]:
        """The answer to a number query; a repeated query gets the answer it got the first time."""
        region = self._rules.region
        route = await self._routes.route(number_key(query.access_number, region))
        decision = decide(route, query.calling_number, region)
        client_id = self._client_ids()
        answer = build_answer(query, decision, client_id, self._rules.defaults)
        channel = route.channel_id if route else await self._unrouted_channel()
        now = self._clock.now()
        routed = decision.outcome is QueryOutcome.ROUTED
        call = InboundCall(
            vcc_id=query.vcc_id,
            platform_call_id=query.call_id,
            sid=query.sid,
            client_id=client_id,
            calling_number=query.calling_number,
            access_number=query.access_number,
            outcome=decision.outcome,
            channel_id=channel,
            created_at=now,
            route_id=route.id if route else None,
            rule_prefix=decision.rule.caller_prefix if decision.rule else None,
            state=CallState.QUEUED if routed else CallState.FAILED,
            answer=answer,
            opened=not routed,  # refusals are reported at once; routed calls with their first event
        )
        legs = [
            InboundLeg(0, position, callee.party(), callee.dialled, updated_at=now)
            for position, callee in enumerate(decision.callees)
        ]
        saved, created, early_events = await self._calls.create_call(call, legs)
        if not created:
            return with_seq(saved.answer, query.seq)
        assert saved.id is not None
        if not routed:
            await self._notifier.call_changed(saved.id)
        if early_events:
            await self._tell(await self._calls.apply_events(saved.id, early_events, now, self._rules.region))
        return answer

    async def _unrouted_channel(self) -> str | None:
        return self._rules.report_channel or await self._routes.last_change_channel()

    async def on_event(self, event: InboundEvent) -> bool:
        """Store an event and apply it; False for re-deliveries and events of calls we do not know (yet)."""
        now = self._clock.now()
        region = self._rules.region
        applied = await self._calls.record_event(event, now, region)
        if not applied.new:
            return False
        if applied.call_id is None:
            # The query may have been committing just now; both sides write first and look second.
            call = await self._calls.find_call(event.vcc_id, event.call_id)
            if call is None or call.id is None:
                log.info("CTI event %s for unknown call %s stored", event.code, event.call_id)
                return False
            early = await self._calls.link_orphans(event.vcc_id, event.call_id, call.id)
            if not early:
                return False
            applied = await self._calls.apply_events(call.id, early, now, region)
        await self._tell(applied)
        return True

    async def _tell(self, applied: Applied) -> None:
        """Slack output for what an event did: the thread first, then the replies that matter."""
        call_id = applied.call_id
        if call_id is None:
            return
        if applied.opened:
            await self._notifier.call_changed(call_id)  # the first event opens the thread
        for change in applied.changes:
            if change.new is CallState.ANSWERED:
                await self._notifier.call_notice(call_id, InboundNoticeKind.ANSWERED, {"leg_id": change.leg_id})
            elif change.new is CallState.FAILED:
                await self._notifier.call_notice(call_id, InboundNoticeKind.FAILED, {"leg_id": change.leg_id})
        if applied.warned:
            await self._notifier.call_notice(call_id, InboundNoticeKind.WARNING, {})
        for state, code in applied.moves:
            if state in {CallState.COMPLETED, CallState.CANCELLED}:
                await self._notifier.call_notice(call_id, InboundNoticeKind.ENDED, {"code": code})
        if (applied.changes or applied.moves) and not applied.opened:
            await self._notifier.call_changed(call_id)


# --- managing routes from Slack ------------------------------------------------------------


@dataclass(frozen=True)
class RouteHelpReply:
    """How to write route commands."""

    locale: str


@dataclass(frozen=True)
class RoutesReply:
    """Every route with its rules, and the latest changes."""

    locale: str
    tz: str
    routes: tuple[Route, ...]
    changes: tuple[RouteChange, ...]


@dataclass(frozen=True)
class RouteChangedReply:
    """A route was changed; `change` says how (before and after)."""

    locale: str
    tz: str
    change: RouteChange
    channel_id: str | None


@dataclass(frozen=True)
class RouteNothingReply:
    """Nothing to remove."""

    locale: str
    access_display: str
    caller_prefix: str | None


@dataclass(frozen=True)
class RouteNotAllowedReply:
    """The asker may not change routes."""

    locale: str
    group: str


RouteReply = RouteHelpReply | RoutesReply | RouteChangedReply | RouteNothingReply | RouteNotAllowedReply


@dataclass(frozen=True)
class RouteBookRules:
    """Who may change routes and how numbers are read."""

    policy: DialingPolicy = field(default_factory=DialingPolicy)
    admin_group: str = ""  # Slack user group whose members may change routes, besides admins
    history: int = 10  # changes shown by /dial routes


@dataclass(frozen=True)
class RouteAsker:
    """Who typed the route command, and where."""

    user_id: str
    team_id: str
    channel_id: str


class RouteBook:
    """Route changes from Slack (admins only, every change recorded) and mention numbers kept fresh."""

    def __init__(
        self, routes: RouteStore, directory: Directory, groups: UserGroups, clock: Clock, rules: RouteBookRules
    ) -> None:
        self._routes = routes
        self._directory = directory
        self._groups = groups
        self._clock = clock
        self._rules = rules

    async def handle(self, command: RouteCommand, asker: RouteAsker, profile: UserProfile, locale: str) -> RouteReply:
        """Carry out a route command (raises RouteError when someone mentioned has no usable number)."""
        if isinstance(command, RouteHelpCommand):
            return RouteHelpReply(locale)
        if isinstance(command, ListRoutesCommand):
            routes = tuple(await self._routes.routes())
            changes = tuple(await self._routes.changes(self._rules.history))
            return RoutesReply(locale, profile.tz, routes, changes)
        if not await self.may_change(asker.user_id, profile):
            return RouteNotAllowedReply(locale, self._rules.admin_group)
        now = self._clock.now()
        if isinstance(command, RemoveRouteCommand):
            if command.caller_prefix is None:
                change = await self._routes.remove_route(command.access_key, asker.user_id, now)
            else:
                change = await self._routes.remove_rule(command.access_key, command.caller_prefix, asker.user_id, now)
            if change is None:
                return RouteNothingReply(locale, command.access_display, command.caller_prefix)
            return RouteChangedReply(locale, profile.tz, change, change.channel_id)
        assert isinstance(command, SetRouteCommand)
        targets = await self._targets(command)
        rule = RouteRule(command.caller_prefix, command.action, targets, command.options)
        change = await self._routes.set_rule(
            command.access_key,
            command.access_display,
            command.channel_id,
            asker.channel_id,
            asker.team_id,
            rule,
            asker.user_id,
            now,
        )
        return RouteChangedReply(locale, profile.tz, change, change.channel_id)

    async def may_change(self, user_id: str, profile: UserProfile) -> bool:
        """Workspace admins and owners, and members of the configured user group."""
        if profile.is_admin:
            return True
        if not self._rules.admin_group:
            return False
        try:
            return user_id in await self._groups.members(self._rules.admin_group)
        except Exception:
            log.exception("could not read the members of user group %s", self._rules.admin_group)
            return False

    async def _targets(self, command: SetRouteCommand) -> tuple[RuleTarget, ...]:
        profiles = await asyncio.gather(*(self._directory.profile(u) for u in command.mentions))
        targets = [RuleTarget(number=e164) for e164 in command.phones]
        missing: list[dict[str, str]] = []
        for user_id, found in zip(command.mentions, profiles, strict=True):
            if found is None or found.deleted or found.is_bot or not found.phone:
                missing.append({"user_id": user_id, "why": "no_phone" if found else "unknown_user"})
                continue
            number = normalise(found.phone, self._rules.policy)
            if not isinstance(number, str):
                missing.append({"user_id": user_id, "why": number.kind.value, "text": found.phone})
                continue
            targets.append(RuleTarget(slack_user_id=user_id, name=found.real_name, resolved=number))
        if missing:
            raise RouteError(RouteProblem.NO_PHONE, {"users": missing})
        return tuple(targets)

    async def refresh_user(self, user_id: str, phone: str | None, *, gone: bool = False) -> int:
        """A user's profile changed (Slack `user_change`): ring their new number from now on."""
        number: str | None = None
        if phone and not gone:
            normalised = normalise(phone, self._rules.policy)
            number = normalised if isinstance(normalised, str) else None
        return await self._routes.set_resolved(user_id, number, self._clock.now())

    async def refresh_all(self) -> int:
        """Re-read the profile of everyone a route rings (the periodic safety net for missed events)."""
        updated = 0
        for user_id in await self._routes.mentioned_users():
            try:
                profile = await self._directory.profile(user_id)
            except Exception:
                log.warning("could not refresh the profile of %s; keeping the number we have", user_id)
                continue
            gone = profile is None or profile.deleted
            updated += await self.refresh_user(user_id, profile.phone if profile else None, gone=gone)
        return updated
