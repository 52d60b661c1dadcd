"""The dialing policy's limits (DialLimits): how many parties, how many calls a day, when nobody is
dialled, and which invites wait for an admin.

Pure rules, read both when a request is read (to refuse it with words) and when calls are placed
(the authoritative check: settings change, retries and recurrences come later). Each refusal names
its rule by a stable id (`Rule`), which the Slack layer turns into a sentence in both languages
and the thread shows beside whoever was not dialled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import NumberParseException, timezone

from bot.kernel.people import Party, PartyKind
from bot.kernel.workspace_settings import DialLimits, QuietHours


class Rule(StrEnum):
    """The dialing policy's limits, as refusals and failed calls name them."""

    MAX_PARTIES = "policy.max_parties"
    DAILY_USER = "policy.daily_user"
    DAILY_WORKSPACE = "policy.daily_workspace"
    QUIET_HOURS = "policy.quiet_hours"
    APPROVAL = "policy.approval"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The start and end (as aware instants) of the day `now` falls in, in zone `tz`.

    The daily limits count calls of the workspace's own day, not UTC's: a team in Shanghai gets its
    allowance back at its midnight. The end is the next local midnight (23 or 25 hours on DST days).
    """
    zone = _zone(tz)
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(0), zone)
    end = datetime.combine(local.date() + timedelta(days=1), time(0), zone)
    return start.astimezone(now.tzinfo), end.astimezone(now.tzinfo)


def callee_zone(party: Party, default_tz: str) -> str:
    """The zone whose clock quiet hours are read on for `party`.

    A number whose region has one zone (+86, most of Europe) is read in that zone; where a number
    could be in several (+1 has many) or is no number at all, the workspace's zone stands in.
    """
    if party.kind is not PartyKind.PHONE:
        return default_tz
    try:
        number = phonenumbers.parse(party.address, None)
    except NumberParseException:
        return default_tz
    zones = [z for z in timezone.time_zones_for_number(number) if z != timezone.UNKNOWN_TIMEZONE]
    return zones[0] if len(zones) == 1 else default_tz


def in_quiet_hours(party: Party, at: datetime, quiet: QuietHours | None, default_tz: str) -> bool:
    """Whether `party` must not be dialled at `at`: it is quiet hours on the callee's clock."""
    if quiet is None:
        return False
    local = at.astimezone(_zone(callee_zone(party, default_tz)))
    return quiet.contains(local.time().replace(tzinfo=None))


def quiet_parties(parties: Sequence[Party], at: datetime, quiet: QuietHours | None, default_tz: str) -> list[Party]:
    """The parties it would be quiet hours for at `at`."""
    return [p for p in parties if in_quiet_hours(p, at, quiet, default_tz)]


def over_max_parties(limits: DialLimits, count: int) -> bool:
    """Whether an invite of `count` parties is more than the workspace allows (0: no limit)."""
    return bool(limits.max_parties) and count > limits.max_parties


def needs_approval(limits: DialLimits, count: int) -> bool:
    """Whether an invite of `count` parties waits for an admin before anyone is dialled (0: never)."""
    return bool(limits.approval_over) and count > limits.approval_over


@dataclass(frozen=True)
class DailyQuota:
    """What the per-call claim checks: calls of this day already placed stay under the limits.

    Given to the store's claim so the count and the claim are one step: two processes placing
    calls at once cannot both take the last call of the day.
    """

    team_id: str
    user_id: str
    day_start: datetime
    day_end: datetime
    per_user: int = 0  # 0: no limit
    per_workspace: int = 0

    @property
    def limited(self) -> bool:
        return bool(self.per_user or self.per_workspace)


def daily_quota(limits: DialLimits, team_id: str, user_id: str, now: datetime, tz: str) -> DailyQuota:
    """The quota for a call of `user_id`'s invite placed at `now`, in the workspace's day."""
    start, end = day_bounds(now, tz)
    return DailyQuota(team_id, user_id, start, end, limits.daily_per_user, limits.daily_per_workspace)


@dataclass(frozen=True)
class DailyUse:
    """Calls already placed today, for the user and the whole workspace."""

    by_user: int
    by_workspace: int


def daily_refusal(quota: DailyQuota, used: DailyUse, wanted: int) -> tuple[Rule, int] | None:
    """The daily rule `wanted` more calls would break and how many calls it leaves, or None.

    The user's limit is named first: it is the one the asker can do something about (wait for
    tomorrow), and it is the smaller allowance when both are set sensibly.
    """
    checks = (
        (Rule.DAILY_USER, quota.per_user, used.by_user),
        (Rule.DAILY_WORKSPACE, quota.per_workspace, used.by_workspace),
    )
    for rule, limit, count in checks:
        if limit and count + wanted > limit:
            return rule, max(0, limit - count)
    return None


class Claim(StrEnum):
    """What came of claiming one call for sending under a daily quota."""

    CLAIMED = "claimed"
    TAKEN = "taken"  # already sent or no longer queued: someone else has it
    OVER_USER = "policy.daily_user"
    OVER_WORKSPACE = "policy.daily_workspace"
