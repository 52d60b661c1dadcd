"""Managing inbound routes from Slack: route commands carried out (admins only, every change recorded),
and the numbers of people routes ring kept fresh from their profiles.

Returns replies as data; the Slack layer words them in the asker's language.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from bot.inbound.core.ports import RouteStore
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
from bot.kernel.feature import Asker
from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy, normalise
from bot.kernel.ports import Clock, Directory, LookupFailed, UserGroups
from bot.kernel.workspace_settings import WorkspaceSettingsSource

log = logging.getLogger(__name__)


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


def _ours(route: Route, asker: Asker) -> bool:
    """Whether the asker's workspace may see and change `route` (either side not knowing: one workspace)."""
    return not route.team_id or not asker.team_id or route.team_id == asker.team_id


@dataclass(frozen=True)
class RouteBookRules:
    """Who may change routes and how numbers are read."""

    policy: DialingPolicy = field(default_factory=DialingPolicy)
    admin_group: str = ""  # Slack user group whose members may change routes, besides admins
    history: int = 10  # changes shown by /dial routes


class RouteBook:
    """Route changes from Slack (admins only, every change recorded) and mention numbers kept fresh."""

    def __init__(
        self,
        routes: RouteStore,
        directory: Directory,
        groups: UserGroups,
        clock: Clock,
        rules: RouteBookRules,
        *,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`workspace_settings`: each team's route managers and policy, asked per command (None: `rules`)."""
        self._workspace_settings = workspace_settings
        self._routes = routes
        self._directory = directory
        self._groups = groups
        self._clock = clock
        self._rules = rules

    async def handle(self, command: RouteCommand, asker: Asker, profile: UserProfile, locale: str) -> RouteReply:
        """Carry out a route command (raises RouteError when someone mentioned has no usable number)."""
        if isinstance(command, RouteHelpCommand):
            return RouteHelpReply(locale)
        if isinstance(command, ListRoutesCommand):
            routes = tuple(r for r in await self._routes.routes() if _ours(r, asker))
            changes = tuple(await self._routes.changes(self._rules.history, asker.team_id or None))
            return RoutesReply(locale, profile.tz, routes, changes)
        rules = await self._rules_for(asker.team_id)
        if not await self.may_change(asker.user_id, profile, rules):
            return RouteNotAllowedReply(locale, rules.admin_group)
        existing = await self._routes.route(command.access_key)
        if existing is not None and not _ours(existing, asker):
            # Another workspace's number: as if it had no route, and it is not taken over.
            prefix = command.caller_prefix if isinstance(command, RemoveRouteCommand) else None
            return RouteNothingReply(locale, command.access_display, prefix)
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
        targets = await self._targets(command, rules)
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

    async def _rules_for(self, team_id: str) -> RouteBookRules:
        """The team's route managers and dialing policy now (its admins may have changed them)."""
        if self._workspace_settings is None:
            return self._rules
        ws = await self._workspace_settings.for_team(team_id)
        return replace(self._rules, policy=ws.policy, admin_group=ws.route_admin_group)

    async def may_change(self, user_id: str, profile: UserProfile, rules: RouteBookRules | None = None) -> bool:
        """Workspace admins and owners, and members of the configured user group."""
        group = (rules or self._rules).admin_group
        if profile.is_admin:
            return True
        if not group:
            return False
        try:
            return user_id in await self._groups.members(group)
        except LookupFailed as exc:  # unsure who is in the group: refuse, the asker can try again
            log.warning("could not read the members of user group %s (%s)", group, exc)
            return False

    async def _targets(self, command: SetRouteCommand, rules: RouteBookRules | None = None) -> tuple[RuleTarget, ...]:
        profiles = await asyncio.gather(*(self._directory.profile(u) for u in command.mentions))
        targets = [RuleTarget(number=e164) for e164 in command.phones]
        missing: list[dict[str, str]] = []
        for user_id, found in zip(command.mentions, profiles, strict=True):
            if found is None or found.deleted or found.is_bot or not found.phone:
                missing.append({"user_id": user_id, "why": "no_phone" if found else "unknown_user"})
                continue
            number = normalise(found.phone, (rules or self._rules).policy)
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

    async def mention_teams(self) -> list[str]:
        """The workspaces whose routes ring Slack users."""
        return await self._routes.mention_teams()

    async def refresh_all(self, team_id: str | None = None) -> int:
        """Re-read the profile of everyone a route rings (the periodic safety net for missed events);
        of one workspace's routes when `team_id` is given (its profiles are read with its token)."""
        updated = 0
        for user_id in await self._routes.mentioned_users(team_id):
            try:
                profile = await self._directory.profile(user_id)
            except LookupFailed as exc:  # one unreadable profile must not stop the refresh of the others
                log.warning("could not refresh the profile of %s (%s); keeping the number we have", user_id, exc)
                continue
            gone = profile is None or profile.deleted
            updated += await self.refresh_user(user_id, profile.phone if profile else None, gone=gone)
        return updated
