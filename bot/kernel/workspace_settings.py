"""One workspace's settings: the environment's values, overridden by what its admins saved in Slack.

A kernel module because both features read them (dial-out: default providers, zone, retries,
reminders, pacing and the dialing policy; inbound routing: who may change routes and the policy for
route targets), and neither feature may import the other. Values are kept in plain types (provider
names by target kind's value, the retry policy in its written form) so the kernel needs neither
feature's vocabulary; each feature reads them into its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any, Protocol

from bot.kernel.phone import DialingPolicy


@dataclass(frozen=True)
class QuietHours:
    """Local wall times between which nobody is dialled; a start after the end spans midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local wall time falls in the quiet hours (start included, end excluded)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def written(self) -> str:
        """The form it is written in, in settings and in Slack: `21:00-08:00`."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class QuietHoursSyntaxError(ValueError):
    """Quiet hours not written as `HH:MM-HH:MM`."""


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`21:00-08:00` → QuietHours; empty or `off` → None (no quiet hours)."""
    cleaned = text.strip().lower()
    if cleaned in ("", "off", "none"):
        return None
    parts = cleaned.replace("–", "-").split("-")
    if len(parts) != 2:
        raise QuietHoursSyntaxError(text)
    try:
        start, end = (time.fromisoformat(_two_digit_hour(part.strip())) for part in parts)
    except ValueError as error:
        raise QuietHoursSyntaxError(text) from error
    if start.second or end.second or start == end:
        raise QuietHoursSyntaxError(text)
    return QuietHours(start, end)


def _two_digit_hour(part: str) -> str:
    return f"0{part}" if len(part) == 4 and part[1] == ":" else part


@dataclass(frozen=True)
class DialLimits:
    """The dialing policy's limits beyond which numbers are allowed (0 everywhere means no limit)."""

    max_parties: int = 0  # parties in one invite
    daily_per_user: int = 0  # calls placed for one Slack user's invites in a day (the workspace's zone)
    daily_per_workspace: int = 0  # calls placed for the whole workspace in a day
    quiet_hours: QuietHours | None = None  # in the callee's region's zone where known, else the workspace's
    approval_over: int = 0  # an invite with more parties than this waits for an admin's approval


@dataclass(frozen=True)
class WorkspaceSettings:
    """What one workspace's admins may set; the environment gives a new workspace's values."""

    policy: DialingPolicy = field(default_factory=DialingPolicy)
    limits: DialLimits = field(default_factory=DialLimits)
    default_providers: Mapping[str, str] = field(default_factory=dict)  # target kind value → provider ('' = any)
    default_tz: str = "UTC"  # for users whose Slack profile has no zone; also the workspace's day and quiet hours
    retry_policy: str = "off"  # written as RETRY_POLICY is (bot/dialout/core/retry_policy.py)
    reminder_minutes: int = 10
    pace_per_min: float = 0.0  # dial requests per minute for the workspace over every provider (0: unlimited)
    tencent_operators: Mapping[str, str] = field(default_factory=dict)  # Slack user id → Tencent userid
    invite_admin_group: str = ""  # Slack user group whose members may act on anyone's invite
    route_admin_group: str = ""  # Slack user group whose members may change inbound routes


class WorkspaceSettingsSource(Protocol):
    """Where a workspace's settings are looked up, each time they are needed (admins change them live)."""

    async def for_team(self, team_id: str) -> WorkspaceSettings: ...


class FixedWorkspaceSettings:
    """Every workspace gets the same settings: the environment's (before any admin saved their own)."""

    def __init__(self, settings: WorkspaceSettings) -> None:
        self._settings = settings

    async def for_team(self, team_id: str) -> WorkspaceSettings:
        return self._settings


# The dialing policy's number types a workspace may block, by their DialingPolicy flag (the form's checkboxes).
BLOCKABLE_TYPES = (
    "block_premium_rate",
    "block_shared_cost",
    "block_personal_numbers",
    "block_uan",
    "block_voicemail",
    "block_international_networks",
)
PROVIDER_KINDS = ("conference", "meeting", "event")


def settings_values(settings: WorkspaceSettings) -> dict[str, Any]:
    """The settings as flat JSON values, one key per thing an admin sets: what is stored and audited."""
    policy, limits = settings.policy, settings.limits
    values: dict[str, Any] = {
        "region": policy.region,
        "allowed_countries": sorted(policy.allowed_countries or ()),
        **{flag: bool(getattr(policy, flag)) for flag in BLOCKABLE_TYPES},
        "max_parties": limits.max_parties,
        "daily_per_user": limits.daily_per_user,
        "daily_per_workspace": limits.daily_per_workspace,
        "quiet_hours": limits.quiet_hours.written() if limits.quiet_hours else "",
        "approval_over": limits.approval_over,
        **{f"provider_{kind}": settings.default_providers.get(kind, "") for kind in PROVIDER_KINDS},
        "default_tz": settings.default_tz,
        "retry_policy": settings.retry_policy,
        "reminder_minutes": settings.reminder_minutes,
        "pace_per_min": settings.pace_per_min,
        "tencent_operators": dict(sorted(settings.tencent_operators.items())),
        "invite_admin_group": settings.invite_admin_group,
        "route_admin_group": settings.route_admin_group,
    }
    return values


def with_values(base: WorkspaceSettings, saved: Mapping[str, Any]) -> WorkspaceSettings:
    """`base` with what a workspace saved laid over it; keys it does not know are ignored (an older save)."""
    values = settings_values(base) | {k: v for k, v in saved.items() if k in _KEYS}
    countries = frozenset(str(c) for c in values["allowed_countries"])
    policy = replace(
        base.policy,
        region=str(values["region"]),
        allowed_countries=countries or None,
        **{flag: bool(values[flag]) for flag in BLOCKABLE_TYPES},
    )
    limits = DialLimits(
        max_parties=int(values["max_parties"]),
        daily_per_user=int(values["daily_per_user"]),
        daily_per_workspace=int(values["daily_per_workspace"]),
        quiet_hours=parse_quiet_hours(str(values["quiet_hours"])),
        approval_over=int(values["approval_over"]),
    )
    return WorkspaceSettings(
        policy=policy,
        limits=limits,
        default_providers={kind: str(values[f"provider_{kind}"]) for kind in PROVIDER_KINDS},
        default_tz=str(values["default_tz"]),
        retry_policy=str(values["retry_policy"]),
        reminder_minutes=int(values["reminder_minutes"]),
        pace_per_min=float(values["pace_per_min"]),
        tencent_operators={str(k): str(v) for k, v in dict(values["tencent_operators"]).items()},
        invite_admin_group=str(values["invite_admin_group"]),
        route_admin_group=str(values["route_admin_group"]),
    )


def overrides(base: WorkspaceSettings, chosen: WorkspaceSettings) -> dict[str, Any]:
    """The values of `chosen` that differ from `base`: what a workspace stores (the rest follows the environment)."""
    before, after = settings_values(base), settings_values(chosen)
    return {key: value for key, value in after.items() if before[key] != value}


def changes(before: WorkspaceSettings, after: WorkspaceSettings) -> dict[str, dict[str, Any]]:
    """What a save changed, key by key, as the audit trail's before and after."""
    old, new = settings_values(before), settings_values(after)
    return {key: {"before": old[key], "after": new[key]} for key in new if old[key] != new[key]}


_KEYS = frozenset(settings_values(WorkspaceSettings()))
