"""Pause and Resume of an invite being dialled: the parent's Pause dialling / Resume dialling buttons.

The pause is a mark on the invite row (`paused_at`), not a state of the sending loop: the sender
looks at the row before each paced turn (`InviteService._turn`), so a pause holds across processes
and restarts, and the calls not sent yet simply stay queued. Resume clears the mark and sends the
queued calls through the same per-call claim as before, so nobody is lost or called twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.dialout.core.audit import AuditAction, AuditEvent, AuditLog, SubjectKind
from bot.dialout.core.invites import InviteService
from bot.dialout.core.models import InviteStatus
from bot.dialout.core.outcomes import Actor, may_act, same_workspace
from bot.dialout.core.ports import Notifier
from bot.kernel.ports import Clock


class PauseOutcome(StrEnum):
    """What Pause dialling or Resume dialling achieved."""

    PAUSED = "paused"
    RESUMED = "resumed"
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"  # Resume on an invite that is not paused (a stale button)
    NOT_DIALLING = "not_dialling"  # not dialled yet, or already over
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"


class PauseStore(Protocol):
    """Where the pause mark is kept."""

    async def set_paused(self, invite_id: int, paused_at: datetime | None, by: str | None) -> bool:
        """Mark a dialling invite paused (`paused_at` set) or not (None), once: False when it is not
        dialling, or already so."""
        ...


class BulkDialling:
    """Pauses and resumes invites being dialled, under the one permission rule (`may_act`)."""

    def __init__(
        self,
        invites: InviteService,
        store: PauseStore,
        notifier: Notifier,
        clock: Clock,
        audit: AuditLog | None = None,
    ) -> None:
        """`audit`: where Pause and Resume are recorded with who pressed them (the invite keeps only the pauser)."""
        self._audit = audit
        self._invites = invites
        self._store = store
        self._notifier = notifier
        self._clock = clock

    async def pause(self, invite_id: int, actor: Actor) -> PauseOutcome:
        """Stop sending the invite's queued calls (those already placed go on)."""
        return await self._mark(invite_id, actor, pausing=True)

    async def resume(self, invite_id: int, actor: Actor) -> PauseOutcome:
        """Clear the pause; `InviteService.place_added` then sends the calls still queued."""
        return await self._mark(invite_id, actor, pausing=False)

    async def _mark(self, invite_id: int, actor: Actor, *, pausing: bool) -> PauseOutcome:
        invite = await self._invites.get(invite_id)
        if invite is None or not same_workspace(invite, actor):
            return PauseOutcome.NOT_FOUND
        if not may_act(invite, actor):
            return PauseOutcome.NOT_ALLOWED
        if invite.status is not InviteStatus.DIALING:
            return PauseOutcome.NOT_DIALLING
        at, by = (self._clock.now(), actor.user_id) if pausing else (None, None)
        if not await self._store.set_paused(invite_id, at, by):
            fresh = await self._invites.get(invite_id)
            if fresh is None or fresh.status is not InviteStatus.DIALING:
                return PauseOutcome.NOT_DIALLING
            return PauseOutcome.ALREADY_PAUSED if pausing else PauseOutcome.NOT_PAUSED
        if self._audit is not None:
            action = AuditAction.PAUSED if pausing else AuditAction.RESUMED
            now = self._clock.now()
            event = AuditEvent(invite.team_id, now, actor.user_id, action, SubjectKind.INVITE, str(invite_id))
            await self._audit.record(event)
        await self._notifier.invite_changed(invite_id)  # the parent says paused, and swaps the button
        return PauseOutcome.PAUSED if pausing else PauseOutcome.RESUMED
