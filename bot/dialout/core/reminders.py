"""Reminders: N minutes before a scheduled run, one reply in its thread for the creator, with
Dial now, Postpone 10 min and Skip.

The invites table decides, as it does for firing: a reminder is due when an invite is still
scheduled, has `remind_minutes`, was made before its reminder time and has no `reminded_at`.
The leader's watch loop asks every second (`remind_due`); `reminded_at` is claimed in one
conditional UPDATE before the reply is queued, so a restart or a second replica never posts it
twice (a crash between the claim and the queueing loses that one reminder: at most once).

Dial now and Skip are the thread parent's own Dial now and Cancel (the same claims and the same
permission rule); only Postpone is new, and it lives here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.core.outcomes import Actor, may_act
from bot.dialout.core.ports import Notice, NoticeKind, Notifier, Scheduler
from bot.kernel.ports import Clock

MAX_REMIND_MINUTES = 24 * 60  # `remind` accepts up to a day ahead
POSTPONE_MINUTES = 10  # what the reminder's Postpone button adds to the run's time


class ReminderStore(Protocol):
    """What reminders need of the invites table."""

    async def get_invite(self, invite_id: int) -> Invite | None: ...
    async def reminder_candidates(self, due_before: datetime) -> list[Invite]:
        """Scheduled invites due before `due_before` with a reminder asked for and not yet sent."""
        ...

    async def claim_reminder(self, invite_id: int, due_at: datetime, now: datetime) -> bool:
        """Set `reminded_at` once, while the invite is scheduled at `due_at`; False when someone else did."""
        ...

    async def postpone(self, invite_id: int, due_at: datetime, new_due_at: datetime) -> bool:
        """Move a scheduled invite from `due_at` to `new_due_at`; False when it moved on or was changed."""
        ...


class ReminderPoster(Protocol):
    """Queues the reminder reply of an invite (the Slack layer renders it from the row)."""

    async def remind(self, invite_id: int) -> None: ...


class PostponeOutcome(StrEnum):
    """What the reminder's Postpone button achieved."""

    POSTPONED = "postponed"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_DIALLED = "already_dialled"  # the scheduler or Dial now fired it first
    ALREADY_OVER = "already_over"  # cancelled (skipped) or missed meanwhile
    CHANGED = "changed"  # moved by someone else between the read and the write (nothing postponed)


def reminder_at(invite: Invite) -> datetime | None:
    """When the invite's reminder is due, or None when it gets none.

    None when reminders are off for it (0 or unset) and when it was made after that moment: an
    invite due sooner than its reminder lead time gets no reminder (its creator just made it).
    """
    minutes = invite.remind_minutes or 0
    if minutes <= 0:
        return None
    at = invite.due_at - timedelta(minutes=minutes)
    if invite.created_at is not None and invite.created_at > at:
        return None
    return at


def reminder_due(invite: Invite, now: datetime) -> bool:
    """Whether the reminder should go out now: its time has come and the run has not."""
    at = reminder_at(invite)
    return (
        at is not None
        and invite.status is InviteStatus.SCHEDULED
        and invite.reminded_at is None
        and at <= now < invite.due_at
    )


class ReminderService:
    """Posts each scheduled run's reminder once, and serves its Postpone button."""

    def __init__(
        self,
        store: ReminderStore,
        scheduler: Scheduler,
        notifier: Notifier,
        poster: ReminderPoster,
        clock: Clock,
        postpone_minutes: int = POSTPONE_MINUTES,
    ) -> None:
        self._store = store
        self._scheduler = scheduler
        self._notifier = notifier
        self._poster = poster
        self._clock = clock
        self._postpone = timedelta(minutes=postpone_minutes)

    async def remind_due(self) -> int:
        """Queue every reminder whose time has come (claimed first); how many were queued."""
        now = self._clock.now()
        sent = 0
        for invite in await self._store.reminder_candidates(now + timedelta(minutes=MAX_REMIND_MINUTES)):
            assert invite.id is not None
            if not reminder_due(invite, now):
                continue
            if await self._store.claim_reminder(invite.id, invite.due_at, now):
                await self._poster.remind(invite.id)
                sent += 1
        return sent

    async def postpone(self, invite_id: int, actor: Actor) -> PostponeOutcome:
        """Move a scheduled run `postpone_minutes` later (its job too), by the creator or a privileged user."""
        invite = await self._store.get_invite(invite_id)
        if invite is None:
            return PostponeOutcome.NOT_FOUND
        if not may_act(invite, actor):
            return PostponeOutcome.NOT_ALLOWED
        if invite.status is not InviteStatus.SCHEDULED:
            return _stale(invite.status)
        later = invite.due_at + self._postpone
        if not await self._store.postpone(invite_id, invite.due_at, later):
            fresh = await self._store.get_invite(invite_id)
            if fresh is None or fresh.status is not InviteStatus.SCHEDULED:
                return _stale(fresh.status if fresh else InviteStatus.CANCELLED)
            return PostponeOutcome.CHANGED
        self._scheduler.schedule_fire(invite_id, later)  # replaces the job by its id
        params = {"by": actor.user_id, "at": later.isoformat(), "minutes": int(self._postpone.total_seconds() // 60)}
        await self._notifier.notice(invite_id, Notice(NoticeKind.POSTPONED, params))
        await self._notifier.invite_changed(invite_id)
        return PostponeOutcome.POSTPONED


def _stale(status: InviteStatus) -> PostponeOutcome:
    if status in {InviteStatus.DIALING, InviteStatus.DONE}:
        return PostponeOutcome.ALREADY_DIALLED
    return PostponeOutcome.ALREADY_OVER
