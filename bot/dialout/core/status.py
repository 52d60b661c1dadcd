"""Applying call events: store first, move the state forward only, then tell Slack.

Every event is stored before it is acted on (so none is lost) and de-duplicated by its key;
the attempt's state changes by compare-and-set, so two replicas applying events for the
same call cannot interleave into a backwards move.

Webhooks split the two steps: `receive` only stores (the provider is answered as soon as its
events are durable, well inside its timeout however busy we are), and `apply_received` applies
what was stored, oldest first, in the background. An event is marked applied only after it was
applied, so one stored by a process that died in between is applied by the next; applying it
twice changes nothing, as states only move forward.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace

from bot.dialout.core.models import SETTING_UP, CallAttempt, CallEvent, InviteStatus, Move, ReceivedEvent
from bot.dialout.core.pass_notices import PassNotices
from bot.dialout.core.ports import InviteStore, Notice, NoticeKind, Notifier, ProviderInfo
from bot.dialout.core.retrying import RetryQueue
from bot.kernel.logs import log_context
from bot.kernel.ports import Clock
from bot.kernel.states import CallState, FailReason, advance, apply_forward

log = logging.getLogger(__name__)


class StatusService:
    """Turns provider events into attempt states and Slack updates."""

    def __init__(
        self,
        store: InviteStore,
        notifier: Notifier,
        clock: Clock,
        providers: Mapping[str, ProviderInfo],
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._clock = clock
        self._providers = providers
        self._retries = RetryQueue(store, notifier, clock)

    async def apply(self, event: CallEvent) -> bool:
        """Store `event` and apply it; True when it changed a call's state."""
        if event.target_id is not None and not event.provider_call_id:
            return await self._apply_to_target(event, event.target_id)
        attempt = await self._store.find_attempt(event.provider, event.provider_call_id)
        is_new = await self._store.store_event(event, attempt.id if attempt else None, self._clock.now())
        if not is_new:
            return False
        if attempt is None:
            # The provider's webhook can beat our own record of its call id. Both sides write
            # first and look second, so whichever commits last sees the other and applies it.
            attempt = await self._store.find_attempt(event.provider, event.provider_call_id)
            if attempt is None or attempt.id is None:
                log.info("event for unknown call %s/%s stored", event.provider, event.provider_call_id)
                return False
            await self.apply_orphans(event.provider, event.provider_call_id, attempt.id)
            return True
        return await self.advance(attempt, event)

    async def _apply_to_target(self, event: CallEvent, target_id: str) -> bool:
        """News about a whole target (a conference ended): one stored event per open call in it."""
        changed = False
        for attempt, scoped in await self._per_open_call(event, target_id):
            if await self._store.store_event(scoped, attempt.id, self._clock.now()):
                changed = await self.advance(attempt, scoped) or changed
        return changed

    async def _per_open_call(self, event: CallEvent, target_id: str) -> list[tuple[CallAttempt, CallEvent]]:
        """A target's news as one event per call open in the target now, each with its own dedupe key."""
        scoped = []
        for attempt in await self._store.open_attempts_in_target(event.provider, target_id):
            assert attempt.id is not None
            call_id = attempt.provider_call_id or f"attempt-{attempt.id}"
            key = f"{event.dedupe_key}:{attempt.id}"
            scoped.append((attempt, replace(event, provider_call_id=call_id, dedupe_key=key, target_id=None)))
        return scoped

    async def receive(self, event: CallEvent) -> bool:
        """Store `event` to be applied by `apply_received`; True when it was new (not a re-delivery).

        Only what is needed to store it is done here: a webhook answers once this returns.
        """
        now = self._clock.now()
        if event.target_id is not None and not event.provider_call_id:
            stored = [
                await self._store.store_event(scoped, attempt.id, now, applied=False)
                for attempt, scoped in await self._per_open_call(event, event.target_id)
            ]
            return any(stored)
        attempt = await self._store.find_attempt(event.provider, event.provider_call_id)
        return await self._store.store_event(event, attempt.id if attempt else None, now, applied=False)

    async def apply_received(self, limit: int) -> int:
        """Apply up to `limit` received events, oldest first (so each call's in the order they came).

        A 500-party invite's events came in faster than applying them one by one could keep up
        with (three writes each; bench big_invite), so a pass works in few transactions: one read
        of the calls, one transaction of compare-and-set moves, Slack told once per invite
        (`PassNotices`), one write marking the events applied. Returns how many were taken, so
        the caller knows whether more may be waiting.
        """
        received = await self._store.unapplied_events(limit)
        notices = PassNotices(self._notifier)
        run: list[ReceivedEvent] = []
        for item in received:
            if item.attempt_id is not None:
                run.append(item)
                continue
            await self._apply_together(run, notices)  # the events before it, before it
            run = []
            await self._apply_received(item, notices)
        await self._apply_together(run, notices)
        await notices.flush()  # before marking: a crash in between applies them again, to no effect
        if received:
            await self._store.mark_applied([item.id for item in received])
        return len(received)

    async def _apply_together(self, items: Sequence[ReceivedEvent], notifier: Notifier) -> None:
        """Apply events of known calls, in order, with their moves written in one transaction.

        Each move is planned from the state the call's previous move leaves it in. A call someone
        else moved meanwhile (another replica, a hang-up) fails its compare-and-set; its events
        from there on are applied one by one, from what is stored, as before.
        """
        if not items:
            return
        current = {a.id: a for a in await self._store.get_attempts(sorted({i.attempt_id or 0 for i in items}))}
        planned: list[tuple[ReceivedEvent, CallAttempt, Move | None]] = []
        for item in items:
            attempt = current.get(item.attempt_id)
            if attempt is None:
                continue
            move = self._move(attempt, item.event)
            planned.append((item, attempt, move))
            if move is not None:
                current[move.attempt_id] = replace(attempt, state=move.new)
        written = iter(await self._store.transitions([move for _, _, move in planned if move is not None]))
        conflicted: set[int] = set()
        ended: set[int] = set()
        for item, attempt, move in planned:
            assert attempt.id is not None
            if move is not None and not next(written):  # every move has its answer, in order
                conflicted.add(attempt.id)
            if attempt.id in conflicted:
                fresh = await self._store.get_attempt(attempt.id)
                if fresh is not None:
                    await self.advance(fresh, item.event, notifier)
            elif move is not None:
                with self._context(attempt, item.event):
                    await self._moved(attempt, move.expected, move.new, notifier, settle=False)
                if move.new.is_final:
                    ended.add(attempt.invite_id)
        for invite_id in sorted(ended):
            await self.settle(invite_id, notifier)

    def _move(self, attempt: CallAttempt, event: CallEvent) -> Move | None:
        """The forward move `event` makes from where `attempt` is, if any."""
        assert attempt.id is not None
        new = advance(attempt.state, event.state)
        if new is None:
            return None
        reason = (event.reason or FailReason.UNKNOWN) if new is CallState.FAILED else None
        at = event.occurred_at or self._clock.now()
        return Move(attempt.id, attempt.state, new, reason, event.code, event.detail, at)

    async def _apply_received(self, item: ReceivedEvent, notifier: Notifier) -> None:
        event = item.event
        if item.attempt_id is not None:
            attempt = await self._store.get_attempt(item.attempt_id)
            if attempt is not None:
                await self.advance(attempt, event, notifier)
            return
        # Stored before our record of the provider's call id. Whoever records the id links the
        # orphans stored by then (applied or not); whatever it missed is found here.
        attempt = await self._store.find_attempt(event.provider, event.provider_call_id)
        if attempt is None or attempt.id is None:
            log.info("event for unknown call %s/%s stored", event.provider, event.provider_call_id)
            return
        await self.apply_orphans(event.provider, event.provider_call_id, attempt.id, notifier)

    async def apply_orphans(
        self, provider: str, provider_call_id: str, attempt_id: int, notifier: Notifier | None = None
    ) -> None:
        """Apply events that arrived before the call id was recorded, oldest first."""
        for event in await self._store.link_orphan_events(provider, provider_call_id, attempt_id):
            attempt = await self._store.get_attempt(attempt_id)
            if attempt is not None:
                await self.advance(attempt, event, notifier)

    async def advance(self, attempt: CallAttempt, event: CallEvent, notifier: Notifier | None = None) -> bool:
        """Move `attempt` forward to what `event` reports, if that is forward; Slack is told through
        `notifier` (a pass's `PassNotices`) or, by default, at once."""
        assert attempt.id is not None
        with self._context(attempt, event):
            return await self._advance(attempt, attempt.id, event, notifier or self._notifier)

    @staticmethod
    def _context(attempt: CallAttempt, event: CallEvent) -> AbstractContextManager[None]:
        return log_context(
            invite_id=attempt.invite_id,
            call_id=attempt.id,
            provider_call_id=event.provider_call_id or attempt.provider_call_id,
            provider=event.provider,
        )

    async def _advance(self, attempt: CallAttempt, attempt_id: int, event: CallEvent, notifier: Notifier) -> bool:
        moved_from: list[CallState] = []

        def plan(current: CallAttempt) -> Move | None:
            return self._move(current, event)

        async def write(current: CallAttempt, move: Move) -> bool:
            moved_from[:] = [current.state]
            return await self._store.transition(
                attempt_id,
                move.expected,
                move.new,
                reason=move.reason,
                code=move.code,
                detail=move.detail,
                at=move.at,
            )

        move = await apply_forward(attempt, plan, write, lambda: self._store.get_attempt(attempt_id))
        if move is None:
            return False
        await self._moved(attempt, moved_from[0] if moved_from else None, move.new, notifier)
        return True

    async def _moved(
        self, attempt: CallAttempt, before: CallState | None, new: CallState, notifier: Notifier, *, settle: bool = True
    ) -> None:
        """What follows a call's move: Slack is told, a failure may be retried, the invite may be done.

        `settle=False` leaves settling to the caller (a pass settles each invite once, at its end).
        """
        moved = f"{before.value if before else '?'} → {new.value}"
        log.info("call %s of invite %s: %s", attempt.id, attempt.invite_id, moved)
        if await self._last_one_set_up(attempt.invite_id, before, new):
            await notifier.invite_changed(attempt.invite_id)  # the parent stops saying "Dialling…"
        else:
            await notifier.calls_changed(attempt.invite_id)
        if new is CallState.FAILED:
            await notifier.calls_failed(attempt.invite_id)
            await self._retries.after_failure(attempt)  # before settling: a queued retry keeps it dialling
        if settle and new.is_final:  # only a final state can make the invite done
            await self.settle(attempt.invite_id, notifier)

    async def _last_one_set_up(self, invite_id: int, before: CallState | None, after: CallState) -> bool:
        """Whether this move ended the dialling phase: it left set-up and nobody else is in it.

        Only then does the parent need a fresh render; every other event only changes the roster.
        """
        if before not in SETTING_UP or after in SETTING_UP:
            return False
        # Counted in the database: reading all 500 calls of an invite at every event made applying
        # a 500-party invite's events fall seconds behind (bench big_invite).
        counts = await self._store.state_counts(invite_id)
        return counts.get(CallState.ANSWERED, 0) > 0 and not any(counts.get(s, 0) for s in SETTING_UP)

    async def settle(self, invite_id: int, notifier: Notifier | None = None) -> bool:
        """Mark the invite done and post the summary once every party is final."""
        notifier = notifier or self._notifier
        invite = await self._store.get_invite(invite_id)
        if invite is None or invite.status is not InviteStatus.DIALING:
            return False
        info = self._providers.get(invite.provider)
        # A provider that reports no per-call status is done with once it accepted the calls.
        handed_over = info is not None and info.hands_over
        if await self._store.unsettled_count(invite_id, handed_over=handed_over):
            return False
        if await self._retries.owed(invite):  # a call failed and its retry was not queued yet: now it is
            return False
        # Counted again: another settle may have queued a retry between the count above and `owed`
        # (which then finds it queued, not owed); without this recount both would call the invite done.
        if await self._store.unsettled_count(invite_id, handed_over=handed_over):
            return False
        if not await self._store.set_invite_status(invite_id, InviteStatus.DONE, expected=InviteStatus.DIALING):
            return False
        await notifier.notice(invite_id, Notice(NoticeKind.SUMMARY))
        await notifier.invite_changed(invite_id)
        return True
