"""`/dial route …`, `/dial routes`, `/dial route help` (and 路由 …): inbound routing's words of `/dial`.

Dial-out's /dial listener offers every text to this subcommand first (`claims`); what it claims
is read by the route grammar, carried out by the route book and answered here, privately, in
the asker's language. Nothing of dial-out is involved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.inbound.core.route_book import RouteBook
from bot.inbound.core.route_command import RouteError, is_route_text, parse_route_command
from bot.inbound.slack.blocks import build_route_error, build_route_reply
from bot.kernel.feature import Asker
from bot.kernel.people import UserProfile
from bot.kernel.phone import DialingPolicy
from bot.kernel.ports import Directory
from bot.kernel.workspace_settings import WorkspaceSettingsSource
from bot.slack.messages import locale_of


@dataclass(frozen=True)
class RouteCommandRules:
    """How route commands are read and answered."""

    policy: DialingPolicy = field(default_factory=DialingPolicy)
    missing: Sequence[str] = ()  # settings inbound routing still needs: nothing can be changed until set
    default_locale: str = "en"
    default_tz: str = "UTC"
    mask_numbers: bool = True


class RouteSubcommand:
    """The kernel's Subcommand for inbound routes."""

    def __init__(
        self,
        book: RouteBook,
        directory: Directory,
        rules: RouteCommandRules,
        *,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`workspace_settings`: the asker's team's policy reads the command's numbers (None: `rules.policy`)."""
        self._workspace_settings = workspace_settings
        self._book = book
        self._directory = directory
        self._rules = rules

    async def _policy_for(self, team_id: str) -> DialingPolicy:
        if self._workspace_settings is None:
            return self._rules.policy
        return (await self._workspace_settings.for_team(team_id)).policy

    def claims(self, text: str) -> bool:
        """Route commands are recognised before anything else reads the text (channel links must survive)."""
        return is_route_text(text)

    async def handle(self, text: str, asker: Asker) -> str:
        """Read and carry out one route command; the private answer."""
        rules = self._rules
        profile = await self._directory.profile(asker.user_id) or UserProfile(
            asker.user_id, tz=rules.default_tz, locale=rules.default_locale
        )
        locale = locale_of(profile.locale, rules.default_locale)
        try:
            # Off the event loop, like /dial's own text: reading is CPU work and the loop serves everyone.
            policy = await self._policy_for(asker.team_id)
            command = await asyncio.to_thread(parse_route_command, text, policy, rules.missing)
            reply = await self._book.handle(command, asker, profile, locale)
        except RouteError as exc:
            return build_route_error(exc, locale)
        return build_route_reply(reply, rules.mask_numbers)
