"""Paced sending: how fast dial requests may go to each provider and for each workspace.

Providers cap how many requests an app makes per minute (Tencent Meeting: 300/min per self-built
app, error 190310); a 300-party invite sent as fast as the provider answers would run into that cap
and fail the calls past it. So every request first takes a turn here. A turn is a slot on a
schedule (the generic cell rate algorithm, a token bucket kept as one "theoretical arrival time"):
`BURST` requests may go at once, then one every 60/pace seconds. A request takes the later of its
provider's and its workspace's next slot, and both schedules move on.

The schedules live in this process. That is the global limit: with two replicas only the leader
fires invites and sends their calls (kernel/leadership.py), so one process sends for everyone; only
a click that sends (Dial now, Resume dialling) sends from the replica it reached (docs/operations.md).
Pure: time and sleeping are injected, so tests run it on a fake clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.kernel.workspace_settings import WorkspaceSettingsSource

BURST = 10  # requests that may go at once before the pace applies (a small invite is not slowed)


@dataclass
class Schedule:
    """One rate's slots: `per_min` requests a minute after a burst of `burst`; 0 is unlimited."""

    per_min: float
    burst: int = BURST
    next_free: float = -math.inf  # the instant the bucket would be empty again (GCRA's arrival time)

    @property
    def interval_s(self) -> float:
        """Seconds between two requests at this pace."""
        return 60.0 / self.per_min if self.per_min > 0 else 0.0

    def earliest(self, now: float) -> float:
        """The first instant from `now` at which one more request fits."""
        if self.per_min <= 0:
            return now
        return max(now, self.next_free - (self.burst - 1) * self.interval_s)

    def take(self, at: float) -> None:
        """Count a request sent at `at` (which `earliest` allowed)."""
        if self.per_min > 0:
            self.next_free = max(self.next_free, at) + self.interval_s


def effective_pace(*paces: float) -> float:
    """The pace several limits allow together: the slowest one set (0 where none is)."""
    set_ = [p for p in paces if p > 0]
    return min(set_) if set_ else 0.0


def estimate_s(remaining: int, per_min: float) -> float | None:
    """Seconds to send `remaining` requests at `per_min` (None: unlimited or nothing left)."""
    if remaining <= 0 or per_min <= 0:
        return None
    return remaining * 60.0 / per_min


class Pacer:
    """Turns for dial requests: per provider (its documented limit) and per workspace, across invites."""

    def __init__(
        self,
        provider_paces: Mapping[str, float],
        workspace_pace: float = 0.0,
        *,
        burst: int = BURST,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        workspace_settings: WorkspaceSettingsSource | None = None,
    ) -> None:
        """`provider_paces`: requests per minute by provider name (absent or 0: unlimited);
        `workspace_pace`: requests per minute for each workspace over every provider (0: unlimited),
        unless `workspace_settings` give each team its own (asked at each turn: admins change it live)."""
        self._workspace_settings = workspace_settings
        self._provider_paces = dict(provider_paces)
        self._workspace_pace = workspace_pace
        self._burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._schedules: dict[tuple[str, str], Schedule] = {}

    def pace_for(self, provider: str, team_id: str) -> float:
        """Requests per minute an invite of `provider` in workspace `team_id` is sent at (0: unlimited)."""
        del team_id  # every workspace has the same limit; the key is kept for when they differ
        return effective_pace(self._provider_paces.get(provider, 0.0), self._workspace_pace)

    async def workspace_pace_of(self, team_id: str) -> float:
        """The team's own pace over every provider now (0: unlimited)."""
        if self._workspace_settings is None:
            return self._workspace_pace
        return (await self._workspace_settings.for_team(team_id)).pace_per_min

    async def pace_of(self, provider: str, team_id: str) -> float:
        """`pace_for` with the team's own workspace pace."""
        return effective_pace(self._provider_paces.get(provider, 0.0), await self.workspace_pace_of(team_id))

    def _schedule(self, kind: str, key: str, per_min: float) -> Schedule:
        found = self._schedules.get((kind, key))
        if found is None:
            found = self._schedules[(kind, key)] = Schedule(per_min, self._burst)
        found.per_min = per_min  # a team's pace may have been changed since its last request
        return found

    def reserve(self, provider: str, team_id: str, workspace_pace: float | None = None) -> float:
        """Book the next slot for one request and return it (on the monotonic clock).

        Booking is synchronous, so concurrent senders on the loop get distinct slots in the order
        they asked, whichever invite they belong to. `workspace_pace`: the team's (None: the one given).
        """
        schedules = (
            self._schedule("provider", provider, self._provider_paces.get(provider, 0.0)),
            self._schedule("workspace", team_id, self._workspace_pace if workspace_pace is None else workspace_pace),
        )
        now = self._monotonic()
        slot = max(s.earliest(now) for s in schedules)
        for schedule in schedules:
            schedule.take(slot)
        return slot

    async def turn(self, provider: str, team_id: str) -> bool:
        """Wait until one request of `provider` for `team_id` may be sent; whether it had to wait."""
        slot = self.reserve(provider, team_id, await self.workspace_pace_of(team_id))
        wait = slot - self._monotonic()
        if wait <= 0:
            return False
        await self._sleep(wait)
        return True
