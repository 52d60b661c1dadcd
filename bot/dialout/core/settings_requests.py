"""App Home's workspace settings: who may open and save them, and what a save does.

Workspace admins (Slack's is_admin) and members of the workspace's invite admin group may manage
them; both are decided again from Slack at every open and save, since the form may have been left
open after its user lost the right, and a payload can be forged. A save stores the whole form at
once, or nothing when any box is wrong, and writes one audit event with each changed value's
before and after. Provider credentials are no part of the settings: they stay in the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.dialout.core.audit import AuditAction, AuditEvent, AuditLog, SubjectKind
from bot.dialout.core.models import Capability
from bot.dialout.core.ports import ProviderInfo
from bot.dialout.core.settings_form import SettingsError, SettingsFormErrors, SettingsProblem, read_settings
from bot.kernel.people import UserProfile
from bot.kernel.ports import Clock, Directory, LookupFailed, UserGroups
from bot.kernel.workspace_settings import PROVIDER_KINDS, WorkspaceSettings, changes

log = logging.getLogger(__name__)

NOT_ADMIN_FIELD = "region"  # the box a refusal to a non-admin is shown on (the form's first text box)


class SettingsStore(Protocol):
    """Where workspace settings are read and saved (bot/kernel/workspace_settings_store.py)."""

    async def for_team(self, team_id: str) -> WorkspaceSettings: ...

    async def save(self, team_id: str, settings: WorkspaceSettings, by: str) -> None: ...


@dataclass(frozen=True)
class SettingsSetup:
    """What the settings modal is built from: the manager's language, the current values, the choices."""

    locale: str
    team_id: str
    settings: WorkspaceSettings
    choices: Mapping[str, tuple[tuple[str, str], ...]]  # kind → (provider name, title) of those that serve it


@dataclass(frozen=True)
class SettingsSaved:
    """A save: what changed (empty: nothing did)."""

    locale: str
    changed: Mapping[str, Mapping[str, object]]


@dataclass(frozen=True)
class SettingsRefused:
    """A save refused: each wrong box's problem, in the submitter's language; nothing was stored."""

    locale: str
    errors: Mapping[str, SettingsError]


class SettingsRequests:
    """Opens and saves a workspace's settings for those allowed to manage them."""

    def __init__(
        self,
        store: SettingsStore,
        directory: Directory,
        groups: UserGroups,
        providers: Callable[[], Mapping[str, ProviderInfo]],
        audit: AuditLog,
        clock: Clock,
        locale_of: Callable[[str | None, str], str],
        default_locale: str,
    ) -> None:
        self._store = store
        self._directory = directory
        self._groups = groups
        self._providers = providers
        self._audit = audit
        self._clock = clock
        self._locale_of = locale_of
        self._default_locale = default_locale

    async def _profile(self, user_id: str) -> UserProfile | None:
        try:
            return await self._directory.profile(user_id)
        except LookupFailed as exc:  # unsure who they are: not allowed this time
            log.warning("settings: no profile for %s (%s)", user_id, exc)
            return None

    async def may_manage(self, team_id: str, user_id: str, profile: UserProfile | None = None) -> bool:
        """A workspace admin, or a member of the workspace's invite admin group."""
        profile = profile or await self._profile(user_id)
        if profile is None:
            return False
        if profile.is_admin:
            return True
        group = (await self._store.for_team(team_id)).invite_admin_group
        if not group:
            return False
        try:
            return user_id in await self._groups.members(group)
        except LookupFailed as exc:
            log.warning("settings: could not read the members of user group %s (%s)", group, exc)
            return False

    async def settings_of(self, team_id: str) -> WorkspaceSettings:
        """The workspace's settings now (App Home shows them to admins)."""
        return await self._store.for_team(team_id)

    def choices(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """The configured providers that can serve each kind of target (no secret: names and titles)."""
        return {
            kind: tuple(
                (name, info.title)
                for name, info in sorted(self._providers().items())
                if Capability(kind) in info.capabilities and not info.missing_settings
            )
            for kind in PROVIDER_KINDS
        }

    async def open(self, team_id: str, user_id: str) -> SettingsSetup | None:
        """The modal's contents for a manager; None for anybody else (the button was forged or stale)."""
        profile = await self._profile(user_id)
        if not await self.may_manage(team_id, user_id, profile):
            return None
        locale = self._locale_of(profile.locale if profile else None, self._default_locale)
        return SettingsSetup(locale, team_id, await self._store.for_team(team_id), self.choices())

    async def submit(
        self, team_id: str, user_id: str, form: Mapping[str, str], blocked: Collection[str]
    ) -> SettingsSaved | SettingsRefused:
        """Check the submitter and every box, then save all of it and audit what changed; or nothing."""
        profile = await self._profile(user_id)
        locale = self._locale_of(profile.locale if profile else None, self._default_locale)
        if not await self.may_manage(team_id, user_id, profile):
            return SettingsRefused(locale, {NOT_ADMIN_FIELD: SettingsError(SettingsProblem.NOT_ADMIN)})
        before = await self._store.for_team(team_id)
        choices = {kind: tuple(name for name, _ in able) for kind, able in self.choices().items()}
        try:
            after = read_settings(form, blocked, before, choices)
        except SettingsFormErrors as exc:
            return SettingsRefused(locale, exc.errors)
        changed = changes(before, after)
        if not changed:
            return SettingsSaved(locale, {})
        await self._store.save(team_id, after, by=user_id)
        event = AuditEvent(
            team_id, self._clock.now(), user_id, AuditAction.SETTINGS_CHANGED, SubjectKind.SETTINGS, team_id, changed
        )
        try:
            await self._audit.record(event)
        except Exception:  # the settings are saved; a lost audit line is logged, never shown as a failed save
            log.exception("audit: could not record the settings change of %s by %s", team_id, user_id)
        return SettingsSaved(locale, changed)
