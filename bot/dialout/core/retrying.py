"""Queueing retries when calls fail, and deciding which due retries may still go out.

A retry is a new call row for the same party, queued (state queued, `retry.at` in the future) in
the database the moment its call fails, so it survives restarts and keeps the invite dialling (an
invite with a queued call is not done, so its summary waits for its retries). The periodic watch
places those that are due through the same per-call claim as first calls (`InviteService._dial`),
so a retry is dialled once however many processes look.

A retry never goes out after the party joined through another call, after Cancel or Hang up all
(they stop the invite's retries first, then withdraw its unsent calls), or after the invite's end:
its maximum duration from when it was fired (the conference is over by then). Such a retry is
withdrawn (cancelled, never sent) and the invite settles as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.dialout.core.models import CallAttempt, Invite, InviteStatus, same_party
from bot.dialout.core.ports import InviteStore, Notifier
from bot.dialout.core.retries import plan_retry
from bot.kernel.ports import Clock
from bot.kernel.states import CallState

log = logging.getLogger(__name__)


def invite_end(invite: Invite) -> datetime | None:
    """When the invite's conference is over for retries: fired + its maximum duration (None: no end set)."""
    if invite.max_duration_s is None or invite.fired_at is None:
        return None
    return invite.fired_at + timedelta(seconds=invite.max_duration_s)


def _joined(attempt: CallAttempt) -> bool:
    return attempt.answered_at is not None or attempt.state in {CallState.ANSWERED, CallState.COMPLETED}


class RetryQueue:
    """Queues a failed call's retry under its invite's policy, and withdraws retries that may no longer go."""

    def __init__(self, store: InviteStore, notifier: Notifier, clock: Clock) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock

    async def after_failure(self, attempt: CallAttempt) -> bool:
        """`attempt` just failed: queue its retry if the invite's policy allows one. True when queued."""
        invite = await self._store.get_invite(attempt.invite_id)
        if invite is None or not self._may_retry(invite):
            return False
        known = await self._store.attempts(attempt.invite_id)
        return await self._queue(invite, [a for a in known if same_party(a.party, attempt.party)])

    async def owed(self, invite: Invite) -> bool:
        """Queue every retry the invite still owes; True when one was (so it is not done yet).

        Settling asks this before it marks an invite done: a call's failure and the queueing of its
        retry are two writes, and whatever settles in between (the dial that placed the call, another
        event) would otherwise find nothing open and post the summary with the retry never queued.
        The queueing is once per failed call, so this and `after_failure` racing queue it once.
        """
        if invite.id is None or not self._may_retry(invite):
            return False
        parties: dict[tuple[str, str], list[CallAttempt]] = {}
        for attempt in await self._store.attempts(invite.id):
            parties.setdefault((attempt.party.kind.value, attempt.party.address), []).append(attempt)
        queued = False
        for attempts in parties.values():
            queued = await self._queue(invite, attempts) or queued
        return queued

    @staticmethod
    def _may_retry(invite: Invite) -> bool:
        return (
            invite.retry is not None
            and not invite.retry.is_off
            and invite.status is InviteStatus.DIALING
            and invite.retries_stopped_at is None
        )

    async def _queue(self, invite: Invite, party: Sequence[CallAttempt]) -> bool:
        assert invite.id is not None and invite.retry is not None
        now = self._clock.now()
        mark = plan_retry(invite.retry, party, now)
        if mark is None:
            return False
        end = invite_end(invite)
        if end is not None and mark.at >= end:
            return False
        queued = await self._store.queue_retry(invite.id, mark, now)
        if queued is None:
            return False
        log.info(
            "invite %s: call %s failed (%s), retry %s/%s queued for %s",
            invite.id,
            mark.of,
            mark.reason.value,
            mark.number,
            mark.limit,
            mark.at.isoformat(),
        )
        await self._notifier.calls_changed(invite.id)
        return True

    async def ready(
        self, invite: Invite, waiting: Sequence[CallAttempt], known: Sequence[CallAttempt]
    ) -> list[CallAttempt]:
        """Of the invite's unsent calls, those to send now: first calls, and retries that are due and
        may still go out (the others that may not are withdrawn; those not due yet wait)."""
        now = self._clock.now()
        end = invite_end(invite)
        ready: list[CallAttempt] = []
        withdrawn = False
        for attempt in waiting:
            if attempt.retry is None:
                ready.append(attempt)
                continue
            if attempt.retry.at > now:
                continue
            joined = any(_joined(a) and same_party(a.party, attempt.party) for a in known)
            if joined or invite.retries_stopped_at is not None or (end is not None and now >= end):
                assert attempt.id is not None
                withdrawn = await self._store.cancel_unsent(attempt.id, now) or withdrawn
                continue
            ready.append(attempt)
        if withdrawn and invite.id is not None:
            await self._notifier.calls_changed(invite.id)
        return ready
