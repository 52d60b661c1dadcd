"""Bulk launches over a threshold wait for their asker's Confirm.

A `/dial` (typed or the form) with more than BULK_CONFIRM_OVER parties is resolved and checked as
usual, then held as a pending launch: the invite and its parties exactly as they were summarised
(how many, which countries, how long at the pace). Confirm schedules that stored request, never a
new reading of the command; the pending row moves pending → confirmed once (compare-and-set), so a
second Confirm (a double click, two devices) schedules nothing, and the invite carries the
request key `launch:<id>` so even a retried schedule makes one invite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

import phonenumbers
from phonenumbers import NumberParseException

from bot.dialout.core.audit import AuditAction, AuditEvent, AuditLog, SubjectKind
from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import Invite
from bot.dialout.core.outcomes import Actor, may_act, same_workspace
from bot.dialout.core.pacing import Pacer, estimate_s
from bot.kernel.people import Party, PartyKind
from bot.kernel.ports import Clock

NOW_WITHIN_S = 5  # an invite due this close to its creation was asked for "now" (thread.py reads it so too)


class LaunchState(StrEnum):
    """Where a pending launch stands; it leaves PENDING once."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class LaunchOutcome(StrEnum):
    """What Confirm or Cancel on a launch summary achieved."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class LaunchSummary:
    """What the asker confirms: how many parties, where, and how long sending them takes at the pace."""

    parties: int
    slack_users: int  # mentioned people (dialled on their profile numbers), counted as such
    countries: tuple[tuple[str, int], ...]  # typed numbers by region (ISO code), most first
    others: int  # rooms and addresses with no country
    pace_per_min: float  # 0: unlimited
    estimate_s: float | None  # None: no pace, it all goes at once


@dataclass(frozen=True)
class PendingLaunch:
    """A held request: the invite and parties as summarised, and what became of it."""

    id: int
    invite: Invite
    parties: tuple[Party, ...]
    state: LaunchState = LaunchState.PENDING
    invite_id: int | None = None


@dataclass(frozen=True)
class Confirmed:
    """What Confirm did, and the invite it scheduled (when it did)."""

    outcome: LaunchOutcome
    invite: Invite | None = None
    count: int = 0


@dataclass(frozen=True)
class LaunchHeld:
    """The asker's answer to a bulk /dial: its summary, with Confirm and Cancel (nothing scheduled yet)."""

    locale: str
    launch_id: int
    invite: Invite
    summary: LaunchSummary
    confirm_over: int


@dataclass(frozen=True)
class LaunchReply:
    """What Confirm or Cancel achieved when it scheduled nothing."""

    locale: str
    outcome: LaunchOutcome


class LaunchStore(Protocol):
    """Where pending launches are kept."""

    async def hold_launch(self, invite: Invite, parties: Sequence[Party]) -> int:
        """Store a pending launch; its id."""
        ...

    async def get_launch(self, launch_id: int) -> PendingLaunch | None:
        """A pending launch as stored now."""
        ...

    async def settle_launch(self, launch_id: int, state: LaunchState) -> bool:
        """Move a launch from PENDING to `state`, once: False when it had left PENDING already."""
        ...

    async def set_launch_invite(self, launch_id: int, invite_id: int) -> None:
        """Record the invite a confirmed launch scheduled."""
        ...


def region_of(party: Party) -> str | None:
    """The ISO region of a typed phone number, None for rooms and unreadable addresses."""
    if party.kind is not PartyKind.PHONE:
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(party.address, None))
    except NumberParseException:
        return None


def summarise(parties: Sequence[Party], pace_per_min: float) -> LaunchSummary:
    """The summary shown before a bulk launch."""
    users = sum(1 for p in parties if p.slack_user_id)
    regions: Counter[str] = Counter()
    others = 0
    for party in parties:
        if party.slack_user_id:
            continue
        region = region_of(party)
        if region:
            regions[region] += 1
        else:
            others += 1
    countries = tuple(sorted(regions.items(), key=lambda item: (-item[1], item[0])))
    return LaunchSummary(len(parties), users, countries, others, pace_per_min, estimate_s(len(parties), pace_per_min))


class BulkLaunches:
    """Holds launches over the threshold, and schedules or drops them on their asker's word."""

    def __init__(
        self,
        store: LaunchStore,
        invites: InviteService,
        pacer: Pacer,
        clock: Clock,
        confirm_over: int,
        audit: AuditLog | None = None,
    ) -> None:
        """`confirm_over`: launches with more parties than this wait for Confirm (0: none do).

        `audit`: where Confirm and Cancel are recorded (no notifier hears of them: nothing is posted).
        """
        self._audit = audit
        self._store = store
        self._invites = invites
        self._pacer = pacer
        self._clock = clock
        self.confirm_over = confirm_over

    def needs_confirmation(self, parties: Sequence[Party]) -> bool:
        """Whether a launch of `parties` must be confirmed first."""
        return self.confirm_over > 0 and len(parties) > self.confirm_over

    async def hold(self, invite: Invite, parties: Sequence[Party]) -> tuple[int, LaunchSummary]:
        """Keep the launch as it is now, and say what it would do."""
        launch_id = await self._store.hold_launch(invite, parties)
        return launch_id, summarise(parties, await self._pacer.pace_of(invite.provider, invite.team_id))

    async def confirm(self, launch_id: int, actor: Actor) -> Confirmed:
        """Schedule exactly what was summarised, once however often Confirm is pressed."""
        launch = await self._allowed(launch_id, actor)
        if isinstance(launch, LaunchOutcome):
            return Confirmed(launch)
        if not await self._store.settle_launch(launch_id, LaunchState.CONFIRMED):
            return Confirmed(await self._stale(launch_id))
        invite = replace(launch.invite, request_key=f"launch:{launch_id}")
        created = invite.created_at or invite.due_at
        if abs((invite.due_at - created).total_seconds()) < NOW_WITHIN_S:
            now = self._clock.now()  # asked for "now": now is when it was confirmed
            invite = replace(invite, due_at=now, created_at=now)
        saved = await self._invites.schedule(invite, launch.parties)
        assert saved.id is not None
        await self._store.set_launch_invite(launch_id, saved.id)
        await self._record(launch, actor, AuditAction.LAUNCH_CONFIRMED, {"invite_id": saved.id})
        return Confirmed(LaunchOutcome.CONFIRMED, saved, len(launch.parties))

    async def cancel(self, launch_id: int, actor: Actor) -> LaunchOutcome:
        """Drop the launch; nothing was stored as an invite, nobody is called."""
        launch = await self._allowed(launch_id, actor)
        if isinstance(launch, LaunchOutcome):
            return launch
        if not await self._store.settle_launch(launch_id, LaunchState.CANCELLED):
            return await self._stale(launch_id)
        await self._record(launch, actor, AuditAction.LAUNCH_CANCELLED, {})
        return LaunchOutcome.CANCELLED

    async def _record(self, launch: PendingLaunch, actor: Actor, action: AuditAction, details: dict[str, Any]) -> None:
        if self._audit is None:
            return
        details = details | {"parties": len(launch.parties), "provider": launch.invite.provider}
        event = AuditEvent(
            launch.invite.team_id, self._clock.now(), actor.user_id, action, SubjectKind.LAUNCH, str(launch.id), details
        )
        await self._audit.record(event)

    async def _allowed(self, launch_id: int, actor: Actor) -> PendingLaunch | LaunchOutcome:
        launch = await self._store.get_launch(launch_id)
        if launch is None or not same_workspace(launch.invite, actor):
            return LaunchOutcome.NOT_FOUND
        if not may_act(launch.invite, actor):
            return LaunchOutcome.NOT_ALLOWED
        return launch

    async def _stale(self, launch_id: int) -> LaunchOutcome:
        launch = await self._store.get_launch(launch_id)
        if launch is not None and launch.state is LaunchState.CANCELLED:
            return LaunchOutcome.ALREADY_CANCELLED
        return LaunchOutcome.ALREADY_CONFIRMED
