"""Reminders: N minutes before a scheduled run, one reply in its thread for the creator, with
Dial now, Postpone 10 min and Skip.

The invites table decides, as it does for firing: a reminder is due when an invite is still
scheduled, has `remind_minutes`, was made before its reminder time and has no `reminded_at`.
The leader's watch loop asks every second (`remind_due`); `reminded_at` is claimed in one
conditional UPDATE before the reply is queued, so a restart or a second replica never posts it
twice (a crash between the claim and the queueing loses that one reminder: at most once).

Dial now and Skip are the thread parent's own Dial now and Cancel (the same claims and the same
permission rule); only Postpone is new, and it lives here. An invite made with `remind dm` also
sends each mentioned Slack user a direct message with Skip me, which withdraws only their own
call (through the same claim as cancelling: a call already sent is never withdrawn).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.core.outcomes import Actor, may_act, same_workspace
from bot.dialout.core.ports import InviteStore, Notice, NoticeKind, Notifier, Scheduler
from bot.kernel.ports import Clock
from bot.kernel.states import CallState

MAX_REMIND_MINUTES = 24 * 60  # `remind` accepts up to a day ahead
DM_REMIND_MINUTES = 10  # `remind dm` where the workspace has reminders off and the command gave no time
POSTPONE_MINUTES = 10  # what the reminder's Postpone button adds to the run's time


class ReminderStore(Protocol):
    """What reminders need of the invites table."""

    async def get_invite(self, invite_id: int) -> Invite | None: ...
    async def reminders_due(self, now: datetime) -> list[Invite]:
        """Scheduled invites not yet reminded whose reminder time has come and whose run has not."""
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
    async def remind_person(self, invite_id: int, attempt_id: int) -> None:
        """Queue the direct message to the Slack user called by `attempt_id` (their own Skip me)."""
        ...


class SkipMeOutcome(StrEnum):
    """What a person's Skip me (in their reminder DM) achieved."""

    SKIPPED = "skipped"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"  # the call is someone else's: only the person called may skip it
    ALREADY_DIALLED = "already_dialled"  # the run started (their call was sent, or is being)
    ALREADY_OVER = "already_over"  # cancelled, missed, or their call was already withdrawn


class PostponeOutcome(StrEnum):
    """What the reminder's Postpone button achieved."""

    POSTPONED = "postponed"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_DIALLED = "already_dialled"  # the scheduler or Dial now fired it first
    ALREADY_OVER = "already_over"  # cancelled (skipped) or missed meanwhile
    CHANGED = "changed"  # moved by someone else between the read and the write (nothing postponed)


def remind_minutes(asked: int | None, dm: bool, workspace_default: int) -> int:
    """An invite's reminder lead time: what its command said, else the workspace's; asking for DMs
    where the workspace has reminders off still reminds (DM_REMIND_MINUTES)."""
    if asked is not None:
        return asked
    return workspace_default or (DM_REMIND_MINUTES if dm else 0)


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
        invites: InviteStore,
        scheduler: Scheduler,
        notifier: Notifier,
        poster: ReminderPoster,
        clock: Clock,
        postpone_minutes: int = POSTPONE_MINUTES,
    ) -> None:
        self._store = store
        self._invites = invites
        self._scheduler = scheduler
        self._notifier = notifier
        self._poster = poster
        self._clock = clock
        self._postpone = timedelta(minutes=postpone_minutes)

    async def remind_due(self) -> int:
        """Queue every reminder whose time has come (claimed first); how many were queued."""
        now = self._clock.now()
        sent = 0
        for invite in await self._store.reminders_due(now):
            assert invite.id is not None
            if not reminder_due(invite, now):
                continue
            if await self._store.claim_reminder(invite.id, invite.due_at, now):
                await self._poster.remind(invite.id)
                if invite.remind_dm:
                    await self._remind_people(invite.id)
                sent += 1
        return sent

    async def _remind_people(self, invite_id: int) -> None:
        for attempt in await self._invites.attempts(invite_id):
            waiting = attempt.state is CallState.QUEUED and attempt.sent_at is None
            if attempt.party.slack_user_id and waiting and attempt.id is not None:
                await self._poster.remind_person(invite_id, attempt.id)

    async def skip_me(self, invite_id: int, attempt_id: int, user_id: str) -> SkipMeOutcome:
        """Withdraw one person's call from a scheduled run, by that person (their reminder DM's Skip me)."""
        invite = await self._store.get_invite(invite_id)
        attempt = await self._invites.get_attempt(attempt_id)
        if invite is None or attempt is None or attempt.invite_id != invite_id:
            return SkipMeOutcome.NOT_FOUND
        if attempt.party.slack_user_id != user_id:
            return SkipMeOutcome.NOT_YOURS
        if invite.status is not InviteStatus.SCHEDULED:
            return SkipMeOutcome(_stale(invite.status).value)
        if not await self._invites.cancel_unsent(attempt_id, self._clock.now()):
            fresh = await self._invites.get_attempt(attempt_id)
            sent = fresh is not None and fresh.state is not CallState.CANCELLED
            return SkipMeOutcome.ALREADY_DIALLED if sent else SkipMeOutcome.ALREADY_OVER
        await self._notifier.notice(invite_id, Notice(NoticeKind.SKIPPED_ME, {"by": user_id}))
        await self._notifier.calls_changed(invite_id)
        return SkipMeOutcome.SKIPPED

    async def postpone(self, invite_id: int, actor: Actor) -> PostponeOutcome:
        """Move a scheduled run `postpone_minutes` later (its job too), by the creator or a privileged user."""
        invite = await self._store.get_invite(invite_id)
        if invite is None or not same_workspace(invite, actor):
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
