"""Approve and Decline on an invite with more parties than the workspace's APPROVAL_OVER (policy.approval).

Such an invite is stored as `awaiting_approval` (InviteService.schedule): its calls are queued but
the scheduler's claim wants `scheduled`, so nothing dials it until an admin moves it on here.
"""

from __future__ import annotations

from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.core.outcomes import Actor, ApprovalOutcome, same_workspace
from bot.dialout.core.ports import InviteStore, Notice, NoticeKind, Notifier, Scheduler
from bot.kernel.ports import Clock


class Approvals:
    """The Approve / Decline buttons on the thread parent of an invite awaiting approval."""

    def __init__(
        self, store: InviteStore, scheduler: Scheduler, notifier: Notifier, invites: InviteService, clock: Clock
    ) -> None:
        self._store = store
        self._scheduler = scheduler
        self._notifier = notifier
        self._invites = invites
        self._clock = clock

    async def approve(self, invite_id: int, actor: Actor) -> ApprovalOutcome:
        """Approve: scheduled as usual, or dialled now when its time passed while it waited.

        Only a privileged actor decides (workspace admins, the invite admin group), never the creator
        as such: the step exists so that someone besides the asker agrees to a large call. The
        status change is a compare-and-set, so two admins pressing at once approve it once.
        """
        invite = await self._deciding(invite_id, actor)
        if not isinstance(invite, Invite):
            return invite
        if not await self._store.set_invite_status(
            invite_id, InviteStatus.SCHEDULED, expected=InviteStatus.AWAITING_APPROVAL
        ):
            return ApprovalOutcome.ALREADY_DECIDED
        await self._notifier.notice(invite_id, Notice(NoticeKind.APPROVED, {"by": actor.user_id}))
        await self._notifier.invite_changed(invite_id)
        if invite.due_at > self._clock.now():
            self._scheduler.schedule_fire(invite_id, invite.due_at)
        else:
            await self._invites.dial_overdue(invite_id)
        return ApprovalOutcome.APPROVED

    async def decline(self, invite_id: int, actor: Actor) -> ApprovalOutcome:
        """Decline: cancelled, nobody dialled, and the thread says by whom."""
        invite = await self._deciding(invite_id, actor)
        if not isinstance(invite, Invite):
            return invite
        if not await self._store.set_invite_status(
            invite_id, InviteStatus.CANCELLED, expected=InviteStatus.AWAITING_APPROVAL
        ):
            return ApprovalOutcome.ALREADY_DECIDED
        for attempt in await self._store.attempts(invite_id):
            assert attempt.id is not None
            await self._store.cancel_unsent(attempt.id, self._clock.now())
        await self._notifier.notice(invite_id, Notice(NoticeKind.DECLINED, {"by": actor.user_id}))
        await self._notifier.invite_changed(invite_id)
        return ApprovalOutcome.DECLINED

    async def _deciding(self, invite_id: int, actor: Actor) -> Invite | ApprovalOutcome:
        """The invite the button names, or why nothing happens (not found, not an admin, already decided)."""
        invite = await self._store.get_invite(invite_id)
        if invite is None or not same_workspace(invite, actor):
            return ApprovalOutcome.NOT_FOUND
        if not actor.privileged:
            return ApprovalOutcome.ADMINS_ONLY
        if invite.status is not InviteStatus.AWAITING_APPROVAL:
            return ApprovalOutcome.ALREADY_DECIDED
        return invite
